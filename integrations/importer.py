"""Applying a source's feed to projects (DESIGN.md §4). Independent of any source: it sees only the types
of ``base.py``.

Each page is applied in one transaction with a fixed number of queries, whatever the page holds. The run
first reads the digest each of the integration's orders was last applied with (one query); a page's
unchanged orders then cost no query and write nothing. The others take one locked read, one for name
clashes, one for the tasks of changed projects, then bulk writes (new rows through COPY).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import User
from config.db import IdPool, insert_many, insert_rows
from projects.events import actor_fields, build_event
from projects.models import EventType, Project, ProjectEvent, ProjectStatus, Task

from .base import FeedPage, ImportedOrder, InvalidOrder
from .models import EventLevel, Integration, IntegrationEvent
from .surveys import attach_surveys

_NEW = object()  # an order ref with no project yet

# Project fields that come from the order, in the order the history shows them.
ORDER_FIELDS = (
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "due_date",
    "instructions",
    "client_status",
    "check_in_required",
)
PROJECT_UPDATE_FIELDS = [
    *ORDER_FIELDS,
    "source_digest",
    "last_event_sequence",
    "updated_at",
    "status",
    "closed_reason",
    "closed_by_hand",
    "closed_at",
    "deleted_at",
    "qa_in_field",
    "assignee",
]


@dataclass
class ImportState:
    """What a run learns across pages: the orders the feed holds (auto-close needs them) and the counts."""

    integration: Integration
    actor: Actor
    full: bool
    run_id: int | None = None
    present: set[str] = field(default_factory=set)  # every order ref the feed sent, skipped ones included
    applied: set[str] = field(default_factory=set)  # refs already applied in this run (duplicates)
    received: int = 0
    total: int | None = None
    reached_end: bool = False
    counts: Counter = field(default_factory=Counter)
    log: list[IntegrationEvent] = field(default_factory=list)
    surveys: object = None  # the run's survey-template cache (integrations/surveys.py)
    known: dict[str, str | None] | None = None  # order ref → digest applied (known_orders)
    open_at_start: set[str] = field(default_factory=set)  # refs of the projects open when the run began
    project_ids: IdPool = field(default_factory=lambda: IdPool(Project))  # ids for new projects

    def note(self, message: str, *, ref: str = "", level: str = EventLevel.INFO) -> None:
        self.log.append(
            IntegrationEvent(
                integration=self.integration,
                run_id=self.run_id,
                level=level,
                order_ref=ref[:64],
                message=message,
                created_at=timezone.now(),
            )
        )

    def flush_log(self) -> None:
        if self.log:
            IntegrationEvent.objects.bulk_create(self.log)
            self.log = []

    @property
    def complete(self) -> bool:
        """Whether the whole feed was read: every page, and as many orders as the client announced."""
        return self.reached_end and (self.total is None or self.received == self.total)


def dedupe_services(order: ImportedOrder, state: ImportState) -> ImportedOrder:
    """Task names are unique in a project: keep the first service of each name and log the others."""
    if len({service.name for service in order.services}) == len(order.services):
        return order  # the usual case, decided without building anything
    seen, kept = set(), []
    for service in order.services:
        if service.name in seen:
            state.note(
                f"Ignoring duplicate serviceName '{service.name}' for Work Order {order.name}",
                ref=order.ref,
                level=EventLevel.WARNING,
            )
            continue
        seen.add(service.name)
        kept.append(service)
    return dataclasses.replace(order, services=tuple(kept))


def apply_page(page: FeedPage, state: ImportState, *, on_page_end=None) -> None:
    """Apply one page in one transaction. ``on_page_end(state)`` runs inside it (progress, lease renewal)."""
    state.total = page.total
    with transaction.atomic():
        touched, created, quiet = _apply_orders(_usable_orders(page, state), state)
        surveyed = attach_surveys(touched, state, created=created)
        # Written with nothing of their own to show: updated if their forms changed, else unchanged.
        state.counts["updated"] += len(quiet & surveyed)
        state.counts["unchanged"] += len(quiet - surveyed)
        state.reached_end = page.last
        state.flush_log()
        if on_page_end is not None:
            on_page_end(state)


@contextmanager
def relaxed_durability():
    """Do not wait for the disk at each page's commit (PostgreSQL ``synchronous_commit``, this session, for
    the pages of a run). A crash can lose the last pages written, never half of one, and the next refresh
    applies them again: importing is idempotent. It saves a disk flush per page."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:  # a broken session ends with itself
            cursor.execute("RESET synchronous_commit")


