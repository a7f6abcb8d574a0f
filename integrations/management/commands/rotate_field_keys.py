from django.core.management.base import BaseCommand
from django.db import transaction

from config.crypto import CredentialsUnreadable, rotate
from integrations.models import Integration


class Command(BaseCommand):
    help = "Re-encrypt stored credentials with the newest FIELD_ENCRYPTION_KEY (put it first in the list)."

    @transaction.atomic
    def handle(self, *args, **opts):
        rotated = unreadable = 0
        for integration in Integration.objects.select_for_update().exclude(credentials_encrypted=""):
            try:
                integration.credentials_encrypted = rotate(integration.credentials_encrypted)
            except CredentialsUnreadable:
                unreadable += 1
                self.stderr.write(
                    f"Integration {integration.pk} ({integration.name}): credentials unreadable, "
                    "enter them again."
                )
                continue
            integration.save(update_fields=["credentials_encrypted"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} integration(s); {unreadable} unreadable.")
