"""The API's ways in besides the session (DESIGN.md §7): ``Api-Key <key>`` and ``Token <key>``."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from .actors import Actor
from .models import ApiKey, UserToken
from .secrets import digest

# Recording every single use would turn each read into a write; a minute's precision is enough.
LAST_USED_PRECISION = timedelta(minutes=1)


def _record_use(model, pk, last_used_at):
    now = timezone.now()
    if last_used_at is None or now - last_used_at > LAST_USED_PRECISION:
        model.objects.filter(pk=pk).update(last_used_at=now)


class _HeaderKeyAuthentication(authentication.BaseAuthentication):
    keyword = ""

    def _key(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(f"Invalid {self.keyword} header: give exactly one key.")
        try:
            return parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid characters in the key.") from exc

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyAuthentication(_HeaderKeyAuthentication):
    """An account's add-on key. ``request.user`` becomes the key's Actor; ``request.auth`` the ApiKey."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = self._key(request)
        if key is None:
            return None
        record = (
            ApiKey.objects.select_related("account")
            .filter(digest=digest(key), revoked_at__isnull=True)
            .first()
        )
        if record is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        _record_use(ApiKey, record.pk, record.last_used_at)
        return Actor.for_api_key(record), record


class UserTokenAuthentication(_HeaderKeyAuthentication):
    """A user's own token (the field app)."""

    keyword = "Token"

    def authenticate(self, request):
        key = self._key(request)
        if key is None:
            return None
        record = (
            UserToken.objects.select_related("user__account")
            .filter(digest=digest(key), revoked_at__isnull=True)
            .first()
        )
        if record is None or not record.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        _record_use(UserToken, record.pk, record.last_used_at)
        return record.user, record
