"""Safe auto-close: only after the whole feed was read, only what the client confirms final or forgot."""

import pytest

from accounts.actors import Actor
from projects.models import Project
from projects.services import project_close

from .helpers import log_lines, make_order, refresh_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(fastrack, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in (1, 2, 3, 4, 5, 6)])
    assert refresh_now(fastrack).created == 6
    return fastrack


def status_of(ref):
    project = Project.objects.get(source_ref=ref)
    return project.status, project.closed_reason


def test_final_states_and_forgotten_orders_close_with_their_reason(imported, sandbox, vendor):
    sandbox.patch_order(vendor[0], "1", status="completed")
    sandbox.patch_order(vendor[0], "2", status="qc_declined")
    sandbox.patch_order(vendor[0], "3", status="cancelled")
    sandbox.delete_order(vendor[0], "4")  # FAStrack no longer knows it
    sandbox.patch_order(vendor[0], "5", status="on_hold")  # not listed, yet still open at the client
    run = refresh_now(imported)
    assert run.status == "succeeded" and run.closed == 4
    assert status_of("1") == ("closed", "completed")
    assert status_of("2") == ("closed", "qc_declined")
    assert status_of("3") == ("closed", "cancelled")
    assert status_of("4") == ("closed", "no_longer_sent")
    assert status_of("5") == ("open", "")
    assert status_of("6") == ("open", "")
    assert any(
        "AFS::5 is no longer sent, but the client still reports it on_hold" in line for line in log_lines(run)
    )
    assert (
        Project.objects.get(source_ref="1").events.filter(type="project.closed", actor_kind="import").exists()
    )


def test_a_client_failing_while_asked_about_missing_orders_closes_nothing(imported, sandbox, vendor):
    sandbox.patch_order(vendor[0], "1", status="completed")  # asked first: final
    sandbox.patch_order(vendor[0], "2", status="cancelled")  # asked second: the client fails
    sandbox.set_faults(vendor[0], detailFailures=["2"])
    run = refresh_now(imported)
    assert run.status == "failed" and run.closed == 0
    assert "Nothing was closed" in run.error
    assert status_of("1") == ("open", "") and status_of("2") == ("open", "")
    assert not Project.objects.filter(events__type="project.closed").exists()
    assert any("Nothing was closed" in line for line in log_lines(run))

    sandbox.set_faults(vendor[0])
    run = refresh_now(imported)
    assert run.status == "succeeded" and run.closed == 2
    assert status_of("1") == ("closed", "completed") and status_of("2") == ("closed", "cancelled")


def test_a_returning_order_reopens_but_a_hand_closed_one_stays_closed(imported, sandbox, vendor, owner):
    sandbox.patch_order(vendor[0], "1", status="cancelled")
    refresh_now(imported)
    assert status_of("1") == ("closed", "cancelled")
    project_close(project=Project.objects.get(source_ref="2"), actor=Actor.for_user(owner))
    sandbox.patch_order(vendor[0], "1", status="new")  # rework
    run = refresh_now(imported)
    assert status_of("1") == ("open", "") and run.reopened == 1
    assert Project.objects.get(source_ref="1").events.filter(type="project.reopened").exists()
    assert status_of("2") == ("closed", "by_hand")


def test_skipped_orders_still_count_as_present(imported, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order("6", dueDate="not a date")])  # now malformed, still listed
    run = refresh_now(imported)
    assert status_of("6") == ("open", "") and run.closed == 0


@pytest.mark.parametrize("fault", [{"listFailurePage": 2}, {"totalDelta": 1}])
def test_a_run_that_fails_or_falls_short_closes_nothing(imported, sandbox, vendor, settings, fault):
    settings.FASTRACK_PAGE_SIZE = 2
    sandbox.patch_order(vendor[0], "1", status="completed")
    sandbox.set_faults(vendor[0], **fault)
    run = refresh_now(imported)
    assert status_of("1") == ("open", "")
    lines = log_lines(run)
    if "listFailurePage" in fault:
        assert run.status == "failed"
        assert "FAStrack answered 500" in run.error and "Nothing was closed" in run.error
        imported.refresh_from_db()
        assert imported.health == "error"
    else:
        assert run.status == "succeeded" and run.closed == 0
        assert any(
            line.startswith("Auto-close skipped: the feed ended after 5 of 6 orders") for line in lines
        )


def test_the_client_down_fails_the_run_clearly(imported, sandbox, vendor):
    sandbox.patch_order(vendor[0], "1", status="completed")  # would close, were the client reachable
    imported.base_url = "http://127.0.0.1:9"  # nothing listens there
    imported.save()
    run = refresh_now(imported)
    assert run.status == "failed" and "FAStrack could not be reached" in run.error
    assert Project.objects.filter(status="closed").count() == 0
    assert any(
        line.startswith("Refresh failed: FAStrack could not be reached")
        and line.endswith("Nothing was closed.")
        for line in log_lines(run)
    )


def test_a_slow_client_times_out_and_closes_nothing(imported, sandbox, vendor, settings):
    settings.FASTRACK_READ_TIMEOUT = 0.3
    sandbox.patch_order(vendor[0], "1", status="completed")
    sandbox.set_faults(vendor[0], latencyMs=1200)
    run = refresh_now(imported)
    assert run.status == "failed" and "did not answer in time" in run.error
    assert status_of("1") == ("open", "")


def test_bad_credentials(imported, sandbox, vendor):
    from integrations.services import integration_validate

    sandbox.patch_order(vendor[0], "1", status="completed")  # would close, were the credentials good
    sandbox.add_vendor(vendor[0], "a-new-password")  # the password was changed at FAStrack
    ok, message = integration_validate(integration=imported)
    assert not ok and message.startswith("Sub-user validation failed")
    imported.refresh_from_db()
    assert imported.health == "auth_failed"
    run = refresh_now(imported)
    assert run.status == "failed" and run.error.startswith("Sub-user validation failed")
    assert Project.objects.filter(status="closed").count() == 0


def test_closing_many_takes_as_many_queries_as_closing_one(fastrack, sandbox, vendor):
    """The closes are written in bulk: the queries do not grow with the number of projects closed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sandbox.add_orders(vendor[0], [make_order(str(n)) for n in range(1, 11)])
    refresh_now(fastrack)

    def queries_closing(refs):
        for ref in refs:
            sandbox.patch_order(vendor[0], ref, status="completed")
        with CaptureQueriesContext(connection) as ctx:
            run = refresh_now(fastrack)
        assert run.closed == len(refs)
        return len(ctx.captured_queries)

    assert queries_closing(["1"]) == queries_closing(["2", "3", "4", "5", "6", "7"])
    assert [status_of(str(n)) for n in (1, 7, 8)] == [
        ("closed", "completed"),
        ("closed", "completed"),
        ("open", ""),
    ]
    events = Project.objects.get(source_ref="7").events.filter(type="project.closed")
    assert [(e.sequence, e.changes, e.actor_kind) for e in events] == [
        (2, {"status": ["open", "closed"], "reason": "completed"}, "import")
    ]


def test_people_cannot_close_for_the_client(owner, fastrack):
    from projects.errors import PermissionDenied
    from projects.services import projects_close_for_source

    with pytest.raises(PermissionDenied):
        projects_close_for_source(integration_id=fastrack.pk, reasons={}, actor=Actor.for_user(owner))
