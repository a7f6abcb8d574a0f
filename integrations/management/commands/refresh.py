import json

from django.core.management.base import BaseCommand, CommandError

from integrations.models import Integration, IntegrationEvent
from integrations.refresh import execute_run, request_refresh


class Command(BaseCommand):
    help = "Run one refresh in the foreground; prints the import log, then one JSON line of counts."

    def add_arguments(self, parser):
        parser.add_argument("integration_id", type=int)
        parser.add_argument(
            "--full", action="store_true", help="Full Refresh: also bring back deleted projects."
        )

    def handle(self, *args, **opts):
        integration = Integration.objects.select_related("account").filter(pk=opts["integration_id"]).first()
        if integration is None:
            raise CommandError(f"No integration {opts['integration_id']}.")
        run, created = request_refresh(
            integration=integration, full=opts["full"], trigger="command", enqueue=False
        )
        if not created:
            raise CommandError(
                f"Refresh #{run.pk} of this integration is already {run.status}; try again later."
            )
        finished = execute_run(run_id=run.pk)
        if finished is None:
            raise CommandError(f"Refresh #{run.pk} was taken by another worker.")
        tz = integration.account.tzinfo
        for event in IntegrationEvent.objects.filter(run=finished).order_by("created_at", "id"):
            self.stdout.write(event.format_line(tz))
        self.stdout.write(json.dumps(finished.counts()))
        if finished.status != "succeeded":
            raise CommandError(finished.error)
