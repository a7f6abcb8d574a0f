"""Refresh against the sandbox over real HTTP: mapping, the seeds' messages, changes, tasks, deletes."""

import re
from datetime import date
from decimal import Decimal

import pytest

from accounts.actors import Actor
from projects.errors import ProjectLocked
from projects.models import Project, ProjectEvent, Task
from projects.services import project_close, project_delete, task_create, task_remove, task_rename
from tests.factories import ProjectFactory, UserFactory

from .helpers import log_lines, make_order, refresh_now

pytestmark = pytest.mark.django_db


def test_field_mapping(fastrack, sandbox, vendor):
    order = make_order(
        "22215251",
        address1="12 Oak St",
        address2="Unit B",
        city="Round Rock",
        state="TX",
        zip="78664",
        latitude=30.5083,
        longitude=-97.6789,
        dueDate="2031-03-04",
        instructions="Winterize and photograph.",
        checkInRequired=True,
        services=[
            {"serviceId": "S1", "serviceName": "Winterization", "photoRequired": True},
            {"serviceId": "S2", "serviceName": "Mandatory Survey", "photoRequired": False, "formId": "PCR-1"},
        ],
    )
    sandbox.add_orders(vendor[0], [order])
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.created == 1
    project = Project.objects.get(integration=fastrack)
    assert project.name == "AFS::22215251" and project.source_ref == "22215251"
    assert (project.address1, project.address2, project.city, project.state, project.zip) == (
        "12 Oak St",
        "Unit B",
        "Round Rock",
        "TX",
        "78664",
    )
    assert project.latitude == Decimal("30.508300") and project.longitude == Decimal("-97.678900")
    assert project.due_date == date(2031, 3, 4)
    assert project.instructions == "Winterize and photograph."
    assert project.client_status == "new" and project.check_in_required and project.locked
    assert project.qa_in_field is True
    tasks = list(project.tasks.values_list("name", "source_ref", "is_photo_task", "form_ref"))
    assert tasks == [("Winterization", "S1", True, ""), ("Mandatory Survey", "S2", False, "PCR-1")]
    event = ProjectEvent.objects.get(project=project)
    assert event.type == "project.created" and event.actor_kind == "import" and event.actor_label == "AFS"


def test_the_seeds_error_table_to_the_letter(fastrack, sandbox, vendor):
    services = [
        {"serviceId": "A", "serviceName": "Mandatory Survey", "photoRequired": True},
        {"serviceId": "B", "serviceName": "Mandatory Survey", "photoRequired": True},
        {"serviceId": "C", "serviceName": "Grass Cut", "photoRequired": True},
    ]
    sandbox.add_orders(
        vendor[0],
        [
            make_order("22215251", services=services),
            make_order("21771463"),
            make_order("21771463", city="Elsewhere"),
        ],
    )
    run = refresh_now(fastrack)
    lines = log_lines(run)
    assert "Ignoring duplicate serviceName 'Mandatory Survey' for Work Order AFS::22215251" in lines
    assert "Skipping duplicate order:21771463" in lines
    assert run.created == 2 and run.skipped == 1
    project = Project.objects.get(name="AFS::22215251")
    assert list(project.tasks.values_list("name", flat=True)) == ["Mandatory Survey", "Grass Cut"]
    assert Project.objects.get(name="AFS::21771463").city == "Austin"  # the first one is kept
    # shown as MM-DD-YYYY HH:MM:SS <message> in the account's time zone
    from integrations.models import IntegrationEvent

    event = IntegrationEvent.objects.get(run=run, message__startswith="Skipping duplicate order")
    line = event.format_line(fastrack.account.tzinfo)
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d Skipping duplicate order:21771463", line)


def test_an_order_whose_name_another_project_uses_is_skipped(fastrack, sandbox, vendor):
    ProjectFactory(account=fastrack.account, name="AFS::555")
    sandbox.add_orders(vendor[0], [make_order("555"), make_order("556")])
    run = refresh_now(fastrack)
    assert "Skipping duplicate order:555" in log_lines(run)
    assert run.created == 1 and run.skipped == 1


