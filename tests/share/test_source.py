"""ShareSource: the link alone is readable, revoking stops everything at once, taking a project back closes
it at the subcontractor, and the link's photo setting decides where photos land."""

import io

import pytest
from django.core.management import call_command

from accounts.actors import Actor
from integrations.base import AuthError, OrderStatus, SourceError
from integrations.checkin import check_in, complete_check_in
from integrations.models import Health, Integration, RelayItem, RelayStatus
from integrations.relay import publish_project
from integrations.services import integration_create, integration_validate
from integrations.share import services
from integrations.share.source import ShareSource
from photos.models import PhotoStatus
from photos.services import photo_approve
from projects.models import EventType, Project
from surveys.models import ResponseStatus, SurveyResponse
from surveys.services import response_submit
from tests.factories import AGS_CHECKLIST, AccountFactory
from tests.integrations.helpers import log_lines, refresh_now
from tests.integrations.relaying import drain

from .conftest import add_field_photo, hand_over, import_orders

pytestmark = pytest.mark.django_db


def source_of(integration):
    return ShareSource(Integration.objects.get(pk=integration.pk))


def test_the_subcontractor_sees_only_the_projects_handed_to_its_link(
    fastrack, sandbox, vendor, form_id, share, share_integration, coordinator, owner
):
    handed, kept = import_orders(fastrack, sandbox, vendor, "7101", "7102", form=form_id)
    other_link, _ = services.share_create(actor=Actor.for_user(owner), name="Someone else")
    [elsewhere] = import_orders(fastrack, sandbox, vendor, "7103")
    hand_over(handed, share[0], coordinator)
    hand_over(elsewhere, other_link, coordinator)

    run = refresh_now(share_integration)
    assert run.status == "succeeded", log_lines(run)
    assert list(share_integration.projects.values_list("name", flat=True)) == ["AFS::7101"]
    source = source_of(share_integration)
    [page] = list(source.fetch_orders())
    assert (page.total, page.last, [o.ref for o in page.orders]) == (1, True, [str(handed.pk)])
    for project in (kept, elsewhere):
        assert source.order_status(str(project.pk)).state == OrderStatus.NOT_FOUND
    assert source.order_status("not-a-number").state == OrderStatus.NOT_FOUND
    assert source.portal_url(handed, coordinator) is None and not ShareSource.has_portal
    assert source.fetch_survey(form_id, 1).questions  # a form of a handed project
    hand_over(handed, None, coordinator)
    with pytest.raises(SourceError):
        source.fetch_survey(form_id, 1)  # the same form, on projects no longer handed


def test_taking_a_project_back_closes_it_at_the_subcontractor_and_handing_it_again_reopens_it(
    fastrack, sandbox, vendor, share, share_integration, coordinator
):
    [project] = import_orders(fastrack, sandbox, vendor, "7201")
    hand_over(project, share[0], coordinator)
    refresh_now(share_integration)
    hand_over(project, None, coordinator)
    run = refresh_now(share_integration)
    sub_project = share_integration.projects.get()
    assert run.closed == 1 and (sub_project.status, sub_project.closed_reason) == ("closed", "no_longer_sent")

    hand_over(project, share[0], coordinator)
    assert refresh_now(share_integration).reopened == 1
    sub_project.refresh_from_db()
    assert sub_project.status == "open"


def test_the_primary_closing_by_hand_or_deleting_closes_it_at_the_subcontractor(
    fastrack, sandbox, vendor, share, share_integration, coordinator
):
    from projects.services import project_close, project_delete

    closed, deleted = import_orders(fastrack, sandbox, vendor, "7301", "7302")
    for project in (closed, deleted):
        hand_over(project, share[0], coordinator)
    refresh_now(share_integration)
    project_close(project=closed, actor=Actor.for_user(coordinator))
    project_delete(project=deleted, actor=Actor.for_user(coordinator))
    assert refresh_now(share_integration).closed == 2
    assert set(share_integration.projects.values_list("status", "closed_reason")) == {
        ("closed", "no_longer_sent")
    }


