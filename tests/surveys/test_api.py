"""The survey API: a project's surveys, drafts, submits, and answers refused per question, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from projects.models import EventType
from surveys.models import ResponseStatus, SurveyResponse
from tests.factories import UserFactory

from .conftest import add_photo

pytestmark = pytest.mark.django_db


def urls(project, survey_id=None):
    base = f"/api/v1/projects/{project.pk}/surveys/"
    return base if survey_id is None else f"{base}{survey_id}/response"


def client_form(project):
    return project.survey_links.get(survey__source="client").survey


def test_the_project_lists_its_surveys_with_questions(project, field_client):
    page = field_client.get(urls(project)).json()
    assert page["count"] == 2 and page["next"] is None
    body = page["results"]
    assert sorted(s["form_ref"] for s in body) == sorted(["AGS-CHECKLIST", client_form(project).form_ref])
    form = next(s for s in body if s["source"] == "client")
    assert form["questions"][0]["id"] == "occupied" and form["response"] is None
    assert next(s for s in body if s["builtin"])["name"] == "AGS Checklist"


def test_a_draft_is_saved_then_submitted(project, field_token_client):
    survey = client_form(project)
    url = urls(project, survey.pk)
    assert field_token_client.get(url).status_code == 204
    saved = field_token_client.put(
        url,
        {"answers": {"roof": " Good ", "count": "2"}, "latitude": 30.27471, "longitude": -97.7404},
        format="json",
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["status"] == "draft" and saved.json()["answers"] == {"roof": "Good", "count": 2}
    assert saved.json()["answered_in"] == "field" and saved.json()["location_certified"] is True

    incomplete = field_token_client.post(url + "/submit", {}, format="json")
    assert incomplete.status_code == 400
    assert incomplete.json()["errors"] == {"occupied": "This question is required."}

    done = field_token_client.post(
        url + "/submit", {"answers": {"occupied": "no", "roof": "Good"}}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    assert project.events.filter(type=EventType.UPDATED, changes__survey=survey.name).exists()
    assert field_token_client.get(url).json()["answers"] == {"occupied": False, "roof": "Good"}


def test_wrong_answers_are_named_question_by_question(project, coordinator_client):
    response = coordinator_client.put(
        urls(project, client_form(project).pk),
        {"answers": {"occupied": "maybe", "grade": "C", "visit": "2024-02-30", "front": ["nope"], "zzz": 1}},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert set(body["errors"]) == {"occupied", "grade", "visit", "front", "__all__"}
    assert body["errors"]["grade"] == "Choose one of: A, B."
    assert not SurveyResponse.objects.exists()


def test_photo_answers_take_either_serial_and_keep_the_stable_one(project, coordinator, coordinator_client):
    photo = add_photo(project, coordinator)
    photo.relay_serial = __import__("uuid").uuid4()
    photo.save(update_fields=["relay_serial"])
    response = coordinator_client.put(
        urls(project, client_form(project).pk),
        {"answers": {"front": [str(photo.relay_serial)], "back": str(photo.serial)}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["photos"] == {"front": [str(photo.serial)], "back": [str(photo.serial)]}


def test_other_accounts_and_unassigned_crews_get_404(project, other_account):
    outsider = APIClient()
    outsider.force_authenticate(UserFactory(account=other_account, role="owner"))
    assert outsider.get(urls(project)).status_code == 404
    other_crew = APIClient()
    other_crew.force_authenticate(UserFactory(account=project.account, role="field"))
    assert (
        other_crew.put(urls(project, client_form(project).pk), {"answers": {}}, format="json").status_code
        == 404
    )


def test_a_survey_of_another_project_is_404(project, coordinator_client):
    from surveys.models import Survey

    stranger = Survey.objects.create(source="custom", account=project.account, form_ref="x", name="X")
    assert coordinator_client.get(urls(project, stranger.pk)).status_code == 404


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
question_ids = st.sampled_from(["occupied", "roof", "count", "visit", "grade", "front", "back", "other"])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(answers=st.one_of(json_values, st.dictionaries(question_ids, json_values, max_size=8)))
def test_any_answers_get_400_or_200_never_500(project, coordinator_client, answers):
    response = coordinator_client.put(
        urls(project, client_form(project).pk), {"answers": answers}, format="json"
    )
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        body = response.json()
        assert isinstance(body["errors"], dict) and body["errors"]
    else:
        assert SurveyResponse.objects.get(project=project).status == ResponseStatus.DRAFT


# Values no question of the template can take: objects, nested lists, and strings that are not a serial,
# a date, a number, a choice or a yes/no word (for the text question, an object is still wrong).
not_an_answer = st.one_of(
    st.dictionaries(st.text(max_size=5), st.integers(), min_size=1, max_size=3),
    st.lists(st.lists(st.integers(), min_size=1, max_size=2), min_size=1, max_size=2),
)
submit_ids = st.sampled_from(["occupied", "roof", "count", "visit", "grade", "front", "back"])


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    bad=st.dictionaries(submit_ids, not_an_answer, min_size=1, max_size=4),
    unknown=st.sets(st.text(alphabet="xyz_", min_size=3, max_size=6), max_size=2),
    submit=st.booleans(),
)
def test_malformed_answers_are_always_400_naming_each_question(
    project, coordinator_client, bad, unknown, submit
):
    """Whatever mix of wrong values and unknown question ids, saving or submitting refuses with an error
    for each of them, and nothing is stored."""
    answers = {"occupied": "yes", **bad, **dict.fromkeys(unknown, "?")}
    url = urls(project, client_form(project).pk)
    stored = list(SurveyResponse.objects.filter(project=project).values("answers", "status"))
    response = (
        coordinator_client.post(f"{url}/submit", {"answers": answers}, format="json")
        if submit
        else coordinator_client.put(url, {"answers": answers}, format="json")
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert set(bad) <= set(errors)
    if unknown:
        assert any(name in str(errors) for name in unknown)
    assert list(SurveyResponse.objects.filter(project=project).values("answers", "status")) == stored
