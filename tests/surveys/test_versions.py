"""An answer keeps the template version it was given on: the client moving the order to a new version does
not change what was answered, and the answer still goes to the client under its own version."""

import pytest

from accounts.actors import Actor
from integrations.models import RelayItem, RelayKind
from integrations.relay import publish_project
from surveys.models import ResponseStatus, SurveyResponse
from surveys.services import response_submit
from tests.integrations.helpers import refresh_now
from tests.integrations.relaying import drain

from .conftest import QUESTIONS

pytestmark = pytest.mark.django_db


def test_an_answer_on_version_1_stays_on_version_1_after_version_2_arrives(
    project, fastrack, sandbox, vendor, form_id, coordinator, client
):
    version1 = project.survey_links.get(survey__source="client").survey
    actor = Actor.for_user(coordinator)
    response_submit(project=project, survey=version1, actor=actor, answers={"occupied": "no"})

    sandbox.add_form(form_id, 2, "Property Condition", QUESTIONS[:1])
    sandbox.patch_order(
        vendor[0], "5001", forms=[{"formId": form_id, "name": "Property Condition", "version": 2}]
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.updated == 1 and run.unchanged == 0
    event = project.events.order_by("-sequence").first()
    assert event.type == "project.updated" and event.actor_kind == "import"
    assert event.changes == {"surveys_added": ["Property Condition (version 2)"]}
    assert refresh_now(fastrack).unchanged == 1  # nothing new the second time
    assert project.events.order_by("-sequence").first() == event
    client.force_login(coordinator)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Property Condition (version 2)" in page and "[&#x27;Property" not in page
    versions = sorted(link.survey.version for link in project.survey_links.filter(survey__source="client"))
    assert versions == [1, 2]

    answered = SurveyResponse.objects.get(project=project)
    assert answered.survey_id == version1.pk and answered.status == ResponseStatus.SUBMITTED
    assert answered.answers == {"occupied": False}

    publish_project(project=project, actor=actor)
    drain()
    item = RelayItem.objects.get(kind=RelayKind.SURVEY)
    assert (item.payload["formId"], item.payload["version"]) == (form_id, 1)
    [received] = sandbox.received("answers", vendor[0], "5001")
    assert (received["formId"], received["version"]) == (form_id, 1)
