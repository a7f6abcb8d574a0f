"""QA services and the selectors the office and the relay read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor
from photos import selectors, services
from photos.models import PhotoSource, PhotoStatus
from tests.factories import ProjectFactory, TaskFactory, UserFactory

from .conftest import upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_photo(field_user, project, task):
    seeds = iter(range(1000))

    def make(*, on_task=None, source=PhotoSource.FIELD, actor=None):
        photo, _ = services.photo_ingest(
            actor=actor or Actor.for_user(field_user),
            project=(on_task or task).project,
            task=on_task or task,
            evidence_type="before",
            file=upload_file(seed=next(seeds), width=64, height=48),
            source=source,
        )
        return photo

    return make


@pytest.fixture
def office(coordinator):
    return Actor.for_user(coordinator)


def test_approve_and_reject_record_who_and_when(make_photo, office):
    photo = services.photo_approve(photo=make_photo(), actor=office)
    assert photo.status == PhotoStatus.APPROVED and photo.qa_by == office.user and photo.qa_at
    photo = services.photo_reject(photo=photo, actor=office, reason="Blurry")
    assert photo.status == PhotoStatus.REJECTED and photo.reject_reason == "Blurry"


def test_a_rejection_needs_a_reason(make_photo, office):
    with pytest.raises(ValidationError, match="why"):
        services.photo_reject(photo=make_photo(), actor=office, reason="  ")


@pytest.mark.parametrize("reason", ["Blurry\x00", "x" * 2001])
def test_a_reason_the_database_cannot_keep_is_refused_not_a_500(make_photo, office, reason):
    # The QA page posts the reason as typed: the service refuses what the API's serializer would.
    photo = make_photo()
    with pytest.raises(ValidationError):
        services.photo_reject(photo=photo, actor=office, reason=reason)
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.PENDING_QA and photo.reject_reason == ""


def test_field_users_cannot_qa(make_photo, field_user):
    with pytest.raises(PermissionDenied):
        services.photo_approve(photo=make_photo(), actor=Actor.for_user(field_user))


def test_move_before_publishing_keeps_the_relay_serial(make_photo, office, project):
    photo = make_photo()
    serial = photo.relay_serial
    photo = services.photo_move(
        photo=photo, actor=office, task=TaskFactory(project=project), evidence_type="after"
    )
    assert photo.relay_serial == serial and photo.evidence_type == "after"


def test_move_after_publishing_sends_it_again_under_a_new_serial(make_photo, office, project):
    photo = services.photo_approve(photo=make_photo(), actor=office)
    photo.published_at = timezone.now()  # what the lead's publish does
    photo.save(update_fields=["published_at"])
    assert not selectors.publishable_photos(project).exists()
    photo = services.photo_move(photo=photo, actor=office, evidence_type="during")
    photo.refresh_from_db()
    assert photo.relay_serial != photo.serial and photo.published_at is None
    assert list(selectors.publishable_photos(project)) == [photo]


def test_moving_nowhere_changes_nothing(make_photo, office):
    photo = make_photo()
    photo.published_at = timezone.now()
    photo.save(update_fields=["published_at"])
    photo = services.photo_move(photo=photo, actor=office, evidence_type="before")
    assert photo.relay_serial == photo.serial and photo.published_at is not None


@pytest.mark.parametrize("change", ["other_project", "archived", "not_photo"])
def test_move_refuses_tasks_photos_cannot_go_to(make_photo, office, account, project, change):
    target = TaskFactory(project=ProjectFactory(account=account) if change == "other_project" else project)
    target.archived = change == "archived"
    target.is_photo_task = change != "not_photo"
    target.save()
    with pytest.raises(ValidationError):
        services.photo_move(photo=make_photo(), actor=office, task=target)


def test_bulk_approve_by_project_and_by_ids(make_photo, office, project):
    a, b, c = make_photo(), make_photo(), make_photo()
    services.photo_reject(photo=c, actor=office, reason="Dark")
    assert services.photos_bulk_approve(actor=office, ids=[a.pk]) == 1
    assert services.photos_bulk_approve(actor=office, project=project) == 1  # b; c stays rejected
    b.refresh_from_db()
    c.refresh_from_db()
    assert (b.status, c.status) == (PhotoStatus.APPROVED, PhotoStatus.REJECTED)


def test_bulk_approve_refuses_ids_of_another_account(make_photo, office, other_account, coordinator):
    mine = make_photo()
    with pytest.raises(ValidationError, match="No such photos: 999999"):
        services.photos_bulk_approve(actor=office, ids=[mine.pk, 999999])
    mine.refresh_from_db()
    assert mine.status == PhotoStatus.PENDING_QA


def test_release_held_approves_the_crews_photos(make_photo, field_user, project):
    project.qa_in_field = True
    project.save()
    held = [make_photo(), make_photo()]
    assert {p.status for p in held} == {PhotoStatus.HELD}
    assert services.photos_release_held(project=project, actor=Actor.for_user(field_user)) == 2
    assert selectors.publishable_photos(project).count() == 2


def test_the_office_cannot_decide_for_the_crew_on_held_photos(
    make_photo, project, office, client, coordinator
):
    project.qa_in_field = True
    project.save()
    held = make_photo()
    for decide in (
        lambda: services.photo_approve(photo=held, actor=office),
        lambda: services.photo_reject(photo=held, actor=office, reason="Blurry"),
    ):
        with pytest.raises(ValidationError, match="held until the crew completes"):
            decide()
    client.force_login(coordinator)
    response = client.post(f"/api/v1/photos/{held.pk}/approve")
    assert response.status_code == 400 and response.json()["code"] == "held"
    held.refresh_from_db()
    assert held.status == PhotoStatus.HELD and held.qa_at is None


def test_nothing_is_publishable_without_qa(make_photo, project, task, office):
    make_photo()
    assert not selectors.publishable_photos(project).exists()
    approved = services.photo_approve(photo=make_photo(), actor=office)
    task.archived = True
    task.save()
    assert not selectors.publishable_photos(project).exists()  # a removed service is never relayed
    task.archived = False
    task.save()
    assert list(selectors.publishable_photos(project)) == [approved]


def test_qa_queue_oldest_first_on_open_and_completed_projects_in_one_query(
    make_photo, office, project, account, field_user
):
    first, second = make_photo(), make_photo()
    closed = ProjectFactory(account=account, assignee=field_user)
    make_photo(on_task=TaskFactory(project=closed))
    closed.status = "closed"
    closed.save()
    # The crew completed it: under QA in Office its photos are still the office's to check.
    completed = ProjectFactory(account=account, assignee=field_user, status="complete")
    third = make_photo(on_task=TaskFactory(project=completed))
    with CaptureQueriesContext(connection) as queries:
        queue = [(p.pk, p.project.name, p.task.name) for p in selectors.qa_queue(office)]
    assert [pk for pk, _, _ in queue] == [first.pk, second.pk, third.pk]
    assert len(queries) == 1


def test_photo_get_is_scoped(make_photo, other_account):
    photo = make_photo()
    with pytest.raises(Http404):
        selectors.photo_get(UserFactory(account=other_account, role="owner"), photo.pk)


def test_deleting_a_task_with_photos_is_refused_but_a_project_takes_them_along(make_photo, task, project):
    photo = make_photo()
    with pytest.raises(IntegrityError):
        task.delete()
    project.delete()
    assert not type(photo).objects.filter(pk=photo.pk).exists()