def _usable_orders(page: FeedPage, state: ImportState) -> list[ImportedOrder]:
    orders = []
    for item in page.orders:
        state.received += 1
        if isinstance(item, InvalidOrder):
            if item.ref:
                state.present.add(item.ref)  # still listed: it must not be auto-closed
            state.note(item.reason, ref=item.ref, level=EventLevel.WARNING)
            state.counts["skipped"] += 1
            continue
        state.present.add(item.ref)
        if item.ref in state.applied:
            state.note(f"Skipping duplicate order:{item.ref}", ref=item.ref, level=EventLevel.WARNING)
            state.counts["skipped"] += 1
            continue
        state.applied.add(item.ref)
        orders.append(dedupe_services(item, state))
    return orders


def known_orders(state: ImportState) -> dict[str, str | None]:
    """The integration's projects by order ref, read once per run (one query): the digest each was last
    applied with, or None when it needs work whatever the order says (deleted, or closed not by hand).

    Most orders of a refresh are unchanged; knowing them up front lets a page of unchanged orders go by
    without a query. Only this run creates the integration's projects, so the map cannot miss one; an
    order it calls changed is read again, locked, before anything is written.
    """
    if state.known is None:
        rows = Project.objects.filter(integration=state.integration).values_list(
            "source_ref", "source_digest", "deleted_at", "status", "closed_by_hand"
        )
        state.known, state.open_at_start = {}, set()
        for ref, digest, deleted_at, status, by_hand in rows:
            closed = status == ProjectStatus.CLOSED
            state.known[ref] = None if deleted_at is not None or (closed and not by_hand) else digest
            if deleted_at is None and not closed:
                state.open_at_start.add(ref)
    return state.known


def _apply_orders(
    orders: list[ImportedOrder], state: ImportState
) -> tuple[dict[int, ImportedOrder], set, set]:
    """Apply the page's usable orders. Returns the projects written (id → order), the ids of the new ones,
    and those written with no change of fields or tasks (not counted yet: only their forms may differ)."""
    integration = state.integration
    known = known_orders(state)
    work = [o for o in orders if known.get(o.ref, _NEW) != o.digest]
    state.counts["unchanged"] += len(orders) - len(work)
    if not work:
        return {}, set(), set()
    orders = work
    refs = [o.ref for o in orders if o.ref in known]
    existing = (
        {
            p.source_ref: p
            for p in Project.objects.select_for_update()
            .filter(integration=integration, source_ref__in=refs)
            .order_by("pk")  # the order every multi-row lock of projects takes
        }
        if refs
        else {}
    )
    # Names another project of the account already uses (a manual project, another integration's order).
    wanted = [o.name for o in orders if o.ref not in existing or existing[o.ref].deleted_at is not None]
    taken = (
        set(
            Project.objects.filter(
                account_id=integration.account_id, name__in=wanted, deleted_at__isnull=True
            ).values_list("name", flat=True)
        )
        if wanted
        else set()
    )

    now = timezone.now()
    new_orders: list[ImportedOrder] = []
    changed: list[tuple[Project, ImportedOrder, dict]] = []
    events: list[ProjectEvent] = []
    for order in orders:
        project = existing.get(order.ref)
        if project is not None and project.deleted_at is not None and not state.full:
            state.note(f"Skipping deleted order:{order.ref}", ref=order.ref)
            state.counts["skipped"] += 1
            continue
        if (project is None or project.deleted_at is not None) and order.name in taken:
            state.note(f"Skipping duplicate order:{order.ref}", ref=order.ref, level=EventLevel.WARNING)
            state.counts["skipped"] += 1
            continue
        if project is None:
            new_orders.append(order)
            continue
        facts = {}
        if project.deleted_at is not None:  # a Full Refresh brings it back as if new
            facts["restored"] = _restore(project, integration)
        elif project.status == ProjectStatus.CLOSED and not project.closed_by_hand:
            _reopen(project)  # the client sends it again: rework
            facts["reopened"] = True
        if facts or project.source_digest != order.digest:
            changed.append((project, order, facts))
        else:
            state.counts["unchanged"] += 1

    created = _create(new_orders, state, now)
    quiet = _update(changed, state, events, now)
    insert_many(ProjectEvent, events)
    return {**created, **{project.pk: order for project, order, _ in changed}}, set(created), quiet


