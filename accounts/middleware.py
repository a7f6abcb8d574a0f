"""The back office's pages read times in the account's time zone (like the seeds' import log): whole pages
and the parts HTMX reloads alone (the history, a survey, a run's progress) alike. The API keeps UTC with
offsets, whatever the caller."""

from django.utils import timezone


class AccountTimeZone:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not request.path.startswith("/api/") and user is not None and getattr(user, "account_id", None):
            timezone.activate(user.account.tzinfo)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
