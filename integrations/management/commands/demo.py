"""The demo account used by `make run`: an owner, a coordinator, two field users and sample projects.

It lives in the integrations app because the demo also links the account to the FAStrack sandbox, and only
integrations may import every other app. Running it twice changes nothing.
"""

import os
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Account, Role, User
from accounts.services import account_create, user_create
from integrations.models import Integration
from integrations.services import integration_create, integration_validate
from projects.models import Project
from projects.services import project_assign, project_create

DEMO_PASSWORD = "vendordesk-demo"
DEMO_USERS = [
    ("owner@demo.vendordesk.test", "Olivia Owner", Role.OWNER, ""),
    ("coordinator@demo.vendordesk.test", "Carlos Coordinator", Role.COORDINATOR, ""),
    ("field1@demo.vendordesk.test", "Frank Field", Role.FIELD, "WMS-101"),
    ("field2@demo.vendordesk.test", "Fiona Field", Role.FIELD, "WMS-102"),
]
SAMPLE_PROJECTS = [
    ("Grass cut – 1200 Barton Springs Rd", "1200 Barton Springs Rd", "Austin", "TX", "78704", 2),
    ("Winterize – 4501 Duval St", "4501 Duval St", "Austin", "TX", "78751", 5),
    ("Lock change – 700 E 6th St", "700 E 6th St", "Austin", "TX", "78701", -1),
    ("Debris removal – 9800 N Lamar Blvd", "9800 N Lamar Blvd", "Austin", "TX", "78753", 0),
]


# The sandbox's demo vendor (python -m integrations.fastrack.sandbox --seed-demo).
SANDBOX_VENDOR = ("demo-vendor", "demo-pass")


class Command(BaseCommand):
    help = "Create (or keep) the demo account, its logins, sample projects and its FAStrack integration."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fastrack-url",
            default=os.environ.get("SANDBOX_URL")
            or f"http://127.0.0.1:{os.environ.get('SANDBOX_PORT', '8765')}",
            help="The sandbox's address (default: $SANDBOX_URL, else http://127.0.0.1:$SANDBOX_PORT or 8765)",
        )
        parser.add_argument("--no-fastrack", action="store_true", help="Make no FAStrack integration.")

    def handle(self, *args, **opts):
        account = self._account()
        self.stdout.write(f"Demo account: {account.name} ({account.slug})")
        for email, _, role, _ in DEMO_USERS:
            self.stdout.write(f"  {role:<12} {email} / {DEMO_PASSWORD}")
        if opts["fastrack_url"] and not opts["no_fastrack"]:
            integration = self._fastrack(account, opts["fastrack_url"])
            self.stdout.write(f"  FAStrack integration #{integration.pk} -> {integration.base_url}")

    def _fastrack(self, account: Account, url: str) -> Integration:
        integration = Integration.objects.filter(account=account, kind="fastrack").first()
        coordinator = User.objects.get(email=DEMO_USERS[1][0])
        if integration is None:
            integration = integration_create(
                actor=Actor.system(account, "demo"),
                kind="fastrack",
                name="AFS (sandbox)",
                base_url=url,
                credentials={"username": SANDBOX_VENDOR[0], "password": SANDBOX_VENDOR[1]},
                default_assignee=coordinator,
                refresh_interval_minutes=15,
            )
        elif integration.base_url != url:  # the sandbox may come up on another port
            Integration.objects.filter(pk=integration.pk).update(base_url=url)
            integration.refresh_from_db()
        integration_validate(integration=integration)
        return integration

    @transaction.atomic
    def _account(self) -> Account:
        owner = User.objects.filter(email=DEMO_USERS[0][0]).select_related("account").first()
        if owner is not None:
            return owner.account
        account = account_create(
            name="Demo Preservation Co",
            owner_email=DEMO_USERS[0][0],
            owner_password=DEMO_PASSWORD,
            owner_name=DEMO_USERS[0][1],
        )
        users = {}
        for email, name, role, contractor_id in DEMO_USERS[1:]:
            users[email] = user_create(
                account=account,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                full_name=name,
                wms_contractor_id=contractor_id,
            )
        actor = Actor.for_user(User.objects.get(email=DEMO_USERS[1][0]))
        today = timezone.localdate()
        field = [users[DEMO_USERS[2][0]], users[DEMO_USERS[3][0]]]
        for i, (name, address, city, state, zip_code, due_in) in enumerate(SAMPLE_PROJECTS):
            if Project.objects.filter(account=account, name=name).exists():
                continue
            project = project_create(
                actor=actor,
                name=name,
                address1=address,
                city=city,
                state=state,
                zip=zip_code,
                due_date=today + timedelta(days=due_in),
                qa_in_field=False,
                tasks=["Photos", "Work"],
            )
            if i < 2:
                project_assign(project=project, actor=actor, assignee=field[i])
        return account