def _default_assignee(integration: Integration):
    """The integration's default assignee, if still active (a deactivated one is assigned nothing)."""
    assignee = integration.default_assignee if integration.default_assignee_id else None
    return assignee if assignee is not None and assignee.is_active else None


def _restore(project: Project, integration: Integration) -> dict:
    """Bring a deleted project back with the integration's settings of now; returns what it was before."""
    before = {
        "status": project.status,
        "qa_in_field": project.qa_in_field,
        "assignee_id": project.assignee_id,
    }
    project.deleted_at = None
    project.qa_in_field = integration.qa_in_field
    project.assignee = _default_assignee(integration)
    _reopen(project)
    return before


def _restored_events(project: Project, before: dict, old_users: dict, state: ImportState, now) -> list:
    """The restore, and the assignment it made as a separate event: a WMS hears of the default assignment
    as of any other (``project.restored`` is not among the events an add-on hears by default)."""
    changes = {"deleted": [True, False]}
    for name in ("status", "qa_in_field"):
        if before[name] != getattr(project, name):
            changes[name] = [before[name], getattr(project, name)]
    events = [build_event(project, state.actor, EventType.RESTORED, changes, now=now)]
    if before["assignee_id"] != project.assignee_id:
        old, new = old_users.get(before["assignee_id"]), project.assignee
        assigned = {
            "assignee": [before["assignee_id"], project.assignee_id],
            "wms_contractor_id": [old.wms_contractor_id if old else "", new.wms_contractor_id if new else ""],
        }
        events.append(build_event(project, state.actor, EventType.ASSIGNED, assigned, now=now))
    return events


def _reopen(project: Project) -> None:
    project.status = ProjectStatus.OPEN
    project.closed_reason = ""
    project.closed_by_hand = False
    project.closed_at = None


def _create(orders: list[ImportedOrder], state: ImportState, now) -> dict[int, ImportedOrder]:
    """Insert new projects, their tasks and their "created" events as plain rows: one COPY per table (and,
    now and then, a draw of project ids), no model instances (the cold import's hot path)."""
    if not orders:
        return {}
    integration = state.integration
    assignee = _default_assignee(integration)
    common = {
        "account_id": integration.account_id,
        "integration_id": integration.pk,
        "locked": True,
        "qa_in_field": integration.qa_in_field,
        "assignee_id": assignee.pk if assignee else None,
        "last_event_sequence": 1,
        "created_at": now,
        "updated_at": now,
    }
    ids = insert_rows(
        Project,
        [
            {
                "name": o.name,
                "source_ref": o.ref,
                "source_digest": o.digest,
                **{name: getattr(o, name) for name in ORDER_FIELDS},
            }
            for o in orders
        ],
        common=common,
        id_pool=state.project_ids,
    )
    insert_rows(
        Task,
        [
            {
                "project_id": pk,
                "name": s.name,
                "source_ref": s.ref,
                "is_photo_task": s.is_photo_task,
                "form_ref": s.form_ref,
                "position": i,
            }
            for pk, o in zip(ids, orders, strict=True)
            for i, s in enumerate(o.services)
        ],
        common={"created_at": now},
        returning=False,
    )
    contractor = assignee.wms_contractor_id if assignee else ""
    insert_rows(
        ProjectEvent,
        [
            {
                "project_id": pk,
                "changes": {
                    "name": o.name,
                    "tasks": [s.name for s in o.services],
                    "assignee": common["assignee_id"],
                    "wms_contractor_id": contractor,
                },
            }
            for pk, o in zip(ids, orders, strict=True)
        ],
        common={
            "account_id": integration.account_id,
            "sequence": 1,
            "type": EventType.CREATED,
            "created_at": now,
            **actor_fields(state.actor),
        },
        returning=False,
    )
    state.counts["created"] += len(orders)
    return dict(zip(ids, orders, strict=True))


