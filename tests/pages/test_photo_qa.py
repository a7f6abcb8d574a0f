"""The QA queue, one photo large, and the QA actions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from photos.models import Photo, PhotoStatus
from tests.factories import ProjectFactory, TaskFactory

from .conftest import photo_rows

pytestmark = pytest.mark.django_db


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_queries_for_few_and_many_photos(account, coordinator_page, project, task):
    photo_rows(project, task, 2)
    few = _queries(coordinator_page, "/qa/")
    for _ in range(3):
        other = ProjectFactory(account=account, qa_in_field=False)
        photo_rows(other, TaskFactory(project=other), 40)
    many = _queries(coordinator_page, "/qa/?page=2")
    assert few == many


def test_the_queue_shows_thumbnails_and_the_reuse_warning(coordinator_page, project, task):
    first, second = photo_rows(project, task, 2)
    Photo.objects.filter(pk=second.pk).update(possible_reuse=True)
    body = coordinator_page.get("/qa/").content.decode()
    assert f"/api/v1/photos/{first.pk}/thumbnail" in body and "possible reuse" in body


def test_the_large_view_has_facts_badges_and_neighbours(coordinator_page, project, task):
    first, second, third = photo_rows(project, task, 3)
    Photo.objects.filter(pk=second.pk).update(
        possible_reuse=True, reuse_of=first, cert_item=True, camera_make="Canon"
    )
    body = coordinator_page.get(f"/qa/{second.pk}/").content.decode()
    assert f"/api/v1/photos/{second.pk}/display" in body
    assert "Possible reuse" in body and "item certified" in body and "Canon" in body
    assert f'href="/qa/{first.pk}/" data-key="ArrowLeft"' in body
    assert f'href="/qa/{third.pk}/" data-key="ArrowRight"' in body


def test_approve_goes_on_to_the_next_photo(coordinator_page, project, task):
    first, second = photo_rows(project, task, 2)
    response = coordinator_page.post(f"/photos/{first.pk}/approve")
    assert response.status_code == 302 and response["Location"] == f"/qa/{second.pk}/"
    first.refresh_from_db()
    assert first.status == PhotoStatus.APPROVED
    assert coordinator_page.post(f"/photos/{second.pk}/approve")["Location"] == "/qa/"


def test_reject_needs_a_reason(coordinator_page, project, task):
    (photo,) = photo_rows(project, task, 1)
    response = coordinator_page.post(f"/photos/{photo.pk}/reject", {"reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    coordinator_page.post(f"/photos/{photo.pk}/reject", {"reason": "Blurry"})
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.REJECTED and photo.reject_reason == "Blurry"


def test_move_to_another_task_and_evidence_type(coordinator_page, project, task, foreign_project):
    (photo,) = photo_rows(project, task, 1)
    other_task = TaskFactory(project=project, name="Trash")
    coordinator_page.post(f"/photos/{photo.pk}/move", {"task": other_task.pk, "evidence_type": "after"})
    photo.refresh_from_db()
    assert (photo.task_id, photo.evidence_type) == (other_task.pk, "after")
    foreign_task = TaskFactory(project=foreign_project)
    response = coordinator_page.post(f"/photos/{photo.pk}/move", {"task": foreign_task.pk}, follow=True)
    assert "Choose a task of this project" in response.content.decode()


def test_bulk_approve(coordinator_page, project, task):
    photos = photo_rows(project, task, 3)
    coordinator_page.post("/qa/approve", {"ids": [p.pk for p in photos[:2]]})
    assert Photo.objects.filter(status=PhotoStatus.APPROVED).count() == 2


def test_other_accounts_photos_are_404(coordinator_page, foreign_project):
    (photo,) = photo_rows(foreign_project, TaskFactory(project=foreign_project), 1)
    assert coordinator_page.get(f"/qa/{photo.pk}/").status_code == 404
    assert coordinator_page.post(f"/photos/{photo.pk}/approve").status_code == 404
    assert coordinator_page.post("/qa/approve", {"ids": [photo.pk]}).status_code == 404
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.PENDING_QA


def test_field_users_cannot_qa(field_page, project, task):
    (photo,) = photo_rows(project, task, 1)
    assert field_page.get("/qa/").status_code == 403
    assert field_page.get(f"/qa/{photo.pk}/").status_code == 403
    assert field_page.post(f"/photos/{photo.pk}/approve").status_code == 403
    assert field_page.post("/qa/approve", {"ids": [photo.pk]}).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/qa/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_decision_made_since_the_page_was_opened_is_not_silently_overturned(
    account, coordinator, coordinator_page, project, task
):
    """The page sends the status it showed: a colleague's approval made meanwhile stops a reject sent from
    the stale page, with a message saying who; a photo already decided when the page showed it can still be
    decided again on purpose."""
    import re

    from accounts.actors import Actor
    from photos import services
    from tests.factories import UserFactory

    (photo,) = photo_rows(project, task, 1)
    body = coordinator_page.get(f"/qa/{photo.pk}/").content.decode()
    seen = re.findall(r'<input type="hidden" name="seen" value="(\w+)">', body)
    assert seen == ["pending_qa", "pending_qa"]  # in the approve and the reject forms
    colleague = UserFactory(account=account, role="coordinator", full_name="Cora Colleague")
    services.photo_approve(photo=photo, actor=Actor.for_user(colleague))

    response = coordinator_page.post(
        f"/photos/{photo.pk}/reject", {"reason": "Blurry", "seen": "pending_qa"}, follow=True
    )
    assert "Cora Colleague approved this photo since you looked" in response.content.decode()
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.APPROVED and photo.qa_by_id == colleague.pk

    # Looking again shows it approved; rejecting it then is a decision of its own.
    coordinator_page.post(f"/photos/{photo.pk}/reject", {"reason": "Blurry", "seen": "approved"})
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.REJECTED and photo.qa_by_id == coordinator.pk
