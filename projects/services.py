"""Writes to projects and tasks. Each runs in one transaction and writes its ProjectEvent in it.

Role rules live here, not in views, so the API, the pages and the commands enforce the same ones.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor, ActorKind
from accounts.models import Role, User
from config.db import insert_many, unique_or

from .errors import PermissionDenied, ProjectLocked, ValidationError
from .events import build_event, record_event
from .models import CloseReason, EventType, Project, ProjectEvent, ProjectStatus, Task

# Fields a person may edit on a manual project; on an imported one the client owns them.
CLIENT_FIELDS = (
    "name",
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
    "check_in_required",  # the order says whether the client wants a Check In
)
VENDOR_FIELDS = ("qa_in_field",)


def _require(actor: Actor, role: str, action: str) -> None:
    if not actor.has_role(role):
        raise PermissionDenied(f"Your role ({actor.role}) cannot {action}.")


def _lock(project: Project) -> Project:
    """Re-read the project's row under a lock, in place: the event sequence and status checks need the
    latest row, and the caller's instance stays current."""
    project.refresh_from_db(from_queryset=Project.objects.select_for_update())
    return project


def _check_name_free(*, account_id: int, name: str, exclude_pk=None) -> None:
    clash = Project.objects.filter(account_id=account_id, name=name, deleted_at__isnull=True)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"A project named {name} already exists."})


@transaction.atomic
def project_create(*, actor: Actor, name: str, tasks: list[str] | tuple[str, ...] = (), **fields) -> Project:
    """A manual project (imported ones come from the importer)."""
    _require(actor, Role.COORDINATOR, "create projects")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A project needs a name."})
    unknown = set(fields) - set(CLIENT_FIELDS) - set(VENDOR_FIELDS) - {"assignee"}
    if unknown:
        raise ValidationError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    assignee = fields.pop("assignee", None)
    if assignee is not None:
        _check_assignee(actor, assignee)
    _check_name_free(account_id=actor.account_id, name=name)
    project = Project(account=actor.account, name=name, assignee=assignee, **fields)
    project.full_clean(exclude=["account", "integration"], validate_constraints=False)
    with unique_or("name", f"A project named {name} already exists."):
        project.save()
    names = [t.strip() for t in tasks if t and t.strip()]
    if len(set(names)) != len(names):
        raise ValidationError({"tasks": "Task names must be unique within a project."})
    Task.objects.bulk_create([Task(project=project, name=n, position=i) for i, n in enumerate(names)])
    record_event(project, actor, EventType.CREATED, {"name": name, "tasks": names})
    return project


@transaction.atomic
def project_update(*, project: Project, actor: Actor, **fields) -> Project:
    """Change the fields a person may change: the client's fields only on manual projects."""
    _require(actor, Role.COORDINATOR, "edit projects")
    project = _lock(project)
    editable = set(VENDOR_FIELDS) | (set() if project.is_imported else set(CLIENT_FIELDS))
    refused = set(fields) - editable
    if refused:
        raise ValidationError(
            {
                f: "This field comes from the client and cannot be changed here."
                if f in CLIENT_FIELDS
                else "This field cannot be changed here."
                for f in refused
            }
        )
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        _check_name_free(account_id=project.account_id, name=fields["name"], exclude_pk=project.pk)
    changes = {f: [getattr(project, f), v] for f, v in fields.items() if getattr(project, f) != v}
    if not changes:
        return project
    for f in changes:
        setattr(project, f, fields[f])
    project.full_clean(exclude=["account", "integration", "assignee"], validate_constraints=False)
    with unique_or("name", f"A project named {project.name} already exists."):
        record_event(project, actor, EventType.UPDATED, changes, update_fields=list(changes))
    return project


def _check_assignee(actor: Actor, user: User) -> None:
    if user.account_id != actor.account_id or not user.is_active:
        raise ValidationError({"user": "No such active sub-user in this account."})


@transaction.atomic
def project_assign(*, project: Project, actor: Actor, assignee: User | None) -> Project:
    """Assign to a sub-user, or unassign with None. Photos and answers stay with the project."""
    _require(actor, Role.COORDINATOR, "assign projects")
    if assignee is not None:
        _check_assignee(actor, assignee)
    project = _lock(project)
    if project.assignee_id == (assignee.pk if assignee else None):
        return project
    old = project.assignee
    project.assignee = assignee
    record_event(
        project,
        actor,
        EventType.ASSIGNED,
        {
            "assignee": [old.pk if old else None, assignee.pk if assignee else None],
            "wms_contractor_id": [
                old.wms_contractor_id if old else "",
                assignee.wms_contractor_id if assignee else "",
            ],
        },
        update_fields=["assignee"],
    )
    return project


@transaction.atomic
def project_complete(*, project: Project, actor: Actor) -> Project:
    """The crew (or the office) marks the work done. Publishing held photos is the caller's next step."""
    if actor.is_field and (actor.user is None or project.assignee_id != actor.user.pk):
        raise PermissionDenied("Only the assigned crew can complete this project.")
    project = _lock(project)
    if project.status != ProjectStatus.OPEN:
        raise ValidationError(f"{project.name} is {project.get_status_display().lower()}, not open.")
    project.status = ProjectStatus.COMPLETE
    project.completed_at = timezone.now()
    record_event(
        project,
        actor,
        EventType.COMPLETED,
        {"status": ["open", "complete"]},
        update_fields=["status", "completed_at"],
    )
    return project