def _update(changed, state: ImportState, events: list, now) -> set[int]:
    """Apply changed orders to their projects; returns the projects with nothing of their own that changed
    (their forms, or only the digest's form), left for the caller to count."""
    quiet = set()
    if not changed:
        return quiet
    tasks_by_project = defaultdict(list)
    for task in Task.objects.filter(project__in=[p for p, _, _ in changed]):
        tasks_by_project[task.project_id].append(task)
    task_updates, task_creates, vacating = [], [], []
    # Whom restored projects were assigned to before (their WMS contractor ids): one query, when any.
    before_ids = {f["restored"]["assignee_id"] for _, _, f in changed if f.get("restored")} - {None}
    old_users = User.objects.in_bulk(before_ids) if before_ids else {}
    for project, order, facts in changed:
        field_changes = {}
        for name in ORDER_FIELDS:
            old, new = getattr(project, name), getattr(order, name)
            if old != new:
                field_changes[name] = [old, new]
                setattr(project, name, new)
        task_changes = _sync_tasks(
            project, order, tasks_by_project[project.pk], task_updates, task_creates, vacating, now
        )
        project.source_digest = order.digest
        if facts.get("restored"):
            events += _restored_events(project, facts["restored"], old_users, state, now)
            state.counts["created"] += 1
        elif facts.get("reopened"):
            events.append(
                build_event(project, state.actor, EventType.REOPENED, {"status": ["closed", "open"]}, now=now)
            )
            state.counts["reopened"] += 1
        if field_changes or task_changes:
            events.append(
                build_event(
                    project, state.actor, EventType.UPDATED, {**field_changes, **task_changes}, now=now
                )
            )
            if not facts.get("restored"):
                state.counts["updated"] += 1
        elif not facts:
            quiet.add(project.pk)
    Project.objects.bulk_update([p for p, _, _ in changed], PROJECT_UPDATE_FIELDS)
    # Names are unique among live tasks and PostgreSQL checks that row by row, so tasks giving up their name
    # step aside (archived) first: two services may swap names, or one take a removed one's name.
    if vacating:
        Task.objects.filter(pk__in=vacating).update(archived=True)
    # Archive and rename before creating, so a new service may take a name an archived one gave up.
    if task_updates:
        Task.objects.bulk_update(task_updates, ["name", "archived", "is_photo_task", "form_ref", "position"])
    insert_many(Task, task_creates)
    return quiet


def _sync_tasks(project, order, tasks, updates: list, creates: list, vacating: list, now) -> dict:
    """Tasks follow the client's services by service id: new ones added, renamed ones renamed, removed ones
    archived (their photos kept, never relayed). ``vacating`` gets the live tasks that give up their name."""
    by_ref = {t.source_ref: t for t in tasks}
    added, renamed, archived = [], [], []
    for position, service in enumerate(order.services):
        task = by_ref.pop(service.ref, None)
        if task is None:
            creates.append(
                Task(
                    project=project,
                    name=service.name,
                    source_ref=service.ref,
                    position=position,
                    is_photo_task=service.is_photo_task,
                    form_ref=service.form_ref,
                    created_at=now,
                )
            )
            added.append(service.name)
            continue
        before = (task.name, task.archived, task.is_photo_task, task.form_ref, task.position)
        if task.name != service.name:
            renamed.append([task.name, service.name])
            if not task.archived:
                vacating.append(task.pk)
        if task.archived:
            added.append(service.name)
        task.name, task.archived = service.name, False
        task.is_photo_task, task.form_ref, task.position = service.is_photo_task, service.form_ref, position
        if before != (task.name, task.archived, task.is_photo_task, task.form_ref, task.position):
            updates.append(task)
    for task in by_ref.values():
        if not task.archived:
            task.archived = True
            archived.append(task.name)
            updates.append(task)
            vacating.append(task.pk)
    changes = {}
    if added:
        changes["tasks_added"] = added
    if renamed:
        changes["tasks_renamed"] = renamed
    if archived:
        changes["tasks_archived"] = archived
    return changes