def test_revoking_the_key_stops_validate_refresh_and_uploads_at_once(
    fastrack, sandbox, vendor, share, share_integration, coordinator, owner, sub_coordinator, sub_field
):
    [project] = import_orders(fastrack, sandbox, vendor, "7401")
    hand_over(project, share[0], coordinator)
    assert integration_validate(integration=share_integration) == (True, "Success")
    refresh_now(share_integration)
    sub_project = share_integration.projects.get()
    photo = photo_approve(
        photo=add_field_photo(sub_project, sub_field), actor=Actor.for_user(sub_coordinator)
    )
    publish_project(project=sub_project, actor=Actor.for_user(sub_coordinator))

    services.share_revoke(link=share[0], actor=Actor.for_user(owner))
    drain()
    item = RelayItem.objects.get(photo=photo)
    assert item.status == RelayStatus.HELD and "Share key validation failed" in item.last_error
    assert not project.photos.exists()
    ok, message = integration_validate(integration=share_integration)
    assert not ok and "revoked" in message
    share_integration.refresh_from_db()
    assert share_integration.health == Health.AUTH_FAILED
    run = refresh_now(share_integration)
    assert run.status == "failed" and "Share key validation failed" in run.error
    # The revoke itself closed the copy: the subcontractor's refreshes fail from now on, so none would.
    sub_project.refresh_from_db()
    assert (sub_project.status, sub_project.closed_reason) == ("closed", "share_revoked")


def test_revoking_closes_the_copies_of_that_links_projects_and_no_others(
    fastrack, sandbox, vendor, share, share_integration, coordinator, owner, other_account
):
    handed, taken_back, elsewhere = import_orders(fastrack, sandbox, vendor, "7451", "7452", "7453")
    second_link, second_key = services.share_create(actor=Actor.for_user(owner), name="Acme Subs 2")
    second = integration_create(
        actor=Actor.system(other_account, "test"),
        kind="share",
        name="Second share",
        credentials={"share_key": second_key},
    )
    hand_over(handed, share[0], coordinator)
    hand_over(taken_back, share[0], coordinator)
    hand_over(elsewhere, second_link, coordinator)
    refresh_now(share_integration)
    refresh_now(second)
    hand_over(taken_back, None, coordinator)  # the subcontractor has not refreshed since

    services.share_revoke(link=share[0], actor=Actor.for_user(owner))
    copies = {p.source_ref: p for p in Project.objects.filter(account=other_account)}
    for project in (handed, taken_back):
        copy = copies[str(project.pk)]
        assert (copy.status, copy.closed_reason, copy.closed_by_hand) == ("closed", "share_revoked", False)
        event = copy.events.order_by("-sequence").first()
        assert (event.type, event.actor_kind) == (EventType.CLOSED, "system")
        assert event.changes == {"status": ["open", "closed"], "reason": "share_revoked"}
    assert copies[str(elsewhere.pk)].status == "open"  # another link's, still live
    sequences = list(Project.objects.filter(account=other_account).values_list("last_event_sequence"))

    services.share_revoke(link=share[0], actor=Actor.for_user(owner))  # twice changes nothing
    assert list(Project.objects.filter(account=other_account).values_list("last_event_sequence")) == sequences