def test_malformed_orders_are_skipped_with_a_reason_and_the_rest_imports(fastrack, sandbox, vendor):
    sandbox.add_orders(
        vendor[0],
        [
            make_order("100"),
            make_order("101", address1=""),
            make_order("102", dueDate="31/12/2030"),
            make_order("103", services=[{"serviceName": "no id"}]),
            {"address1": "no number"},
            make_order("104"),
        ],
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.created == 2 and run.skipped == 4
    assert set(Project.objects.values_list("source_ref", flat=True)) == {"100", "104"}
    lines = log_lines(run)
    assert "Skipping malformed order:101: missing address" in lines
    assert "Skipping malformed order:102: bad due date '31/12/2030'" in lines
    assert "Skipping malformed order: missing workOrderNumber" in lines


def test_nul_characters_and_control_text_do_not_break_the_page(fastrack, sandbox, vendor):
    """PostgreSQL cannot store NUL in text: an order carrying one still imports, the rest of the page too."""
    sandbox.add_orders(
        vendor[0],
        [
            make_order("120", instructions="Gate\x00code\t12\\34\nsecond line", city="Aus\x00tin"),
            make_order(
                "121",
                services=[{"serviceId": "S1", "serviceName": "Lawn\x00", "photoRequired": True}],
            ),
        ],
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.created == 2, run.error
    project = Project.objects.get(source_ref="120")
    assert project.instructions == "Gatecode\t12\\34\nsecond line" and project.city == "Austin"
    assert Task.objects.get(project__source_ref="121").name == "Lawn"
    assert refresh_now(fastrack).unchanged == 2


def test_text_that_is_not_valid_unicode_skips_the_order_with_a_reason(fastrack, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order("130", instructions="bad \ud800 text"), make_order("131")])
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.created == 1 and run.skipped == 1
    assert "Skipping malformed order:130: text that is not valid Unicode" in log_lines(run)


def test_a_second_refresh_writes_nothing(fastrack, sandbox, vendor, django_assert_max_num_queries):
    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in range(1, 8)])
    refresh_now(fastrack)
    before = (
        list(Project.objects.order_by("pk").values_list("pk", "updated_at", "last_event_sequence")),
        list(Task.objects.order_by("pk").values()),
        ProjectEvent.objects.count(),
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run = refresh_now(fastrack)
    assert run.unchanged == 7 and run.updated == 0 and run.created == 0
    after = (
        list(Project.objects.order_by("pk").values_list("pk", "updated_at", "last_event_sequence")),
        list(Task.objects.order_by("pk").values()),
        ProjectEvent.objects.count(),
    )
    assert before == after
    writes = [
        q["sql"]
        for q in ctx.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"])
        and re.search(r'"projects_(project|task)"', q["sql"])
        and not q["sql"].lstrip().startswith("SELECT")
    ]
    assert writes == []


def test_changes_are_applied_and_recorded_naming_the_fields(fastrack, sandbox, vendor):
    sandbox.add_orders(
        vendor[0],
        [
            make_order(
                "700",
                services=[
                    {"serviceId": "S1", "serviceName": "Grass Cut", "photoRequired": True},
                    {"serviceId": "S2", "serviceName": "Debris", "photoRequired": True},
                    {"serviceId": "S3", "serviceName": "Lock Change", "photoRequired": True},
                ],
            )
        ],
    )
    refresh_now(fastrack)
    sandbox.patch_order(
        vendor[0],
        "700",
        dueDate="2032-01-02",
        instructions="New gate code",
        status="accepted",
        services=[
            {"serviceId": "S1", "serviceName": "Lawn Mowing", "photoRequired": True},
            {"serviceId": "S3", "serviceName": "Lock Change", "photoRequired": True},
            {"serviceId": "S4", "serviceName": "Board Up", "photoRequired": True},
        ],
    )
    run = refresh_now(fastrack)
    assert run.updated == 1
    project = Project.objects.get(source_ref="700")
    assert project.due_date == date(2032, 1, 2) and project.client_status == "accepted"
    event = project.events.order_by("-sequence").first()
    assert event.type == "project.updated"
    assert set(event.changes) == {
        "due_date",
        "instructions",
        "client_status",
        "tasks_added",
        "tasks_renamed",
        "tasks_archived",
    }
    assert event.changes["tasks_renamed"] == [["Grass Cut", "Lawn Mowing"]]
    assert event.changes["tasks_archived"] == ["Debris"] and event.changes["tasks_added"] == ["Board Up"]
    tasks = {t.source_ref: (t.name, t.archived) for t in project.tasks.all()}
    assert tasks == {
        "S1": ("Lawn Mowing", False),
        "S2": ("Debris", True),
        "S3": ("Lock Change", False),
        "S4": ("Board Up", False),
    }


def test_services_that_swap_names_or_take_a_removed_ones_name(fastrack, sandbox, vendor):
    """Task names are unique among a project's live tasks; the client may still swap two names in one go."""

    def service(ref, name):
        return {"serviceId": ref, "serviceName": name, "photoRequired": True}

    sandbox.add_orders(
        vendor[0],
        [
            make_order(
                "710", services=[service("S1", "Lawn"), service("S2", "Debris"), service("S3", "Locks")]
            )
        ],
    )
    refresh_now(fastrack)
    # S1 and S2 swap names; S3 is removed and S4 arrives under its name.
    sandbox.patch_order(
        vendor[0], "710", services=[service("S1", "Debris"), service("S2", "Lawn"), service("S4", "Locks")]
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.updated == 1, run.error
    project = Project.objects.get(source_ref="710")
    tasks = {t.source_ref: (t.name, t.archived) for t in project.tasks.all()}
    assert tasks == {
        "S1": ("Debris", False),
        "S2": ("Lawn", False),
        "S3": ("Locks", True),
        "S4": ("Locks", False),
    }
    event = project.events.order_by("-sequence").first()
    assert sorted(event.changes["tasks_renamed"]) == [["Debris", "Lawn"], ["Lawn", "Debris"]]
    # S3 comes back under a name S1 now holds... after S1 is renamed away: both in one refresh.
    sandbox.patch_order(
        vendor[0], "710", services=[service("S1", "Fence"), service("S2", "Lawn"), service("S3", "Debris")]
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded", run.error
    tasks = {t.source_ref: (t.name, t.archived) for t in project.tasks.all()}
    assert tasks == {
        "S1": ("Fence", False),
        "S2": ("Lawn", False),
        "S3": ("Debris", False),
        "S4": ("Locks", True),
    }


def test_users_cannot_change_tasks_of_an_imported_project(fastrack, sandbox, vendor, owner):
    sandbox.add_orders(vendor[0], [make_order("800")])
    refresh_now(fastrack)
    project = Project.objects.get(source_ref="800")
    task = project.tasks.get()
    actor = Actor.for_user(owner)
    for call in (
        lambda: task_create(project=project, actor=actor, name="Extra photo task"),
        lambda: task_rename(task=task, actor=actor, name="Renamed"),
        lambda: task_remove(task=task, actor=actor),
    ):
        with pytest.raises(ProjectLocked):
            call()


def test_deleted_projects_are_skipped_then_brought_back_by_full_refresh(fastrack, sandbox, vendor, owner):
    crew = UserFactory(account=fastrack.account)
    sandbox.add_orders(vendor[0], [make_order("900")])
    refresh_now(fastrack)
    project = Project.objects.get(source_ref="900")
    project_delete(project=project, actor=Actor.for_user(owner))
    run = refresh_now(fastrack)
    assert "Skipping deleted order:900" in log_lines(run) and run.skipped == 1
    fastrack.qa_in_field = False
    fastrack.default_assignee = crew
    fastrack.save()
    run = refresh_now(fastrack, full=True)
    project.refresh_from_db()
    assert project.deleted_at is None and run.created == 1
    assert project.qa_in_field is False and project.assignee == crew  # the integration's current settings
    # The history says what the restore changed; the assignment is an event of its own (a WMS hears it).
    restored, assigned = project.events.filter(sequence__gt=2).order_by("sequence")
    assert (restored.type, restored.changes) == (
        "project.restored",
        {"deleted": [True, False], "qa_in_field": [True, False]},
    )
    assert (assigned.type, assigned.changes) == (
        "project.assigned",
        {"assignee": [None, crew.pk], "wms_contractor_id": ["", crew.wms_contractor_id]},
    )


def test_a_restore_assigns_no_deactivated_default_assignee(fastrack, sandbox, vendor, owner):
    sandbox.add_orders(vendor[0], [make_order("901")])
    refresh_now(fastrack)
    project = Project.objects.get(source_ref="901")
    project_delete(project=project, actor=Actor.for_user(owner))
    fastrack.default_assignee = UserFactory(account=fastrack.account, is_active=False)
    fastrack.save()
    refresh_now(fastrack, full=True)
    project.refresh_from_db()
    assert project.deleted_at is None and project.assignee is None
    assert not project.events.filter(type="project.assigned").exists()


def test_default_assignee_and_apply_settings_to_open_projects(fastrack, sandbox, vendor, owner):
    from integrations.services import apply_settings_to_open_projects

    coordinator = UserFactory(account=fastrack.account, role="coordinator", wms_contractor_id="WMS-1")
    sandbox.add_orders(vendor[0], [make_order("1"), make_order("2")])
    refresh_now(fastrack)
    assert set(Project.objects.values_list("assignee", flat=True)) == {None}
    fastrack.default_assignee = coordinator
    fastrack.qa_in_field = False
    fastrack.save()
    sandbox.add_orders(vendor[0], [make_order("3")])
    refresh_now(fastrack)
    assert Project.objects.get(source_ref="3").assignee == coordinator  # new projects get it
    assert Project.objects.get(source_ref="1").qa_in_field is True  # open ones keep theirs until applied
    changed = apply_settings_to_open_projects(integration=fastrack, actor=Actor.for_user(owner))
    assert changed == 2
    assert list(Project.objects.order_by("source_ref").values_list("qa_in_field", "assignee")) == [
        (False, coordinator.pk),
        (False, coordinator.pk),
        (False, coordinator.pk),
    ]
    assigned = ProjectEvent.objects.filter(project__source_ref="1", type="project.assigned").get()
    assert assigned.changes["wms_contractor_id"] == ["", "WMS-1"]


def test_queries_per_page_do_not_grow_with_the_page(postgres, account, sandbox, settings):
    """On PostgreSQL (SQLite splits big bulk inserts into batches of 999 parameters)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.models import Health, Integration

    settings.FASTRACK_PAGE_SIZE = 1000

    def queries_for(count, name, start):
        sandbox.add_vendor(name, "pw")
        sandbox.add_orders(
            name,
            [
                make_order(
                    str(n),
                    services=[
                        {"serviceId": f"{n}-{k}", "serviceName": f"Service {k}", "photoRequired": True}
                        for k in range(3)
                    ],
                )
                for n in range(start, start + count)
            ],
        )
        integration = Integration(
            account=account, kind="fastrack", name=name, base_url=sandbox.url, health=Health.OK
        )
        integration.set_credentials({"username": name, "password": "pw"})
        integration.save()
        with CaptureQueriesContext(connection) as ctx:
            run = refresh_now(integration)
        assert run.status == "succeeded" and run.created == count
        return len(ctx.captured_queries)

    import uuid

    small = queries_for(3, f"q-{uuid.uuid4().hex[:8]}", 1000)
    large = queries_for(40, f"q-{uuid.uuid4().hex[:8]}", 2000)
    assert large == small


def test_queries_per_page_do_not_grow_with_the_changed_orders(postgres, account, sandbox, settings):
    """Changed, renamed, reopened and restored orders are applied in bulk too: the query count of a page of
    them does not depend on how many it holds."""
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integrations.models import Health, Integration

    settings.FASTRACK_PAGE_SIZE = 1000

    def services(n, name):
        return [
            {"serviceId": f"{n}-{k}", "serviceName": f"{name} {k}", "photoRequired": True} for k in range(3)
        ]

    def queries_for(count, start):
        name = f"q-{uuid.uuid4().hex[:8]}"
        sandbox.add_vendor(name, "pw")
        numbers = [str(n) for n in range(start, start + count)]
        sandbox.add_orders(name, [make_order(n, services=services(n, "Service")) for n in numbers])
        integration = Integration(
            account=account, kind="fastrack", name=name, base_url=sandbox.url, health=Health.OK
        )
        integration.set_credentials({"username": name, "password": "pw"})
        integration.save()
        assert refresh_now(integration).created == count
        actor = Actor.importer(account, name)
        for n in numbers:  # every order changes: new instructions, services renamed, one removed
            sandbox.patch_order(name, n, instructions=f"Changed {n}", services=services(n, "Renamed")[:2])
        closed = integration.projects.order_by("pk").first()
        project_close(project=closed, actor=actor, reason="cancelled")  # auto-closed earlier: reopens
        with CaptureQueriesContext(connection) as ctx:
            run = refresh_now(integration)
        assert run.status == "succeeded" and run.updated == count and run.reopened == 1, run.error
        return len(ctx.captured_queries)

    small = queries_for(3, 3000)
    large = queries_for(30, 4000)
    assert large == small
