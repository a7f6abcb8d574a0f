"""The Share pages: the primary vendor's share keys (issued once, listed, revoked), handing projects over in
bulk and from the project page, the subcontractor's Share integration, role checks, and credentials kept out
of logs and error reports."""

import logging
import re

import pytest
from django.test import Client
from django.views.debug import ExceptionReporter

from accounts.actors import Actor
from accounts.secrets import digest
from integrations.models import Health, Integration
from integrations.services import integration_create
from integrations.share import services
from integrations.share.models import HandOver, ShareLink
from projects.models import EventType, ProjectEvent, ProjectStatus
from tests.factories import ProjectFactory, UserFactory
from tests.integrations.helpers import refresh_now
from tests.share.conftest import import_orders

pytestmark = pytest.mark.django_db

KEY = re.compile(r"shr_[A-Za-z0-9_-]{20,}")


@pytest.fixture
def share(owner):
    """A live share key of the account: (link, key)."""
    return services.share_create(actor=Actor.for_user(owner), name="Acme Subs")


@pytest.fixture
def sub_admin(other_account):
    return UserFactory(account=other_account, role="admin")


@pytest.fixture
def sub_admin_page(sub_admin):
    client = Client()
    client.force_login(sub_admin)
    return client


@pytest.fixture
def share_integration(other_account, share):
    return integration_create(
        actor=Actor.system(other_account, "test"),
        kind="share",
        name="Share from the primary",
        credentials={"share_key": share[1]},
    )


def _imported(account, fastrack, n, **fields):
    return ProjectFactory(account=account, integration=fastrack, source_ref=str(n), **fields)


def _body(response) -> str:
    return response.content.decode()


# --- the primary vendor's pages --------------------------------------------------------------------------


