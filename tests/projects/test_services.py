"""Every project service writes its ProjectEvent, numbered in order, in the same transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.actors import Actor
from accounts.services import api_key_issue
from projects.errors import ProjectLocked
from projects.models import Project, ProjectEvent, Task
from projects.services import (
    project_assign,
    project_close,
    project_complete,
    project_create,
    project_delete,
    project_reopen,
    project_update,
    task_create,
    task_remove,
    task_rename,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(project):
    return list(
        ProjectEvent.objects.filter(project=project).order_by("sequence").values_list("sequence", "type")
    )


def test_lifecycle_writes_numbered_events(account, coordinator, field_user):
    actor = Actor.for_user(coordinator)
    project = project_create(actor=actor, name="123 Elm", address1="123 Elm St", tasks=["Photos", "Lawn"])
    project_update(project=project, actor=actor, instructions="Gate code 1234")
    project_assign(project=project, actor=actor, assignee=field_user)
    project_complete(project=project, actor=Actor.for_user(field_user))
    project_close(project=project, actor=actor)
    project_reopen(project=project, actor=actor)
    project_delete(project=project, actor=actor)
    assert events(project) == [
        (1, "project.created"),
        (2, "project.updated"),
        (3, "project.assigned"),
        (4, "project.completed"),
        (5, "project.closed"),
        (6, "project.reopened"),
        (7, "project.deleted"),
    ]
    project.refresh_from_db()
    assert project.last_event_sequence == 7
    updated = ProjectEvent.objects.get(project=project, sequence=2)
    assert updated.changes == {"instructions": ["", "Gate code 1234"]}
    assert updated.actor_kind == "user" and updated.actor_user == coordinator
    assigned = ProjectEvent.objects.get(project=project, sequence=3)
    assert assigned.changes["assignee"] == [None, field_user.pk]


def test_no_op_changes_write_nothing(account, coordinator):
    actor = Actor.for_user(coordinator)
    project = project_create(actor=actor, name="Same")
    project_update(project=project, actor=actor, instructions="")
    project_assign(project=project, actor=actor, assignee=None)
    assert events(project) == [(1, "project.created")]


def test_api_key_is_recorded_as_the_actor(account):
    key = api_key_issue(account=account, name="WMS").record
    project = project_create(actor=Actor.for_api_key(key), name="From WMS")
    event = ProjectEvent.objects.get(project=project)
    assert event.actor_kind == "api_key" and event.actor_api_key == key and "WMS" in event.actor_label


def test_close_by_hand_is_remembered(account, coordinator):
    project = ProjectFactory(account=account)
    project_close(project=project, actor=Actor.for_user(coordinator))
    project.refresh_from_db()
    assert project.status == "closed" and project.closed_by_hand and project.closed_reason == "by_hand"


def test_importer_close_keeps_its_reason(account):
    project = ProjectFactory(account=account)
    project_close(project=project, actor=Actor.importer(account, "FAStrack"), reason="qc_declined")
    project.refresh_from_db()
    assert project.closed_reason == "qc_declined" and not project.closed_by_hand


def test_roles(account, field_user):
    project = ProjectFactory(account=account)
    field = Actor.for_user(field_user)
    for call in (
        lambda: project_create(actor=field, name="nope"),
        lambda: project_assign(project=project, actor=field, assignee=field_user),
        lambda: project_close(project=project, actor=field),
        lambda: project_delete(project=project, actor=field),
        lambda: project_complete(project=project, actor=field),  # not assigned to them
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert events(project) == []


def test_locked_project_refuses_task_changes_with_a_clear_error(account, owner):
    project = ProjectFactory(account=account, locked=True, integration=None)
    task = TaskFactory(project=project, name="Grass Cut")
    actor = Actor.for_user(owner)
    for call in (
        lambda: task_create(project=project, actor=actor, name="Extra photos"),
        lambda: task_rename(task=task, actor=actor, name="Lawn"),
        lambda: task_remove(task=task, actor=actor),
    ):
        with pytest.raises(ProjectLocked) as err:
            call()
        assert "come from the client" in err.value.message
    assert list(project.tasks.values_list("name", flat=True)) == ["Grass Cut"]
    # the importer may
    task_create(project=project, actor=Actor.importer(account, "FAStrack"), name="Extra")


def test_unlocked_task_changes_and_uniqueness(account, owner):
    actor = Actor.for_user(owner)
    project = project_create(actor=actor, name="P", tasks=["A"])
    task = task_create(project=project, actor=actor, name="B")
    with pytest.raises(ValidationError):
        task_create(project=project, actor=actor, name="A")
    with pytest.raises(ValidationError):
        task_rename(task=task, actor=actor, name="A")
    task_rename(task=task, actor=actor, name="C")
    task_remove(task=task, actor=actor)
    assert list(project.tasks.values_list("name", flat=True)) == ["A"]
    assert [t for _, t in events(project)] == ["project.created"] + ["project.tasks_changed"] * 3


def test_database_constraints(account):
    ProjectFactory(account=account, name="Dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(account=account, name="Dup")
    project = ProjectFactory(account=account)
    TaskFactory(project=project, name="T")
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskFactory(project=project, name="T")


def test_a_deleted_projects_name_can_be_reused(account, owner):
    actor = Actor.for_user(owner)
    first = project_create(actor=actor, name="Reused")
    project_delete(project=first, actor=actor)
    second = project_create(actor=actor, name="Reused")
    assert Project.objects.filter(name="Reused").count() == 2 and second.pk != first.pk


def test_imported_projects_refuse_client_fields(account, owner):
    from integrations.models import Integration

    integration = Integration.objects.create(account=account, kind="fastrack", name="AFS")
    project = ProjectFactory(account=account, integration=integration, source_ref="1", locked=True)
    with pytest.raises(ValidationError) as err:
        project_update(project=project, actor=Actor.for_user(owner), due_date="2030-01-01")
    assert "comes from the client" in str(err.value)
    project_update(project=project, actor=Actor.for_user(owner), qa_in_field=False)


def test_assignee_must_be_active_and_in_account(account, other_account, owner):
    project = ProjectFactory(account=account)
    with pytest.raises(ValidationError):
        project_assign(
            project=project, actor=Actor.for_user(owner), assignee=UserFactory(account=other_account)
        )
    with pytest.raises(ValidationError):
        project_assign(
            project=project,
            actor=Actor.for_user(owner),
            assignee=UserFactory(account=account, is_active=False),
        )
    assert not Task.objects.exists()


def test_a_change_and_its_event_commit_or_roll_back_together(account, coordinator, field_user):
    project = project_create(actor=Actor.for_user(coordinator), name="Together", tasks=["Lawn"])
    events = ProjectEvent.objects.filter(project=project).count()
    with pytest.raises(RuntimeError), transaction.atomic():
        project_assign(project=project, actor=Actor.for_user(coordinator), assignee=field_user)
        assert ProjectEvent.objects.filter(project=project).count() == events + 1
        raise RuntimeError("the caller's transaction fails after the service")
    project.refresh_from_db()
    assert project.assignee is None and project.last_event_sequence == events
    assert ProjectEvent.objects.filter(project=project).count() == events
