from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import account_create


class Command(BaseCommand):
    help = "Create a vendor account and its owner; prints the account's slug."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--time-zone", default="America/Chicago")

    def handle(self, *args, **opts):
        try:
            account = account_create(
                name=opts["name"],
                owner_email=opts["owner_email"],
                owner_password=opts["owner_password"],
                time_zone=opts["time_zone"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(account.slug)