def test_issuing_a_key_shows_it_once_and_never_again(admin_page, account):
    assert "Issue a share key" in _body(admin_page.get("/shares/"))
    response = admin_page.post("/shares/new", {"name": "Acme Subs", "photo_status": "approved"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    [key] = set(KEY.findall(_body(response)))
    link = ShareLink.objects.get(account=account)
    assert (link.name, link.photo_status, link.key_digest) == ("Acme Subs", "approved", digest(key))

    for url in ("/shares/", f"/shares/{link.pk}/", "/"):
        body = _body(admin_page.get(url))
        assert key not in body and not KEY.search(body)
    assert link.key_prefix in _body(admin_page.get("/shares/"))

    again = admin_page.post("/shares/new", {"name": "Acme Subs", "photo_status": "pending_qa"})
    assert again.status_code == 400 and "already exists" in _body(again)
    assert ShareLink.objects.filter(account=account).count() == 1


def test_the_list_shows_each_keys_setting_use_status_and_projects(
    coordinator_page, account, fastrack, owner, other_account, share
):
    link, _ = share
    revoked, _ = services.share_create(actor=Actor.for_user(owner), name="Gone Ltd", photo_status="approved")
    services.share_revoke(link=revoked, actor=Actor.for_user(owner))
    projects = [_imported(account, fastrack, n) for n in (1, 2)]
    services.projects_hand_over(link=link, project_ids=[p.pk for p in projects], actor=Actor.for_user(owner))
    ShareLink.objects.filter(pk=link.pk).update(subcontractor=other_account)

    body = _body(coordinator_page.get("/shares/"))
    rows = dict(re.findall(r"<tr><td><a href=\"/shares/\d+/\">([^<]+)</a>(.*?)</tr>", body, re.S))
    assert set(rows) == {"Acme Subs", "Gone Ltd"}
    assert "pending QA" in rows["Acme Subs"] and other_account.name in rows["Acme Subs"]
    assert "live" in rows["Acme Subs"] and "<td>2</td>" in rows["Acme Subs"]
    assert (
        "approved" in rows["Gone Ltd"]
        and "revoked" in rows["Gone Ltd"]
        and "not used yet" in rows["Gone Ltd"]
    )
    assert "Issue a share key" not in body  # coordinators hand over; admins issue and revoke
    assert '<a href="/shares/">Shares</a>' in body  # the nav link


def test_handing_over_in_bulk_and_taking_back_from_the_keys_page(
    coordinator_page, coordinator, account, fastrack, other_account, share
):
    link, _ = share
    alpha = _imported(account, fastrack, 11, name="Alpha", city="Austin")
    bravo = _imported(account, fastrack, 12, name="Bravo", city="Dallas")
    closed = _imported(account, fastrack, 13, name="Closed one", status=ProjectStatus.CLOSED)
    manual = ProjectFactory(account=account, name="Manual one")
    foreign = ProjectFactory(account=other_account, name="Foreign one")

    page = _body(coordinator_page.get(f"/shares/{link.pk}/"))
    assert "Alpha" in page and "Bravo" in page
    assert "Closed one" not in page and "Manual one" not in page and "Foreign one" not in page
    # The search box: with HTMX only the candidates come back.
    found = coordinator_page.get(f"/shares/{link.pk}/?q=dallas", HTTP_HX_REQUEST="true")
    assert "Bravo" in _body(found) and "Alpha" not in _body(found) and "<html" not in _body(found)

    response = coordinator_page.post(
        f"/shares/{link.pk}/hand-over", {"projects": [alpha.pk, bravo.pk]}, follow=True
    )
    assert "Handed 2 project(s) to Acme Subs" in _body(response)
    assert set(HandOver.objects.filter(link=link, taken_back_at=None).values_list("project", flat=True)) == {
        alpha.pk,
        bravo.pk,
    }
    assert ProjectEvent.objects.get(project=alpha, type=EventType.UPDATED).changes == {
        "shared_with": [None, "Acme Subs"]
    }
    handed = _body(coordinator_page.get(f"/shares/{link.pk}/"))
    assert 'Handed over <small class="muted">2</small>' in handed
    assert f'name="projects" value="{alpha.pk}"' not in handed  # no longer a candidate

    # All or none: another account's project is refused, and nothing else moves.
    response = coordinator_page.post(
        f"/shares/{link.pk}/hand-over", {"projects": [closed.pk, foreign.pk]}, follow=True
    )
    assert "No such projects" in _body(response) and not closed.hand_overs.exists()
    assert "Tick the projects" in _body(coordinator_page.post(f"/shares/{link.pk}/hand-over", follow=True))

    response = coordinator_page.post(f"/shares/{link.pk}/take-back", {"project": alpha.pk}, follow=True)
    assert "Took Alpha back from Acme Subs" in _body(response)
    assert list(HandOver.objects.filter(link=link, taken_back_at=None).values_list("project", flat=True)) == [
        bravo.pk
    ]
    assert coordinator_page.post(f"/shares/{link.pk}/take-back", {"project": manual.pk}).status_code == 404


def test_revoking_from_the_page_stops_the_key_and_closes_the_subcontractors_copies(
    admin_page, coordinator_page, coordinator, fastrack, sandbox, vendor, share, share_integration
):
    link, _ = share
    handed, taken_back = import_orders(fastrack, sandbox, vendor, "8101", "8102")
    services.projects_hand_over(
        link=link, project_ids=[handed.pk, taken_back.pk], actor=Actor.for_user(coordinator)
    )
    assert refresh_now(share_integration).created == 2
    # Taken back but not refreshed since: the subcontractor's copy is still open until the revoke.
    services.project_hand_over(project=taken_back, link=None, actor=Actor.for_user(coordinator))

    assert coordinator_page.post(f"/shares/{link.pk}/revoke").status_code == 403
    response = admin_page.post(f"/shares/{link.pk}/revoke", follow=True)
    assert "Revoked Acme Subs: 1 project(s) taken back" in _body(response)
    link.refresh_from_db()
    assert link.revoked_at is not None and not HandOver.objects.filter(link=link, taken_back_at=None).exists()
    copies = share_integration.projects.order_by("source_ref")
    assert [(c.status, c.closed_reason, c.closed_by_hand) for c in copies] == [
        ("closed", "share_revoked", False),
        ("closed", "share_revoked", False),
    ]
    event = ProjectEvent.objects.filter(project=copies[0]).order_by("-sequence").first()
    assert (event.type, event.actor_kind, event.changes["reason"]) == (
        EventType.CLOSED,
        "system",
        "share_revoked",
    )
    assert "revoked the share key Acme Subs" in event.actor_label

    detail = _body(admin_page.get(f"/shares/{link.pk}/"))
    assert "revoked" in detail and "Revoke the key" not in detail and "Hand projects over" not in detail
    assert refresh_now(share_integration).status == "failed"


def test_the_project_page_hands_over_to_a_live_key_and_takes_back(
    coordinator_page, field_page, owner, account, fastrack, field_user, share, other_account
):
    link, _ = share
    revoked, _ = services.share_create(actor=Actor.for_user(owner), name="Gone Ltd")
    services.share_revoke(link=revoked, actor=Actor.for_user(owner))
    project = _imported(account, fastrack, 21, assignee=field_user)
    url = f"/projects/{project.pk}/"

    page = _body(coordinator_page.get(url))
    assert "Hand over to…" in page and f'<option value="{link.pk}">Acme Subs</option>' in page
    assert "Gone Ltd" not in page and "Take back" not in page

    response = coordinator_page.post(f"{url}hand-over", {"share": link.pk}, follow=True)
    assert f"Handed {project.name} to Acme Subs" in _body(response)
    assert HandOver.objects.get(project=project, taken_back_at=None).link == link
    page = _body(response)
    assert "Take back" in page and f'href="/shares/{link.pk}/">Acme Subs</a>' in page
    assert f'<option value="{link.pk}">' not in page  # no handing to the key that holds it

    response = coordinator_page.post(f"{url}hand-over", {"action": "take_back"}, follow=True)
    assert f"Took {project.name} back" in _body(response)
    assert not HandOver.objects.filter(project=project, taken_back_at=None).exists()

    foreign, _ = services.share_create(actor=Actor.system(other_account), name="Theirs")
    assert coordinator_page.post(f"{url}hand-over", {"share": foreign.pk}).status_code == 404
    assert "Choose the share key" in _body(
        coordinator_page.post(f"{url}hand-over", {"share": ""}, follow=True)
    )
    # Field users neither see the control nor may use it.
    assert "Hand over to" not in _body(field_page.get(url))
    assert field_page.post(f"{url}hand-over", {"share": link.pk}).status_code == 403


def test_share_pages_are_for_the_accounts_staff(
    field_page, coordinator_page, stranger_page, account, fastrack, share
):
    link, _ = share
    project = _imported(account, fastrack, 31)
    for url in ("/shares/", f"/shares/{link.pk}/"):
        assert field_page.get(url).status_code == 403
    for url, data in (
        ("/shares/new", {"name": "X", "photo_status": "pending_qa"}),
        (f"/shares/{link.pk}/revoke", {}),
        (f"/shares/{link.pk}/settings", {"name": "X", "photo_status": "approved"}),
        (f"/shares/{link.pk}/hand-over", {"projects": [project.pk]}),
        (f"/shares/{link.pk}/take-back", {"project": project.pk}),
    ):
        assert field_page.post(url, data).status_code == 403
    # Issuing, revoking and settings are for admins.
    assert (
        coordinator_page.post("/shares/new", {"name": "X", "photo_status": "pending_qa"}).status_code == 403
    )
    assert coordinator_page.post(f"/shares/{link.pk}/settings", {"name": "X"}).status_code == 403
    # Another account's share id is not found.
    assert stranger_page.get(f"/shares/{link.pk}/").status_code == 404
    for action in ("revoke", "settings", "hand-over", "take-back"):
        assert stranger_page.post(f"/shares/{link.pk}/{action}", {"name": "X"}).status_code == 404
    link.refresh_from_db()
    assert link.is_live and link.name == "Acme Subs" and not HandOver.objects.exists()


def test_an_admin_renames_a_key_and_changes_where_photos_land(admin_page, share):
    link, _ = share
    response = admin_page.post(
        f"/shares/{link.pk}/settings",
        {"name": "Acme Subcontracting", "photo_status": "approved"},
        follow=True,
    )
    assert "Saved Acme Subcontracting." in _body(response)
    link.refresh_from_db()
    assert (link.name, link.photo_status) == ("Acme Subcontracting", "approved")


# --- the subcontractor's Share integration ----------------------------------------------------------------


def test_a_subcontractor_adds_a_share_integration_with_the_key(sub_admin_page, other_account, share):
    link, key = share
    form = _body(sub_admin_page.get("/integrations/new?kind=share"))
    assert 'name="share_key"' in form and 'name="password"' not in form and 'name="username"' not in form
    assert 'name="kind" value="share"' in form
    assert 'name="password"' in _body(sub_admin_page.get("/integrations/new"))
    assert sub_admin_page.get("/integrations/new?kind=nope").status_code == 404

    refused = sub_admin_page.post(
        "/integrations/new",
        {"kind": "share", "name": "Pruvan Share", "share_key": "hunter2", "refresh_interval_minutes": 60},
    )
    assert (
        "This is not a share key" in _body(refused)
        and not Integration.objects.filter(account=other_account).exists()
    )

    response = sub_admin_page.post(
        "/integrations/new",
        {"kind": "share", "name": "Pruvan Share", "share_key": key, "refresh_interval_minutes": 60},
    )
    integration = Integration.objects.get(account=other_account)
    assert response["Location"] == f"/integrations/{integration.pk}/"
    assert (integration.kind, integration.base_url) == ("share", "")
    assert integration.get_credentials() == {"share_key": key}
    page = _body(sub_admin_page.get(f"/integrations/{integration.pk}/"))
    assert key not in page and "share key set" in page

    assert "Success" in _body(sub_admin_page.post(f"/integrations/{integration.pk}/validate", follow=True))
    link.refresh_from_db()
    assert link.subcontractor == other_account and link.last_used_at is not None


def test_share_settings_offer_a_new_key_and_never_take_a_username_or_password(
    sub_admin_page, owner, share, share_integration
):
    url = f"/integrations/{share_integration.pk}/"
    page = _body(sub_admin_page.get(url))
    assert "New share key" in page and 'name="password"' not in page and 'name="username"' not in page

    sub_admin_page.post(
        url, {"refresh_interval_minutes": 30, "enabled": "on", "username": "someone", "password": "secret"}
    )
    share_integration.refresh_from_db()
    assert share_integration.refresh_interval_minutes == 30
    assert share_integration.get_credentials() == {"share_key": share[1]}

    _, new_key = services.share_create(actor=Actor.for_user(owner), name="Acme Subs 2")
    sub_admin_page.post(url, {"refresh_interval_minutes": 30, "enabled": "on", "share_key": new_key})
    share_integration.refresh_from_db()
    assert share_integration.get_credentials() == {"share_key": new_key}
    assert share_integration.health == Health.UNKNOWN


def test_a_failing_save_or_validate_never_logs_the_password_or_key(
    caplog, settings, admin_page, sub_admin_page, account, owner, sandbox, vendor, share
):
    password, (link, key) = "Pa55-never-logged", share
    caplog.set_level(logging.DEBUG)
    # A validate the client refuses, a key the primary revoked.
    admin_page.post(
        "/integrations/new",
        {
            "kind": "fastrack",
            "name": "AFS",
            "base_url": sandbox.url,
            "username": vendor[0],
            "password": password,
            "refresh_interval_minutes": 60,
        },
    )
    fastrack = Integration.objects.get(account=account)
    assert "Success" not in _body(admin_page.post(f"/integrations/{fastrack.pk}/validate", follow=True))
    sub_admin_page.post(
        "/integrations/new",
        {"kind": "share", "name": "Pruvan Share", "share_key": key, "refresh_interval_minutes": 60},
    )
    services.share_revoke(link=link, actor=Actor.for_user(owner))
    share_integration = Integration.objects.get(kind="share")
    assert "revoked" in _body(
        sub_admin_page.post(f"/integrations/{share_integration.pk}/validate", follow=True)
    )

    # Saves that crash (no encryption key): the error's log record and the report made of it hide them.
    settings.FIELD_ENCRYPTION_KEY = ""
    admin_page.raise_request_exception = sub_admin_page.raise_request_exception = False
    crashed = [
        admin_page.post(
            "/integrations/new",
            {
                "kind": "fastrack",
                "name": "AFS 2",
                "base_url": sandbox.url,
                "username": vendor[0],
                "password": password,
                "refresh_interval_minutes": 60,
            },
        ),
        admin_page.post(
            f"/integrations/{fastrack.pk}/",
            {"refresh_interval_minutes": 60, "username": vendor[0], "password": password},
        ),
        sub_admin_page.post(
            f"/integrations/{share_integration.pk}/", {"refresh_interval_minutes": 60, "share_key": key}
        ),
    ]
    assert [r.status_code for r in crashed] == [500, 500, 500]

    errors = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert len(errors) == 3
    for record in errors:
        reporter = ExceptionReporter(record.request, *record.exc_info)
        # The text says what the mail to the admins says; the HTML adds every frame's local variables.
        for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
            assert "FIELD_ENCRYPTION_KEY is empty" in report and "********" in report
            assert password not in report and key not in report
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + repr(getattr(record, "exc_text", ""))
        assert password not in text and key not in text
    assert password not in caplog.text and key not in caplog.text


# --- the dashboard --------------------------------------------------------------------------------------


def test_integrations_in_error_link_to_the_list_of_them(admin_page, account, fastrack):
    broken = Integration.objects.create(account=account, kind="fastrack", name="Broken", health=Health.ERROR)
    Integration.objects.create(account=account, kind="share", name="Locked out", health=Health.AUTH_FAILED)
    assert 'href="/integrations/?health=in_error"' in _body(admin_page.get("/"))
    body = _body(admin_page.get("/integrations/?health=in_error"))
    assert f"/integrations/{broken.pk}/" in body and "Locked out" in body
    assert f"/integrations/{fastrack.pk}/" not in body and "in error" in body
    assert "Locked out" not in _body(admin_page.get("/integrations/?health=error"))
    assert f"/integrations/{fastrack.pk}/" in _body(admin_page.get("/integrations/?health=bogus"))