def test_an_approving_link_publishes_photos_surveys_and_check_ins_on_to_the_client(
    fastrack,
    sandbox,
    vendor,
    share,
    share_integration,
    coordinator,
    owner,
    sub_coordinator,
    sub_field,
    form_id,
):
    services.share_update(link=share[0], actor=Actor.for_user(owner), photo_status="approved")
    [project] = import_orders(fastrack, sandbox, vendor, "7501", form=form_id, check_in=True)
    hand_over(project, share[0], coordinator)
    refresh_now(share_integration)
    sub_project = share_integration.projects.get()
    photo = photo_approve(
        photo=add_field_photo(sub_project, sub_field), actor=Actor.for_user(sub_coordinator)
    )
    publish_project(project=sub_project, actor=Actor.for_user(sub_coordinator))
    drain()
    copy = project.photos.get()
    assert copy.status == PhotoStatus.APPROVED and copy.published_at is not None
    [received] = sandbox.received("photos", vendor[0], "7501")
    assert (received["serial"], received["flag"]) == (str(photo.relay_serial), "Grass Cut - Before")

    # Delivering the same item again makes no second copy (idempotent by serial).
    item = RelayItem.objects.get(photo=photo)
    source_of(share_integration).upload_photo(item)
    assert project.photos.count() == 1

    # The crew's survey answers go on to the client too, naming the photo by the serial the client has.
    sub_form = sub_project.survey_links.get(survey__source="client").survey
    response_submit(
        project=sub_project,
        survey=sub_form,
        actor=Actor.for_user(sub_field),
        answers={"occupied": False, "front": [str(photo.serial)]},
    )
    publish_project(project=sub_project, actor=Actor.for_user(sub_coordinator))
    drain()
    [answers] = sandbox.received("answers", vendor[0], "7501")
    assert (
        answers["answers"]["front"] == [str(photo.relay_serial)] and answers["answers"]["occupied"] is False
    )
    landed = SurveyResponse.objects.get(project=project, survey__source="client")
    assert landed.status == ResponseStatus.PUBLISHED

    # Check In through the link: the arrival at once, the checklist relayed on after the photo it names.
    assert check_in(project=sub_project, actor=Actor.for_user(sub_field), abc_number="ABC123456").sent
    complete_check_in(
        project=sub_project,
        actor=Actor.for_user(sub_field),
        checklist={
            **AGS_CHECKLIST,
            "arrival_front_photo": str(photo.serial),
            "departure_secured_photos": [str(photo.serial)],
        },
    )
    drain()
    steps = [(c["type"], c.get("abcNumber")) for c in sandbox.received("checkins", vendor[0], "7501")]
    assert steps == [("checkin", "ABC123456"), ("complete", None)]


def test_a_key_serves_one_account_and_never_its_issuer(share, share_integration, account):
    assert integration_validate(integration=share_integration)[0]
    third = Integration(account=AccountFactory(), kind="share", name="Share")
    third.set_credentials({"share_key": share[1]})
    third.save()
    with pytest.raises(AuthError, match="another account"):
        ShareSource(third).validate()
    own = Integration(account=account, kind="share", name="Share")
    own.set_credentials({"share_key": share[1]})
    own.save()
    with pytest.raises(AuthError, match="this account"):
        ShareSource(own).validate()


def test_add_integration_takes_a_share_key(share, other_account):
    out = io.StringIO()
    call_command(
        "add_integration",
        "--account",
        other_account.slug,
        "--kind",
        "share",
        "--share-key",
        share[1],
        stdout=out,
    )
    integration = Integration.objects.get(pk=int(out.getvalue()))
    assert (integration.kind, integration.name, integration.health) == ("share", "Pruvan Share", Health.OK)
    assert integration.get_credentials() == {"share_key": share[1]}
    assert not Project.objects.filter(account=other_account).exists()


def test_the_feed_reads_a_fixed_number_of_queries_whatever_it_holds(
    fastrack, sandbox, vendor, form_id, share, share_integration, coordinator, django_assert_num_queries
):
    projects = import_orders(fastrack, sandbox, vendor, *range(7601, 7613), form=form_id)
    services.projects_hand_over(
        link=share[0], project_ids=[p.pk for p in projects], actor=Actor.for_user(coordinator)
    )
    source = source_of(share_integration)
    source.validate()  # binds the key, so the count below is the steady state
    # the link, the total, then per page: the projects, their tasks, their forms
    with django_assert_num_queries(5):
        [page] = list(source.fetch_orders())
    assert page.total == 12 and len(page.orders) == 12
    assert all(len(o.services) == 2 and len(o.forms) == 1 for o in page.orders)


def test_the_feed_comes_in_pages_and_a_refresh_reads_them_all(
    fastrack, sandbox, vendor, share, share_integration, coordinator, settings
):
    settings.SHARE_PAGE_SIZE = 5
    projects = import_orders(fastrack, sandbox, vendor, *range(7701, 7712))
    services.projects_hand_over(
        link=share[0], project_ids=[p.pk for p in projects], actor=Actor.for_user(coordinator)
    )
    pages = list(source_of(share_integration).fetch_orders())
    assert [(len(p.orders), p.total, p.last) for p in pages] == [
        (5, 11, False),
        (5, 11, False),
        (1, 11, True),
    ]
    run = refresh_now(share_integration)
    assert (run.status, run.created, run.total) == ("succeeded", 11, 11)
