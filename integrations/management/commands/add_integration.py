from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.actors import Actor
from accounts.models import Account, User
from integrations.registry import SOURCES
from integrations.services import integration_create, integration_validate


class Command(BaseCommand):
    help = "Link an account to an order source; prints the integration's id."

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="The account's slug.")
        parser.add_argument("--kind", required=True, choices=sorted(SOURCES))
        parser.add_argument("--name", default="")
        parser.add_argument("--base-url", default="")
        parser.add_argument("--username", default="")
        parser.add_argument("--password", default="")
        parser.add_argument("--share-key", default="")
        parser.add_argument("--qa-in-office", action="store_true", help="QA in Field: no.")
        parser.add_argument("--default-assignee", default="", help="The e-mail of a sub-user.")
        parser.add_argument("--no-validate", action="store_true")

    def handle(self, *args, **opts):
        account = Account.objects.filter(slug=opts["account"]).first()
        if account is None:
            raise CommandError(f"No account with slug {opts['account']!r}.")
        assignee = None
        if opts["default_assignee"]:
            assignee = User.objects.filter(account=account, email=opts["default_assignee"].lower()).first()
            if assignee is None:
                raise CommandError(f"No sub-user {opts['default_assignee']} in {account.slug}.")
        credentials = (
            {"share_key": opts["share_key"]}
            if opts["kind"] == "share"
            else {"username": opts["username"], "password": opts["password"]}
        )
        try:
            integration = integration_create(
                actor=Actor.system(account, "add_integration"),
                kind=opts["kind"],
                name=opts["name"] or SOURCES[opts["kind"]][0].split(" (")[0],
                base_url=opts["base_url"],
                credentials=credentials,
                qa_in_field=not opts["qa_in_office"],
                default_assignee=assignee,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not opts["no_validate"]:
            ok, message = integration_validate(integration=integration)
            self.stderr.write(f"Validate: {message}")
        self.stdout.write(str(integration.pk))
