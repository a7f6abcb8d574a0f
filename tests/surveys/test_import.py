"""Surveys attached on import: once per (form, version), AGS on check-in orders, broken forms logged."""

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import Actor
from integrations.models import IntegrationEvent
from surveys.ags import AGS_FORM_ID
from surveys.models import ProjectSurvey, Survey, SurveySource
from surveys.services import survey_attach, survey_create_custom
from tests.integrations.helpers import log_lines, refresh_now

from .conftest import QUESTIONS, order_with

pytestmark = pytest.mark.django_db


def test_a_template_is_fetched_once_per_version(fastrack, sandbox, vendor, form_id, monkeypatch):
    from integrations.fastrack.source import FAStrackSource

    calls = []
    real = FAStrackSource.fetch_survey
    monkeypatch.setattr(
        FAStrackSource, "fetch_survey", lambda self, ref, v: calls.append((ref, v)) or real(self, ref, v)
    )
    sandbox.add_orders(vendor[0], [order_with("1", form_id), order_with("2", form_id)])
    refresh_now(fastrack)
    refresh_now(fastrack)
    assert calls == [(form_id, 1)]
    survey = Survey.objects.get(integration=fastrack, form_ref=form_id)
    assert survey.version == 1 and survey.name == "Property Condition"
    assert survey.questions[1]["questions"][0]["id"] == "roof"  # normalized, sections kept
    assert ProjectSurvey.objects.filter(survey=survey).count() == 2

    # The client moves order 2 to version 2: a second template, attached to that project only.
    sandbox.add_form(form_id, 2, "Property Condition", QUESTIONS[:1])
    sandbox.patch_order(
        vendor[0], "2", forms=[{"formId": form_id, "name": "Property Condition", "version": 2}]
    )
    refresh_now(fastrack)
    assert calls == [(form_id, 1), (form_id, 2)]
    assert sorted(Survey.objects.filter(form_ref=form_id).values_list("version", flat=True)) == [1, 2]
    two = fastrack.projects.get(source_ref="2")
    # Version 1 was not answered there: it goes, and the history says so.
    assert {link.survey.version for link in two.survey_links.all()} == {2}
    event = two.events.order_by("-sequence").first()
    assert event.changes == {
        "surveys_added": ["Property Condition (version 2)"],
        "surveys_removed": ["Property Condition (version 1)"],
    }

    from surveys.selectors import project_surveys

    assert [s.version for s, _ in project_surveys(two)] == [2]  # the newest version is the one shown


def test_check_in_orders_get_the_ags_checklist(fastrack, sandbox, vendor):
    sandbox.add_orders(vendor[0], [order_with("1", check_in=True), order_with("2")])
    refresh_now(fastrack)
    ags = Survey.objects.get(source=SurveySource.BUILTIN, form_ref=AGS_FORM_ID)
    assert list(ags.project_links.values_list("project__source_ref", flat=True)) == ["1"]
    assert fastrack.projects.get(source_ref="2").survey_links.count() == 0


def test_a_malformed_template_is_logged_and_skipped(fastrack, sandbox, vendor, form_id):
    broken = form_id + "-X"
    sandbox.add_form(broken, 1, "Broken", [{"id": "q", "answerType": "colour", "label": "?"}])
    sandbox.add_orders(
        vendor[0], [order_with("1", broken), order_with("2", form_id), order_with("3", broken)]
    )
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.created == 3
    lines = [line for line in log_lines(run) if broken in line]
    assert len(lines) == 1 and "Skipping malformed survey form" in lines[0] and "colour" in lines[0]
    assert not Survey.objects.filter(form_ref=broken).exists()
    assert fastrack.projects.get(source_ref="2").survey_links.count() == 1


def test_a_missing_template_is_attached_on_a_later_refresh(fastrack, sandbox, vendor, form_id):
    late = form_id + "-L"
    sandbox.add_orders(vendor[0], [order_with("1", late)])
    refresh_now(fastrack)
    assert IntegrationEvent.objects.filter(
        message__contains=f"{late} version 1 could not be fetched"
    ).exists()
    sandbox.add_form(late, 1, "Late", QUESTIONS)
    refresh_now(fastrack)  # the order itself did not change
    assert fastrack.projects.get(source_ref="1").survey_links.get().survey.form_ref == late


def test_a_form_the_client_drops_is_detached_unless_answered(fastrack, sandbox, vendor, form_id, coordinator):
    from surveys.services import response_save

    sandbox.add_orders(vendor[0], [order_with("1", form_id), order_with("2", form_id)])
    refresh_now(fastrack)
    answered = fastrack.projects.get(source_ref="2")
    survey = answered.survey_links.get().survey
    response_save(project=answered, survey=survey, actor=Actor.for_user(coordinator), answers={"roof": "Ok"})
    for number in ("1", "2"):
        sandbox.patch_order(vendor[0], number, forms=[])
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.updated == 1 and run.unchanged == 1  # 2 keeps its answered form
    dropped = fastrack.projects.get(source_ref="1")
    assert not dropped.survey_links.exists()
    assert dropped.events.order_by("-sequence").first().changes == {
        "surveys_removed": ["Property Condition (version 1)"]
    }
    assert answered.survey_links.get().survey == survey  # its draft keeps it


def test_custom_surveys_cannot_be_added_to_an_imported_project(fastrack, sandbox, vendor, coordinator):
    sandbox.add_orders(vendor[0], [order_with("1")])
    refresh_now(fastrack)
    actor = Actor.for_user(coordinator)
    custom = survey_create_custom(actor=actor, name="Our own", questions=QUESTIONS)
    with pytest.raises(ValidationError, match="cannot be added to an imported project"):
        survey_attach(project=fastrack.projects.get(), survey=custom, actor=actor)


def test_custom_surveys_can_be_added_to_a_manual_project(account, coordinator):
    from projects.services import project_create

    actor = Actor.for_user(coordinator)
    project = project_create(actor=actor, name="By hand", tasks=["Lawn"])
    custom = survey_create_custom(actor=actor, name="Our own", questions=QUESTIONS)
    assert survey_attach(project=project, survey=custom, actor=actor).survey == custom
