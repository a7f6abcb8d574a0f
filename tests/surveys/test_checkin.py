"""Check In: the ABC number goes to the client at once; the checklist and Complete are relayed."""

import pytest
from django.urls import reverse

from accounts.actors import Actor
from integrations.fastrack.source import FAStrackSource
from integrations.models import RelayItem, RelayKind, RelayStatus
from integrations.relay_delivery import run_batch
from photos.models import PhotoSource, PhotoStatus
from projects.models import CheckIn, CheckInStatus, ProjectStatus
from tests.factories import AGS_CHECKLIST

from .conftest import add_photo

pytestmark = pytest.mark.django_db


def post(client, project, path="", body=None):
    return client.post(f"/api/v1/projects/{project.pk}/checkin{path}", body or {}, format="json")


def test_a_valid_abc_number_checks_in_at_once(project, field_token_client, sandbox, vendor):
    response = post(
        field_token_client,
        project,
        body={"abc_number": "ABC123456", "latitude": 30.2747, "longitude": -97.7404},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["sent"] is True and response.json()["check_in"]["status"] == "checked_in"
    [received] = sandbox.received("checkins", vendor[0])
    assert received["abcNumber"] == "ABC123456" and received["latitude"] == 30.2747
    item = RelayItem.objects.get(kind=RelayKind.CHECK_IN)
    assert item.status == RelayStatus.SENT and str(item.serial) == received["serial"]
    steps = field_token_client.get(f"/api/v1/projects/{project.pk}/checkin").json()
    assert steps["check_in"]["abc_number"] == "ABC123456" and steps["steps"][0]["status"] == "sent"
    assert post(field_token_client, project, body={"abc_number": "ABC123456"}).status_code == 400  # only once


@pytest.mark.parametrize("abc", ["", "ABC12", "ABC-12345", "ABCDEFGHIJKLM", "ÄBC123456"])
def test_a_malformed_abc_number_never_reaches_the_client(project, field_client, monkeypatch, abc):
    monkeypatch.setattr(FAStrackSource, "check_in", lambda self, item: pytest.fail("the client was called"))
    response = post(field_client, project, body={"abc_number": abc})
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid_abc_number", "invalid")
    assert not CheckIn.objects.exists()


def test_an_abc_number_the_client_refuses_is_400_and_not_recorded(project, field_client, sandbox, vendor):
    response = post(field_client, project, body={"abc_number": "NOTMINE123"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_abc_number"
    assert response.json()["detail"].startswith("Invalid ABC number")
    assert not CheckIn.objects.exists() and not RelayItem.objects.exists()


def test_a_client_that_is_down_gets_the_check_in_later(project, field_client, sandbox, vendor):
    sandbox.set_faults(vendor[0], photoFailureRate=1.0, failureMode="http_500")
    response = post(field_client, project, body={"abc_number": "ABC123456"})
    assert response.status_code == 202 and response.json()["sent"] is False
    assert "sent again automatically" in response.json()["message"]
    item = RelayItem.objects.get(kind=RelayKind.CHECK_IN)
    assert item.status == RelayStatus.QUEUED and CheckIn.objects.get().sent_at_once is False
    sandbox.set_faults(vendor[0])
    run_batch("test")
    assert RelayItem.objects.get(pk=item.pk).status == RelayStatus.SENT
    assert [r["serial"] for r in sandbox.received("checkins", vendor[0])] == [str(item.serial)]


def test_completion_needs_a_check_in(project, field_client):
    response = post(field_client, project, "/complete", {"checklist": AGS_CHECKLIST})
    assert response.status_code == 400 and response.json()["code"] == "not_checked_in"


def test_completion_relays_the_checklist_and_releases_the_photos(
    project, field_user, field_token_client, sandbox, vendor
):
    project.qa_in_field = True
    project.save(update_fields=["qa_in_field"])
    front = add_photo(project, field_user, source=PhotoSource.FIELD)
    assert front.status == PhotoStatus.HELD
    assert post(field_token_client, project, body={"abc_number": "XYZ987654"}).status_code == 201

    incomplete = post(field_token_client, project, "/complete", {"checklist": AGS_CHECKLIST})
    assert incomplete.status_code == 400
    assert incomplete.json()["errors"]["arrival_front_photo"] == "This question is required."

    checklist = {
        **AGS_CHECKLIST,
        "arrival_front_photo": str(front.serial),
        "departure_secured_photos": [str(front.serial)],
    }
    response = post(field_token_client, project, "/complete", {"checklist": checklist})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == CheckInStatus.COMPLETED
    project.refresh_from_db()
    front.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETE
    assert front.status == PhotoStatus.APPROVED and front.published_at is not None

    run_batch("test")
    complete = [r for r in sandbox.received("checkins", vendor[0]) if r["type"] == "complete"]
    assert len(complete) == 1
    assert complete[0]["checklist"]["arrival_front_photo"] == [str(front.relay_serial)]
    assert complete[0]["checklist"]["arrival_occupancy"] == "Vacant"
    assert [p["serial"] for p in sandbox.received("photos", vendor[0])] == [str(front.relay_serial)]
    assert post(field_token_client, project, "/complete", {"checklist": checklist}).status_code == 400


def _arrive_and_complete_while_the_client_is_down(project, field_user, field_client, sandbox, vendor):
    """Check in and complete (the checklist naming a crew photo) while every upload to the client fails,
    then run the relay once: the arrival's first attempt fails and the completion waits. Its item."""
    project.qa_in_field = True  # completing publishes the checklist's photo
    project.save(update_fields=["qa_in_field"])
    front = add_photo(project, field_user, source=PhotoSource.FIELD)
    sandbox.set_faults(vendor[0], photoFailureRate=1.0, failureMode="http_500")
    assert post(field_client, project, body={"abc_number": "ABC123456"}).status_code == 202
    checklist = {
        **AGS_CHECKLIST,
        "arrival_front_photo": str(front.serial),
        "departure_secured_photos": [str(front.serial)],
    }
    assert post(field_client, project, "/complete", {"checklist": checklist}).status_code == 200
    run_batch("test")
    return RelayItem.objects.get(kind=RelayKind.CHECK_IN_COMPLETE)


def test_completion_waits_for_an_arrival_the_client_has_not_had_yet(
    project, field_user, field_client, sandbox, vendor, django_capture_on_commit_callbacks
):
    """The client refuses a completion before its check-in (409): the relay holds it back meanwhile."""
    from django.utils import timezone

    from integrations.relay_delivery import WAITING_FOR_CHECK_IN

    complete = _arrive_and_complete_while_the_client_is_down(
        project, field_user, field_client, sandbox, vendor
    )
    assert complete.status == RelayStatus.QUEUED and complete.attempts == 0
    assert complete.last_error == WAITING_FOR_CHECK_IN and complete.next_attempt_at > timezone.now()

    # The client is back and the arrival's retry comes due (its backoff, not the completion's wait): sending
    # it wakes the completion, which goes in the same run without its 10 s wait.
    sandbox.set_faults(vendor[0])
    RelayItem.objects.exclude(kind=RelayKind.CHECK_IN_COMPLETE).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        assert run_batch("test") == 3
    assert len(callbacks) == 1  # relay_due for the woken completion, after the commit
    assert set(RelayItem.objects.values_list("status", flat=True)) == {RelayStatus.SENT}
    assert [r["type"] for r in sandbox.received("checkins", vendor[0])] == ["checkin", "complete"]


def test_with_qa_in_office_completing_the_check_in_leaves_surveys_to_the_office(
    project, field_user, field_client, sandbox, vendor
):
    from surveys.models import ResponseStatus, SurveyResponse
    from surveys.services import response_submit

    from .test_relay import client_form

    actor = Actor.for_user(field_user)
    response_submit(project=project, survey=client_form(project), actor=actor, answers={"occupied": "yes"})
    front = add_photo(project, field_user, source=PhotoSource.FIELD)
    assert front.status == PhotoStatus.PENDING_QA
    assert post(field_client, project, body={"abc_number": "ABC123456"}).status_code == 201
    checklist = {
        **AGS_CHECKLIST,
        "arrival_front_photo": str(front.serial),
        "departure_secured_photos": [str(front.serial)],
    }
    assert post(field_client, project, "/complete", {"checklist": checklist}).status_code == 200
    assert not RelayItem.objects.filter(kind__in=(RelayKind.SURVEY, RelayKind.PHOTO)).exists()
    survey = SurveyResponse.objects.get(survey=client_form(project))
    assert survey.status == ResponseStatus.SUBMITTED
    # The checklist names a photo the office has not passed yet: it waits for it.
    run_batch("test")
    complete = RelayItem.objects.get(kind=RelayKind.CHECK_IN_COMPLETE)
    assert complete.status == RelayStatus.QUEUED and "photos" in complete.last_error
    assert not [r for r in sandbox.received("checkins", vendor[0]) if r["type"] == "complete"]


def test_a_project_without_check_in_refuses_it(fastrack, sandbox, vendor, field_client, field_user):
    from tests.integrations.helpers import make_order, refresh_now

    fastrack.default_assignee = field_user
    fastrack.save()
    sandbox.add_orders(vendor[0], [make_order("77")])
    refresh_now(fastrack)
    response = post(field_client, fastrack.projects.get(), body={"abc_number": "ABC123456"})
    assert response.status_code == 400 and response.json()["code"] == "no_check_in"


def test_the_site_routes_the_check_in_api():
    assert reverse("api-project-checkin", args=[1]) == "/api/v1/projects/1/checkin"


def test_the_office_sees_no_check_in_before_arrival(project, coordinator_client):
    body = coordinator_client.get(f"/api/v1/projects/{project.pk}/checkin").json()
    assert body == {"check_in": None, "steps": []}


def test_a_check_in_that_fails_for_good_stops_its_completion_waiting_for_it_at_once(
    project, field_user, field_client, sandbox, vendor, settings
):
    """The completion waits only for an arrival that may still reach the client: once the arrival has run
    out of attempts, the completion is looked at again in the same run, not 10 s on (here it goes on to
    wait for its photo, which the client, still down, has not had either)."""
    from django.utils import timezone

    from integrations.relay_delivery import WAITING_FOR_CHECK_IN, WAITING_FOR_PHOTOS

    settings.RELAY_MAX_ATTEMPTS = 2
    complete = _arrive_and_complete_while_the_client_is_down(
        project, field_user, field_client, sandbox, vendor
    )
    assert complete.last_error == WAITING_FOR_CHECK_IN and complete.next_attempt_at > timezone.now()

    RelayItem.objects.filter(kind=RelayKind.CHECK_IN).update(next_attempt_at=timezone.now())
    run_batch("test")  # the arrival's last attempt fails for good, which wakes the completion in this run
    assert RelayItem.objects.get(kind=RelayKind.CHECK_IN).status == RelayStatus.FAILED
    complete.refresh_from_db()
    assert complete.last_error == WAITING_FOR_PHOTOS and complete.attempts == 0
