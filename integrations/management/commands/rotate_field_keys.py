from django.core.management.base import BaseCommand
from django.db import transaction

from config.crypto import ENCRYPTED_COLUMNS, rotate_column


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the newest FIELD_ENCRYPTION_KEY (the first in the list)."

    @transaction.atomic
    def handle(self, *args, **opts):
        for label, (model, field_name) in sorted(ENCRYPTED_COLUMNS.items()):
            rotated, unreadable = rotate_column(model, field_name)
            self.stdout.write(f"{label}: re-encrypted {rotated}, unreadable {unreadable}.")
            if unreadable:
                self.stderr.write(f"{label}: {unreadable} could not be read with any key; enter them again.")
