"""QA in Field: the crew goes through the photos held for them and deletes those they do not keep (seed 001:
"delete / retake as necessary"), through the field app (DELETE /api/v1/photos/<id>/) or the project page.
Only held photos, only the project's crew; the files go with the row, and only once the delete committed."""

import pytest
from django.test import Client

from accounts.actors import Actor
from photos.models import Photo, PhotoStatus
from tests.factories import UserFactory

from .test_ingest import ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(field_user, project, task):
    project.qa_in_field = True
    project.save()
    photo, _ = ingest(field_user, project, task, image={"seed": 3})
    assert photo.status == PhotoStatus.HELD
    return photo


def test_the_crew_deletes_a_held_photo_and_its_files_go_after_the_commit(
    held, field_token_client, media_files, django_capture_on_commit_callbacks
):
    assert len(media_files()) == 3  # original, display, thumbnail
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = field_token_client.delete(f"/api/v1/photos/{held.pk}/")
        assert answer.status_code == 204
        assert len(media_files()) == 3  # not before the commit: a rollback would keep a row without files
    for callback in callbacks:
        callback()
    assert not Photo.objects.filter(pk=held.pk).exists() and media_files() == []


def test_a_retake_then_complete_sends_only_what_the_crew_kept(field_user, project, task, held):
    from integrations.relay import complete_project

    kept, _ = ingest(field_user, project, task, image={"seed": 4})
    from photos.services import photo_discard

    photo_discard(photo=held, actor=Actor.for_user(field_user))
    complete_project(project=project, actor=Actor.for_user(field_user))
    assert list(Photo.objects.values_list("pk", "status")) == [(kept.pk, PhotoStatus.APPROVED)]


def test_only_held_photos_and_only_by_the_crew(
    held, field_user, project, task, field_token_client, coordinator_client, account, media_files
):
    # The office cannot delete the crew's held photos (its word on photos is Reject, after Complete).
    assert coordinator_client.delete(f"/api/v1/photos/{held.pk}/").status_code == 403
    # Another crew member does not even see the project's photos.
    other = Client()
    other.force_login(UserFactory(account=account, role="field"))
    assert other.delete(f"/api/v1/photos/{held.pk}/").status_code == 404
    # Once QA'd (here: the project is QA in Office), it is not the crew's to delete.
    project.qa_in_field = False
    project.save()
    pending, _ = ingest(field_user, project, task, image={"seed": 5})
    answer = field_token_client.delete(f"/api/v1/photos/{pending.pk}/")
    assert answer.status_code == 400 and answer.json()["code"] == "not_held"
    assert "this one is pending qa" in answer.json()["detail"]
    assert Photo.objects.filter(pk__in=[held.pk, pending.pk]).count() == 2 and len(media_files()) == 6


def test_the_project_page_offers_delete_on_held_photos_to_the_crew_only(
    held, field_user, coordinator, project, django_capture_on_commit_callbacks, media_files
):
    crew = Client()
    crew.force_login(field_user)
    office = Client()
    office.force_login(coordinator)
    action = f"/photos/{held.pk}/discard"
    assert action in crew.get(f"/projects/{project.pk}/").content.decode()
    assert action not in office.get(f"/projects/{project.pk}/").content.decode()
    refused = office.post(action, follow=True)
    assert "Only the crew the project is assigned to" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = crew.post(action, follow=True)
    assert (
        "Deleted the photo." in done.content.decode()
        and done.redirect_chain[-1][0] == f"/projects/{project.pk}/"
    )
    assert not Photo.objects.filter(pk=held.pk).exists() and media_files() == []
