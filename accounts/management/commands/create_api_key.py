from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account, Role
from accounts.services import api_key_issue


class Command(BaseCommand):
    help = "Issue an add-on API key for an account; prints the key once (only its digest is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--role", choices=[Role.ADMIN, Role.COORDINATOR], default=Role.ADMIN)

    def handle(self, *args, **opts):
        account = Account.objects.filter(slug=opts["account"]).first()
        if account is None:
            raise CommandError(f"No account with slug {opts['account']!r}.")
        issued = api_key_issue(account=account, name=opts["name"], role=opts["role"])
        self.stdout.write(issued.key)
