"""Publishing from the QA queue: each project with approved, unpublished photos gets a Publish button that
posts to the project's publish action and comes back to the queue."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import RelayItem
from photos.models import Photo, PhotoStatus
from projects.models import ProjectStatus
from tests.factories import ProjectFactory, TaskFactory

from .conftest import photo_rows

pytestmark = pytest.mark.django_db


def _publish_forms(body: str) -> dict[int, str]:
    """{project id: the button's text} of the Publish forms of the queue, each checked to come back to it."""
    forms = {}
    for match in re.finditer(
        r'<form method="post" action="/projects/(\d+)/publish"[^>]*>(.*?)</form>', body, re.S
    ):
        inner = match[2]
        assert 'name="next" value="qa"' in inner and "csrfmiddlewaretoken" in inner
        forms[int(match[1])] = re.search(r"<button[^>]*>(.*?)</button>", inner, re.S)[1].strip()
    return forms


def test_each_project_with_approved_unpublished_photos_gets_a_publish_button(
    account, coordinator_page, project, task, foreign_project
):
    photo_rows(project, task, 2, status=PhotoStatus.APPROVED)
    photo_rows(project, task, 1)  # still pending: the project is in the queue too
    published = ProjectFactory(account=account, name="Already sent")
    (sent,) = photo_rows(published, TaskFactory(project=published), 1, status=PhotoStatus.APPROVED)
    Photo.objects.filter(pk=sent.pk).update(published_at=timezone.now())
    pending_only = ProjectFactory(account=account, name="Only pending")
    photo_rows(pending_only, TaskFactory(project=pending_only), 2)
    closed = ProjectFactory(account=account, name="Closed one", status=ProjectStatus.CLOSED)
    photo_rows(closed, TaskFactory(project=closed), 1, status=PhotoStatus.APPROVED)
    photo_rows(foreign_project, TaskFactory(project=foreign_project), 3, status=PhotoStatus.APPROVED)

    body = coordinator_page.get("/qa/").content.decode()
    assert _publish_forms(body) == {project.pk: "Publish 2 photos"}
    assert "Approved, not yet published" in body


def test_publish_from_the_queue_relays_the_photos_and_comes_back(
    account, coordinator_page, fastrack, field_user
):
    project = ProjectFactory(account=account, integration=fastrack, source_ref="4401", assignee=field_user)
    task = TaskFactory(project=project, name="Grass Cut", source_ref="4401-1", is_photo_task=True)
    photos = photo_rows(project, task, 2, status=PhotoStatus.APPROVED)
    body = coordinator_page.get("/qa/").content.decode()
    assert _publish_forms(body) == {project.pk: "Publish 2 photos"}

    response = coordinator_page.post(f"/projects/{project.pk}/publish", {"next": "qa"}, follow=True)
    assert response.redirect_chain == [("/qa/", 302)]
    body = response.content.decode()
    assert "Published 2 photo(s)." in body
    assert _publish_forms(body) == {}
    assert all(p.published_at for p in Photo.objects.filter(pk__in=[p.pk for p in photos]))
    items = RelayItem.objects.filter(project=project)
    assert sorted(items.values_list("photo_id", flat=True)) == sorted(p.pk for p in photos)
    assert {i.payload["flag"] for i in items} == {"Grass Cut - Before"}


def test_the_publish_list_costs_the_same_queries_for_few_and_many_projects(account, coordinator_page):
    def approved_project():
        project = ProjectFactory(account=account)
        photo_rows(project, TaskFactory(project=project), 2, status=PhotoStatus.APPROVED)

    approved_project()
    with CaptureQueriesContext(connection) as few:
        assert coordinator_page.get("/qa/").status_code == 200
    for _ in range(8):
        approved_project()
    with CaptureQueriesContext(connection) as many:
        body = coordinator_page.get("/qa/").content.decode()
    assert len(_publish_forms(body)) == 9
    assert len(few.captured_queries) == len(many.captured_queries)


def test_field_users_cannot_publish(field_page, project, task):
    (photo,) = photo_rows(project, task, 1, status=PhotoStatus.APPROVED)
    assert field_page.get("/qa/").status_code == 403
    assert field_page.post(f"/projects/{project.pk}/publish", {"next": "qa"}).status_code == 403
    photo.refresh_from_db()
    assert photo.published_at is None


def test_the_project_pages_publish_count_is_what_publish_sends(coordinator_page, project, task):
    """Approved photos on an archived task or a task that is no longer a photo task are never sent, so the
    count beside Publish leaves them out, as the relay does."""
    photo_rows(project, task, 2, status=PhotoStatus.APPROVED)
    archived = TaskFactory(project=project, name="Old service", archived=True)
    photo_rows(project, archived, 3, status=PhotoStatus.APPROVED)
    not_photos = TaskFactory(project=project, name="Bid", is_photo_task=False)
    photo_rows(project, not_photos, 4, status=PhotoStatus.APPROVED)

    body = coordinator_page.get(f"/projects/{project.pk}/").content.decode()
    assert re.search(r"<button[^>]*>Publish 2 photos</button>", body)
