"""Publishing surveys: a RelayItem per publish, photos named by relay serial, sent after those photos."""

import uuid

import pytest
from django.utils import timezone

from accounts.actors import Actor
from integrations.models import RelayItem, RelayKind, RelayStatus
from integrations.relay import complete_project, publish_project
from integrations.relay_delivery import run_batch
from integrations.surveys import publish_submitted
from photos.services import photo_approve, photo_move
from surveys.models import ResponseStatus
from surveys.services import response_submit

from .conftest import add_photo

pytestmark = pytest.mark.django_db


def client_form(project):
    return project.survey_links.get(survey__source="client").survey


def test_a_survey_is_sent_after_the_photos_it_names(project, coordinator, sandbox, vendor):
    actor = Actor.for_user(coordinator)
    photo = photo_approve(photo=add_photo(project, coordinator), actor=actor)
    response_submit(
        project=project,
        survey=client_form(project),
        actor=actor,
        answers={"occupied": True, "front": [str(photo.serial)]},
    )
    # The survey is published first, so the relay meets it before the photo: it must wait.
    assert publish_submitted(project=project, actor=actor) == 1
    assert publish_project(project=project, actor=actor) == 1
    run_batch("test")
    survey_item = RelayItem.objects.get(kind=RelayKind.SURVEY)
    assert survey_item.status == RelayStatus.QUEUED and "Waiting" in survey_item.last_error
    assert sandbox.received("answers", vendor[0]) == []
    RelayItem.objects.filter(pk=survey_item.pk).update(next_attempt_at=timezone.now())
    run_batch("test")

    [received] = sandbox.received("answers", vendor[0])
    photos = sandbox.received("photos", vendor[0])
    assert received["photos"] == {"front": [str(photo.relay_serial)]}
    assert received["answers"] == {"occupied": True, "front": [str(photo.relay_serial)]}
    assert received["version"] == 1 and received["serial"] == str(survey_item.serial)
    assert (
        photos[0]["serial"] == str(photo.relay_serial) and photos[0]["receivedAt"] <= received["receivedAt"]
    )
    assert client_form(project).responses.get().status == ResponseStatus.PUBLISHED


def test_moving_photos_and_publishing_again_sends_a_new_item(project, coordinator, sandbox, vendor):
    actor = Actor.for_user(coordinator)
    survey = client_form(project)
    photo = photo_approve(photo=add_photo(project, coordinator), actor=actor)
    response_submit(
        project=project, survey=survey, actor=actor, answers={"occupied": True, "front": str(photo.serial)}
    )
    assert publish_project(project=project, actor=actor) == 2  # the photo, then the survey naming it
    run_batch("test")

    # The photo moves to another evidence type (a new relay serial) and to another question of the survey.
    photo = photo_move(photo=photo, actor=actor, evidence_type="after")
    response_submit(
        project=project, survey=survey, actor=actor, answers={"occupied": True, "back": str(photo.serial)}
    )
    assert publish_project(project=project, actor=actor) == 2  # the moved photo and a new survey item
    assert publish_submitted(project=project, actor=actor) == 0  # nothing left to send
    run_batch("test")

    items = RelayItem.objects.filter(kind=RelayKind.SURVEY).order_by("pk")
    assert len({i.serial for i in items}) == 2 and all(i.status == RelayStatus.SENT for i in items)
    received = sandbox.received("answers", vendor[0])
    assert len(received) == 2
    assert received[-1]["photos"] == {"back": [str(photo.relay_serial)]}
    assert received[-1]["serial"] == str(items.last().serial)


def test_a_survey_waits_for_its_photos_approval(project, coordinator):
    actor = Actor.for_user(coordinator)
    photo = add_photo(project, coordinator)  # pending QA
    response_submit(
        project=project,
        survey=client_form(project),
        actor=actor,
        answers={"occupied": True, "front": str(photo.serial)},
    )
    assert publish_submitted(project=project, actor=actor) == 0
    photo_approve(photo=photo, actor=actor)
    assert publish_submitted(project=project, actor=actor) == 1


def test_qa_in_field_holds_surveys_until_complete(project, field_user):
    project.qa_in_field = True
    project.save(update_fields=["qa_in_field"])
    actor = Actor.for_user(field_user)
    response_submit(project=project, survey=client_form(project), actor=actor, answers={"occupied": "yes"})
    assert publish_submitted(project=project, actor=actor) == 0
    complete_project(project=project, actor=actor)  # publishes the held survey with the photos
    assert publish_submitted(project=project, actor=actor) == 0
    item = RelayItem.objects.get(kind=RelayKind.SURVEY)
    assert item.payload["formId"] == client_form(project).form_ref and item.payload["photos"] == {}
    assert uuid.UUID(str(item.serial))
