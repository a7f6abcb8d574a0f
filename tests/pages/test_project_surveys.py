"""The project page's surveys (answered in the office), its check-in steps and its history's names."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor
from integrations.models import Integration, RelayItem, RelayKind, RelayStatus
from integrations.surveys import ensure_ags_survey
from projects import services
from projects.models import CheckIn, CheckInStatus, ProjectStatus
from surveys.models import AnsweredIn, AttachedBy, ProjectSurvey, ResponseStatus, Survey, SurveyResponse
from surveys.services import response_save
from surveys.validation import normalize_template
from tests.factories import ProjectFactory, UserFactory

from .conftest import photo_rows

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"id": "occupied", "answerType": "yesNo", "label": "Occupied?", "required": True},
    {
        "type": "section",
        "title": "Outside",
        "questions": [
            {"id": "roof", "answerType": "text", "label": "Roof condition"},
            {"id": "count", "answerType": "number", "label": "Windows broken"},
            {"id": "visit", "answerType": "date", "label": "Next visit"},
            {"id": "grade", "answerType": "choice", "label": "Grade", "choices": ["A", "B"]},
            {"id": "front", "answerType": "photo", "label": "Front"},
        ],
    },
]


@pytest.fixture
def survey(project):
    survey = Survey.objects.create(
        source="custom",
        account=project.account,
        form_ref=f"custom-{uuid.uuid4().hex[:8]}",
        name="Property Condition",
        questions=normalize_template(QUESTIONS),
    )
    ProjectSurvey.objects.create(project=project, survey=survey, attached_by=AttachedBy.VENDOR)
    return survey


@pytest.fixture
def integration(account):
    return Integration.objects.create(
        account=account, kind="fastrack", name="AFS", base_url="http://127.0.0.1:9"
    )


def url(project, survey):
    return f"/projects/{project.pk}/surveys/{survey.pk}"


def body_of(client, project) -> str:
    response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_renders_every_answer_type_prefilled(coordinator_page, coordinator, project, task, survey):
    [photo, other] = photo_rows(project, task, 2, status="approved")
    answers = {"occupied": "yes", "roof": "Good", "count": 3, "visit": "2024-05-01", "grade": "B"}
    response_save(
        project=project,
        survey=survey,
        actor=Actor.for_user(coordinator),
        answers={**answers, "front": [str(photo.serial)]},
    )
    body = body_of(coordinator_page, project)
    assert "<legend>Outside</legend>" in body  # the section is a fieldset
    assert 'name="q:occupied" value="yes" checked' in body and 'name="q:occupied" value="no">' in body
    assert 'name="q:roof" rows="2">Good</textarea>' in body
    assert 'type="number" step="any" id="s' in body and 'name="q:count" value="3"' in body
    assert 'type="date"' in body and 'name="q:visit" value="2024-05-01"' in body
    assert '<option value="B" selected>B</option>' in body and '<option value="A">A</option>' in body
    assert f'name="q:front" value="{photo.serial}" checked' in body
    assert f'name="q:front" value="{other.serial}">' in body
    assert f"/api/v1/photos/{photo.pk}/thumbnail" in body
    assert "Save draft" in body and 'value="submit"' in body


def test_a_wrong_answer_in_a_draft_is_shown_by_its_question_and_keeps_the_rest(
    coordinator_page, project, survey
):
    posted = {"action": "draft", "q:roof": "Sagging", "q:visit": "2024-02-30", "q:grade": "A"}
    response = coordinator_page.post(url(project, survey), posted)
    assert response.status_code == 400
    body = response.content.decode()
    assert "1 answer needs attention" in body
    assert '<small class="error" id="s' in body and "2024-02-30 is not a real date" in body
    assert 'rows="2">Sagging</textarea>' in body and '<option value="A" selected>A</option>' in body
    assert not SurveyResponse.objects.exists()

    # With HTMX only the survey's block comes back, errors included (200: htmx swaps only successes).
    response = coordinator_page.post(url(project, survey), posted, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith("<details") and "<html" not in body
    assert "2024-02-30 is not a real date" in body and "Sagging" in body


def test_a_submit_without_a_required_answer_says_so(coordinator_page, project, survey):
    response = coordinator_page.post(url(project, survey), {"action": "submit", "q:roof": "Good"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "This question is required." in body and "Good</textarea>" in body
    assert not SurveyResponse.objects.exists()


def test_a_valid_submit_submits_the_response_answered_in_the_office(
    coordinator_page, field_page, project, task, survey
):
    [photo] = photo_rows(project, task, 1)
    saved = coordinator_page.post(url(project, survey), {"action": "draft", "q:roof": "Good"})
    assert saved.status_code == 302 and saved["Location"].endswith(f"#survey-{survey.pk}")
    assert SurveyResponse.objects.get().status == ResponseStatus.DRAFT

    posted = {
        "action": "submit",
        "q:occupied": "no",
        "q:roof": "Good",
        "q:count": "2",
        "q:front": [str(photo.serial)],
    }
    response = field_page.post(url(project, survey), posted, follow=True)  # the assigned crew may answer too
    assert response.status_code == 200 and "Property Condition submitted." in response.content.decode()
    answer = SurveyResponse.objects.get()
    assert answer.status == ResponseStatus.SUBMITTED and answer.submitted_at is not None
    assert answer.answers == {"occupied": False, "roof": "Good", "count": 2, "front": [str(photo.serial)]}
    assert answer.answered_in == AnsweredIn.OFFICE and answer.location_certified is False

    partial = coordinator_page.post(url(project, survey), {**posted, "q:count": "3"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "Property Condition submitted." in partial.content.decode()


def test_other_accounts_and_unassigned_crews_get_404(
    account, coordinator_page, field_page, stranger_page, project, survey
):
    assert stranger_page.get(f"/projects/{project.pk}/").status_code == 404
    assert stranger_page.post(url(project, survey), {"action": "draft"}).status_code == 404
    theirs = ProjectFactory(account=account)
    ProjectSurvey.objects.create(project=theirs, survey=survey, attached_by=AttachedBy.VENDOR)
    assert field_page.post(url(theirs, survey), {"action": "draft"}).status_code == 404
    other = ProjectFactory(account=account)  # a survey not attached to the project
    assert coordinator_page.post(url(other, survey), {"action": "draft"}).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_closed_project_shows_its_answers_read_only(coordinator_page, project, survey):
    project.status = ProjectStatus.CLOSED
    project.save()
    body = body_of(coordinator_page, project)
    assert "The project is closed." in body and "Save draft" not in body
    response = coordinator_page.post(url(project, survey), {"action": "draft", "q:roof": "x"})
    assert response.status_code == 400 and "is closed" in response.content.decode()


def test_the_checklist_and_check_in_steps_appear_once_checked_in(
    account, coordinator_page, field_user, integration
):
    project = ProjectFactory(
        account=account,
        integration=integration,
        source_ref="7001",
        check_in_required=True,
        assignee=field_user,
    )
    ags = ensure_ags_survey()
    ProjectSurvey.objects.create(project=project, survey=ags, attached_by=AttachedBy.CHECK_IN)
    body = body_of(coordinator_page, project)
    assert "the crew has not checked in yet" in body and ags.name not in body
    assert coordinator_page.post(url(project, ags), {"action": "draft"}).status_code == 404

    now = timezone.now()
    CheckIn.objects.create(
        project=project,
        abc_number="ABC123456",
        checked_in_by=field_user,
        checked_in_by_label=field_user.display_name,
        sent_at_once=False,
        status=CheckInStatus.COMPLETED,
        completed_at=now,
        completed_by_label=field_user.display_name,
    )
    for kind, status in (
        (RelayKind.CHECK_IN, RelayStatus.SENT),
        (RelayKind.CHECK_IN_COMPLETE, RelayStatus.QUEUED),
    ):
        RelayItem.objects.create(
            integration=integration,
            project=project,
            kind=kind,
            serial=uuid.uuid4(),
            status=status,
            attempts=1,
        )
    body = body_of(coordinator_page, project)
    assert "ABC123456" in body and f"by {field_user.display_name}" in body and "queued for retry" in body
    assert "<td>Check in</td>" in body and "<td>Check-in complete</td>" in body
    assert 'relay-sent">Sent' in body and 'relay-queued">Queued' in body
    assert ags.name in body and "Sent to the client with the check-in&#x27;s completion." in body
    refused = coordinator_page.post(url(project, ags), {"action": "draft"})
    assert refused.status_code == 400 and "The checklist was sent to the client" in refused.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_history_names_the_assigned_sub_users(
    coordinator_page, coordinator, field_user, account, project
):
    crew = UserFactory(account=account, full_name="Crew Carla")
    services.project_assign(project=project, actor=Actor.for_user(coordinator), assignee=crew)
    body = body_of(coordinator_page, project)
    assert f'<span class="field">Assignee</span>: {field_user.display_name} → Crew Carla' in body
    services.project_assign(project=project, actor=Actor.for_user(coordinator), assignee=None)
    assert '<span class="field">Assignee</span>: Crew Carla → —' in body_of(coordinator_page, project)


def _count_queries(client, project):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_the_same_queries_for_few_and_many_events_and_photos(
    account, coordinator_page, coordinator, field_user, integration, task, survey
):
    project = task.project
    project.integration, project.check_in_required = integration, True
    project.save()
    actor = Actor.for_user(coordinator)
    CheckIn.objects.create(project=project, abc_number="ABC123456")
    ProjectSurvey.objects.create(project=project, survey=ensure_ags_survey(), attached_by=AttachedBy.CHECK_IN)
    photo_rows(project, task, 2)
    services.project_assign(project=project, actor=actor, assignee=coordinator)
    few = _count_queries(coordinator_page, project)

    crews = UserFactory.create_batch(5, account=account)
    for crew in crews * 4:
        services.project_assign(project=project, actor=actor, assignee=crew)
    photo_rows(project, task, 40)
    response_save(project=project, survey=survey, actor=actor, answers={"roof": "Good"})
    many = _count_queries(coordinator_page, project)
    assert few == many


def test_a_submit_through_htmx_has_the_history_reload_itself(coordinator_page, project, survey):
    """The survey's block is swapped in place; the history, which gained an event, is told to reload."""
    refused = coordinator_page.post(url(project, survey), {"action": "submit"}, HTTP_HX_REQUEST="true")
    assert "HX-Trigger" not in refused  # nothing was written
    posted = {"action": "submit", "q:occupied": "yes"}
    response = coordinator_page.post(url(project, survey), posted, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "history-changed"
    page = coordinator_page.get(f"/projects/{project.pk}/").content.decode()
    assert 'hx-trigger="history-changed from:body"' in page
    history = coordinator_page.get(f"/projects/{project.pk}/history")
    body = history.content.decode()
    assert history.status_code == 200 and body.lstrip().startswith("<ol") and "<html" not in body
    assert "Property Condition" in body and "submitted" in body
