"""End to end: an order at the client, imported by the primary vendor, handed to a subcontractor, worked
there, landing on the primary's project, relayed on to the client, and closed on both sides when the client
cancels it."""

import pytest
from django.utils import timezone

from accounts.actors import Actor
from integrations.checkin import check_in, complete_check_in
from integrations.models import Health, RelayItem, RelayStatus
from integrations.relay import publish_project
from photos.models import PhotoStatus
from photos.services import photo_approve, photos_bulk_approve
from projects.models import CheckIn, CheckInStatus, ProjectEvent, ProjectStatus
from surveys.models import AnsweredIn, ResponseStatus, SurveyResponse, SurveySource
from surveys.services import response_submit
from tests.factories import AGS_CHECKLIST
from tests.integrations.helpers import log_lines, refresh_now
from tests.integrations.relaying import drain

from .conftest import add_field_photo, hand_over

pytestmark = pytest.mark.django_db


def test_an_order_flows_from_the_client_to_the_subcontractor_and_back(
    primary_project,
    share,
    share_integration,
    fastrack,
    sandbox,
    vendor,
    coordinator,
    sub_coordinator,
    sub_field,
):
    link, _ = share
    # The primary hands its imported order to the subcontractor; its history says so.
    hand_over(primary_project, link, coordinator)
    event = ProjectEvent.objects.filter(project=primary_project).order_by("-sequence").first()
    assert event.changes == {"shared_with": [None, "Acme Subs"]}

    # The subcontractor's refresh brings the project with its tasks, its form and the check-in checklist.
    run = refresh_now(share_integration)
    assert run.status == "succeeded" and run.created == 1, log_lines(run)
    sub_project = share_integration.projects.get()
    assert sub_project.name == "AFS::7001" and sub_project.source_ref == str(primary_project.pk)
    assert sub_project.assignee == sub_field and sub_project.check_in_required
    primary_tasks = {t.name: t for t in primary_project.tasks.all()}
    assert {t.name: t.source_ref for t in sub_project.tasks.all()} == {
        name: str(t.pk) for name, t in primary_tasks.items()
    }
    sub_form = sub_project.survey_links.get(survey__source=SurveySource.CLIENT).survey
    primary_form = primary_project.survey_links.get(survey__source=SurveySource.CLIENT).survey
    assert (sub_form.form_ref, sub_form.version, sub_form.questions) == (
        primary_form.form_ref,
        primary_form.version,
        primary_form.questions,
    )
    assert sub_form.integration == share_integration
    assert sub_project.survey_links.filter(survey__source=SurveySource.BUILTIN).exists()

    # The subcontractor's crew checks in: through the primary's project, at the client at once.
    result = check_in(project=sub_project, actor=Actor.for_user(sub_field), abc_number="ABC123456")
    assert result.sent, result.message
    assert CheckIn.objects.get(project=primary_project).abc_number == "ABC123456"
    assert [c["abcNumber"] for c in sandbox.received("checkins", vendor[0], "7001")] == ["ABC123456"]

    # Photos and answers at the subcontractor, QA there, publish there.
    sub_actor = Actor.for_user(sub_coordinator)
    photos = [
        photo_approve(photo=add_field_photo(sub_project, sub_field, seed=1), actor=sub_actor),
        photo_approve(
            photo=add_field_photo(sub_project, sub_field, "Lock Change", seed=2, evidence_type="after"),
            actor=sub_actor,
        ),
    ]
    response_submit(
        project=sub_project,
        survey=sub_form,
        actor=Actor.for_user(sub_field),  # the crew answers in the field app
        answers={"occupied": False, "front": [str(photos[0].serial)]},
        answered_in=AnsweredIn.FIELD,
    )
    assert publish_project(project=sub_project, actor=sub_actor) == 3
    drain()
    assert set(RelayItem.objects.filter(integration=share_integration).values_list("status", flat=True)) == {
        RelayStatus.SENT
    }

    # They land on the primary's project, pending its QA, with the subcontractor's serials and certification.
    landed = {p.serial: p for p in primary_project.photos.select_related("task")}
    assert set(landed) == {p.relay_serial for p in photos}
    for photo in photos:
        copy = landed[photo.relay_serial]
        assert copy.status == PhotoStatus.PENDING_QA
        assert (copy.task.name, copy.evidence_type) == (photo.task.name, photo.evidence_type)
        assert (copy.source, copy.cert_item, copy.cert_time, copy.cert_location) == (
            "field",
            True,
            True,
            True,
        )
        assert copy.uploaded_by_label == f"Share: {sub_project.account.name}"
    answered = SurveyResponse.objects.get(project=primary_project, survey=primary_form)
    assert answered.status == ResponseStatus.SUBMITTED
    assert answered.answers == {"occupied": False, "front": [str(photos[0].relay_serial)]}
    assert answered.answered_in == AnsweredIn.FIELD  # as the crew answered, not "office"
    assert sandbox.received("photos", vendor[0], "7001") == []  # nothing reaches the client without QA

    # The crew completes the check-in at the subcontractor: the primary's check-in completes and relays on.
    complete_check_in(
        project=sub_project,
        actor=Actor.for_user(sub_field),
        checklist={
            **AGS_CHECKLIST,
            "arrival_front_photo": str(photos[0].serial),
            "departure_secured_photos": [str(photos[1].serial)],
        },
    )
    drain()
    assert CheckIn.objects.get(project=primary_project).status == CheckInStatus.COMPLETED
    primary_project.refresh_from_db()
    assert primary_project.status == ProjectStatus.COMPLETE
    # The checklist names photos the client does not have yet (the primary has not passed them): it waits.
    assert not [c for c in sandbox.received("checkins", vendor[0], "7001") if c["type"] == "complete"]

    # The primary approves and publishes: the client gets the photos with its flags, then the answers.
    primary_actor = Actor.for_user(coordinator)
    assert photos_bulk_approve(actor=primary_actor, project=primary_project) == 2
    assert publish_project(project=primary_project, actor=primary_actor) == 3
    drain()
    received = {r["serial"]: r for r in sandbox.received("photos", vendor[0], "7001")}
    assert {s: r["flag"] for s, r in received.items()} == {
        str(photos[0].relay_serial): "Grass Cut - Before",
        str(photos[1].relay_serial): "Lock Change - After",
    }
    assert {r["serviceId"] for r in received.values()} == {"S1", "S2"}
    [answers] = sandbox.received("answers", vendor[0], "7001")
    assert answers["answers"]["front"] == [str(photos[0].relay_serial)]
    RelayItem.objects.filter(status="queued").update(next_attempt_at=timezone.now())  # beat's next tick
    drain()
    [complete] = [c for c in sandbox.received("checkins", vendor[0], "7001") if c["type"] == "complete"]
    assert complete["checklist"]["arrival_front_photo"] == [str(photos[0].relay_serial)]

    # The client cancels: the primary's refresh closes its project, then the subcontractor's closes its own.
    sandbox.patch_order(vendor[0], "7001", status="cancelled")
    assert refresh_now(fastrack).closed == 1
    primary_project.refresh_from_db()
    assert (primary_project.status, primary_project.closed_reason) == ("closed", "cancelled")
    run = refresh_now(share_integration)
    assert run.status == "succeeded" and run.closed == 1, log_lines(run)
    sub_project.refresh_from_db()
    assert (sub_project.status, sub_project.closed_reason) == ("closed", "cancelled")
    assert "Closed AFS::7001: cancelled." in log_lines(run)
    share_integration.refresh_from_db()
    assert share_integration.health == Health.OK