@transaction.atomic
def project_close(*, project: Project, actor: Actor, reason: str = CloseReason.BY_HAND) -> Project:
    """Close a project. A person's close is remembered: the importer never reopens it."""
    by_hand = actor.kind in (ActorKind.USER, ActorKind.API_KEY)
    if by_hand:
        _require(actor, Role.COORDINATOR, "close projects")
        reason = CloseReason.BY_HAND
    project = _lock(project)
    if project.status == ProjectStatus.CLOSED:
        return project
    changes = _mark_closed(project, reason=reason, by_hand=by_hand, now=timezone.now())
    record_event(
        project,
        actor,
        EventType.CLOSED,
        changes,
        update_fields=["status", "closed_reason", "closed_by_hand", "closed_at"],
    )
    return project


def _mark_closed(project: Project, *, reason: str, by_hand: bool, now) -> dict:
    """Close ``project`` in memory; returns its "closed" event's changes. The caller saves both."""
    old = project.status
    project.status, project.closed_reason = ProjectStatus.CLOSED, reason
    project.closed_by_hand, project.closed_at = by_hand, now
    return {"status": [old, "closed"], "reason": reason}


CLOSE_FIELDS = ["status", "closed_reason", "closed_by_hand", "closed_at", "last_event_sequence", "updated_at"]


@transaction.atomic
def projects_close_for_source(*, integration_id: int, reasons: dict[int, str], actor: Actor) -> list[Project]:
    """Close the integration's projects its client no longer sends (``reasons``: project id → close reason),
    in bulk: one locked read, one update and one insert, however many there are. Those closed, deleted or
    gone meanwhile are left out. Returns the projects closed, in id order. Not for people: their closes are
    remembered as by hand (``project_close``)."""
    if actor.kind in (ActorKind.USER, ActorKind.API_KEY):
        raise PermissionDenied("Only an integration closes projects for its client.")
    projects = list(
        Project.objects.select_for_update()
        .filter(pk__in=reasons, integration_id=integration_id, deleted_at__isnull=True)
        .exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")  # the order every multi-row lock of projects takes
    )
    now = timezone.now()
    events = []
    for project in projects:
        changes = _mark_closed(project, reason=reasons[project.pk], by_hand=False, now=now)
        events.append(build_event(project, actor, EventType.CLOSED, changes, now=now))
    if projects:
        Project.objects.bulk_update(projects, CLOSE_FIELDS)
        insert_many(ProjectEvent, events)
    return projects


@transaction.atomic
def project_reopen(*, project: Project, actor: Actor) -> Project:
    _require(actor, Role.COORDINATOR, "reopen projects")
    project = _lock(project)
    if project.status == ProjectStatus.OPEN:
        return project
    old = project.status
    project.status = ProjectStatus.OPEN
    project.closed_reason = ""
    project.closed_by_hand = False
    project.closed_at = None
    record_event(
        project,
        actor,
        EventType.REOPENED,
        {"status": [old, "open"]},
        update_fields=["status", "closed_reason", "closed_by_hand", "closed_at"],
    )
    return project


@transaction.atomic
def project_delete(*, project: Project, actor: Actor) -> Project:
    """Hide the project and keep its history. A Refresh skips its order; a Full Refresh brings it back."""
    _require(actor, Role.COORDINATOR, "delete projects")
    project = _lock(project)
    if project.deleted_at is not None:
        return project
    project.deleted_at = timezone.now()
    record_event(project, actor, EventType.DELETED, {"deleted": [False, True]}, update_fields=["deleted_at"])
    return project


def _editable_tasks(project: Project, actor: Actor) -> None:
    if project.locked and actor.kind != ActorKind.IMPORT:
        raise ProjectLocked(project)


@transaction.atomic
def task_create(*, project: Project, actor: Actor, name: str, is_photo_task: bool = True) -> Task:
    _require(actor, Role.COORDINATOR, "add tasks")
    project = _lock(project)
    _editable_tasks(project, actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A task needs a name."})
    if project.tasks.filter(name=name, archived=False).exists():
        raise ValidationError({"name": f"{project.name} already has a task named {name}."})
    position = project.tasks.count()
    task = Task.objects.create(project=project, name=name, is_photo_task=is_photo_task, position=position)
    record_event(project, actor, EventType.TASKS_CHANGED, {"added": [name]})
    return task


@transaction.atomic
def task_rename(*, task: Task, actor: Actor, name: str) -> Task:
    _require(actor, Role.COORDINATOR, "rename tasks")
    project = _lock(task.project)
    _editable_tasks(project, actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A task needs a name."})
    if project.tasks.filter(name=name, archived=False).exclude(pk=task.pk).exists():
        raise ValidationError({"name": f"{project.name} already has a task named {name}."})
    old = task.name
    task.name = name
    task.save(update_fields=["name"])
    record_event(project, actor, EventType.TASKS_CHANGED, {"renamed": [[old, name]]})
    return task


@transaction.atomic
def task_remove(*, task: Task, actor: Actor) -> None:
    """Remove a task; one that has photos is archived instead, so nothing taken is lost."""
    _require(actor, Role.COORDINATOR, "remove tasks")
    project = _lock(task.project)
    _editable_tasks(project, actor)
    # Photos point at tasks with PROTECT; archiving keeps them.
    has_related = any(
        rel.related_model.objects.filter(**{rel.field.name: task}).exists()
        for rel in Task._meta.related_objects
    )
    if has_related:
        task.archived = True
        task.save(update_fields=["archived"])
    else:
        task.delete()
    record_event(project, actor, EventType.TASKS_CHANGED, {"removed": [task.name]})
