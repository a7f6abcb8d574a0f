"""Rules of the seeds (../shared/seeds/) on surveys and Check In that no other test held to the letter.
Against the sandbox over HTTP; the project is an imported check-in order naming a form, QA in Office."""

import pytest

from accounts.actors import Actor
from integrations.models import RelayItem, RelayKind
from integrations.relay import publish_project
from projects.models import CheckIn, ProjectStatus
from surveys.models import ResponseStatus
from surveys.services import response_save, response_submit
from tests.integrations.relaying import drain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.RELAY_RETRY_BASE_SECONDS = 0


def client_form(project):
    return project.survey_links.get(survey__source="client").survey


def test_only_submitted_and_published_answers_reach_the_client(project, coordinator, sandbox, vendor):
    """Seed 000: "Your survey answers are sent to FAStrack if sent to you on the FAStrack order and submitted
    and completed/published": a draft is never sent, a submitted one waits for Publish."""
    actor = Actor.for_user(coordinator)
    survey = client_form(project)
    response_save(project=project, survey=survey, actor=actor, answers={"roof": "Good"})
    assert publish_project(project=project, actor=actor) == 0
    drain()
    assert not RelayItem.objects.exists() and sandbox.received("answers", vendor[0]) == []

    response_submit(project=project, survey=survey, actor=actor, answers={"occupied": "no", "roof": "Good"})
    assert not RelayItem.objects.exists()  # submitted, not published yet
    assert publish_project(project=project, actor=actor) == 1
    drain()
    [received] = sandbox.received("answers", vendor[0], "5001")
    assert received["formId"] == survey.form_ref
    assert received["answers"] == {"occupied": False, "roof": "Good"}
    assert survey.responses.get().status == ResponseStatus.PUBLISHED
    item = RelayItem.objects.get()
    assert item.kind == RelayKind.SURVEY and item.status == "sent"


def test_a_check_in_order_is_not_completed_before_its_check_in(project, field_client):
    response = field_client.post(f"/api/v1/projects/{project.pk}/complete")
    project.refresh_from_db()
    assert response.status_code == 400, response.json()
    assert project.status == ProjectStatus.OPEN
    arrived = field_client.post(
        f"/api/v1/projects/{project.pk}/checkin", {"abc_number": "ABC123456"}, format="json"
    )
    assert arrived.status_code == 201 and CheckIn.objects.filter(project=project).exists()


def test_an_imported_orders_check_in_requirement_cannot_be_switched_off(project, coordinator_client):
    response = coordinator_client.patch(
        f"/api/v1/projects/{project.pk}/", {"check_in_required": False}, format="json"
    )
    project.refresh_from_db()
    assert response.status_code == 400, response.json()
    assert project.check_in_required is True
