"""The add-ons page: an admin adds a WMS add-on from the browser (its secret shown once) and the real
receiver gets events signed with it; the delivery log shows what was parked and Redeliver sends it again;
API keys are issued (shown once) and revoked there, and work against the API until revoked."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.actors import Actor
from accounts.models import ApiKey
from projects.services import project_assign, project_create
from tests.factories import UserFactory
from wms_addons import delivery
from wms_addons.models import WmsAddon, WmsDelivery

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')
KEY = re.compile(r'value="(vdk_[^"]+)"')


@pytest.fixture
def admin_page(owner):
    client = Client()
    client.force_login(owner)
    return client


def _form(address, **overrides):
    form = {
        "name": "Acme WMS",
        "url": address,
        "events": ["project.created", "project.assigned"],
        "enabled": "on",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_an_admin_adds_an_addon_its_secret_shown_once_and_the_wms_hears_signed_events(
    admin_page, receiver, owner, coordinator
):
    answer = admin_page.post("/addons/new", _form(receiver.url + "/hook"))
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    secret = SECRET.search(answer.content.decode())[1]
    addon = WmsAddon.objects.get(name="Acme WMS")
    assert addon.get_secret() == secret and addon.events == ["project.assigned", "project.created"]
    # Never again: not on the list, not on the add-on's page.
    assert secret not in admin_page.get("/addons/").content.decode()
    assert secret not in admin_page.get(f"/addons/{addon.pk}/").content.decode()

    receiver.secrets.append(secret)
    actor = Actor.for_user(coordinator)
    crew = UserFactory(account=owner.account, role="field", wms_contractor_id="C-7")
    project = project_create(actor=actor, name="12 Oak St")
    project_assign(project=project, actor=actor, assignee=crew)
    delivery.deliver_due()
    assert all(r.signed_ok for r in receiver.requests)
    assert [(b["type"], b["sequence"]) for b in receiver.accepted()] == [
        ("project.created", 1),
        ("project.assigned", 2),
    ]
    page = admin_page.get(f"/addons/{addon.pk}/").content.decode()
    assert page.count("Delivered") >= 2 and "12 Oak St" in page


@pytest.mark.parametrize(
    "overrides, field_error",
    [
        ({"events": None}, "This field is required."),
        ({"events": ["project.published"]}, "Select a valid choice"),
        ({"url": "not a url"}, "Enter a valid URL."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_addon_form_is_refused_with_its_error_and_adds_nothing(admin_page, overrides, field_error):
    answer = admin_page.post("/addons/new", _form("https://wms.example.test/hook", **overrides))
    assert answer.status_code == 400
    assert field_error in answer.content.decode()
    assert "whsec_" not in answer.content.decode()
    assert not WmsAddon.objects.exists()


def test_private_addresses_and_taken_names_are_refused_in_production(admin_page, settings, make_addon):
    make_addon(name="Acme WMS")
    taken = admin_page.post("/addons/new", _form("https://wms.example.test/hook"))
    assert taken.status_code == 400 and "An add-on named Acme WMS already exists." in taken.content.decode()
    settings.ALLOW_PRIVATE_URLS = False
    private = admin_page.post("/addons/new", _form("http://127.0.0.1:9/hook", name="Local"))
    assert private.status_code == 400
    assert not WmsAddon.objects.filter(name="Local").exists()


def test_settings_pause_the_addon_change_its_events_and_name_its_own_key(
    admin_page, make_addon, owner, other_account
):
    addon = make_addon()
    mine = admin_page.post("/api-keys/new", {"name": "WMS key", "role": "coordinator"})
    key = ApiKey.objects.get(name="WMS key")
    assert mine.status_code == 200
    from accounts.services import api_key_issue

    theirs = api_key_issue(account=other_account, name="Not yours").record

    refused = admin_page.post(
        f"/addons/{addon.pk}/settings", _form(addon.url, name="WMS", api_key=str(theirs.pk))
    )
    assert refused.status_code == 302
    addon.refresh_from_db()
    assert addon.api_key_id is None and addon.enabled

    saved = admin_page.post(
        f"/addons/{addon.pk}/settings",
        _form(addon.url, name="WMS", events=["project.closed"], enabled=None, api_key=str(key.pk)),
    )
    assert saved.status_code == 302
    addon.refresh_from_db()
    assert (addon.enabled, addon.events, addon.api_key_id) == (False, ["project.closed"], key.pk)
    listing = admin_page.get("/addons/").content.decode()
    assert "paused" in listing and "WMS key" in listing


def test_the_delivery_log_shows_parked_deliveries_and_redeliver_sends_them_again(
    admin_page, make_addon, dead_url, receiver, coordinator, owner
):
    addon = make_addon(url=dead_url)
    project_create(actor=Actor.for_user(coordinator), name="9 Pine St")
    delivery.deliver_due()
    parked = WmsDelivery.objects.get(addon=addon)
    assert parked.status == "parked"

    listing = admin_page.get("/addons/").content.decode()
    assert f'href="/addons/{addon.pk}/?status=parked"' in listing
    page = admin_page.get(f"/addons/{addon.pk}/?status=parked").content.decode()
    assert "Could not reach the WMS" in page and f"/deliveries/{parked.pk}/redeliver" in page
    assert (
        "No deliveries of this status."
        in admin_page.get(f"/addons/{addon.pk}/?status=pending").content.decode()
    )

    admin_page.post(f"/addons/{addon.pk}/settings", _form(receiver.url + "/hook", name="WMS", events=None))
    addon.refresh_from_db()
    assert addon.url == dead_url  # no events ticked: refused, nothing saved
    admin_page.post(
        f"/addons/{addon.pk}/settings", _form(receiver.url + "/hook", name="WMS", events=["project.created"])
    )
    answer = admin_page.post(f"/deliveries/{parked.pk}/redeliver", follow=True)
    assert f"msg_{parked.pk} will be sent again." in answer.content.decode()
    again = admin_page.post(f"/deliveries/{parked.pk}/redeliver", follow=True)
    assert "Only a parked or delivered delivery can be sent again." in again.content.decode()
    delivery.deliver_due()
    parked.refresh_from_db()
    assert parked.status == "delivered" and [b["sequence"] for b in receiver.accepted()] == [1]


def test_deleting_an_addon_takes_its_log_with_it(admin_page, make_addon, coordinator):
    addon = make_addon()
    project_create(actor=Actor.for_user(coordinator), name="1 Elm St")
    delivery.deliver_due()
    answer = admin_page.post(f"/addons/{addon.pk}/delete", follow=True)
    assert f"Deleted {addon.name} and its delivery log." in answer.content.decode()
    assert not WmsAddon.objects.exists() and not WmsDelivery.objects.exists()


def test_an_api_key_is_shown_once_works_and_stops_when_revoked(admin_page, account):
    answer = admin_page.post("/api-keys/new", {"name": "Acme WMS", "role": "admin"})
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    key = KEY.search(answer.content.decode())[1]
    record = ApiKey.objects.get(name="Acme WMS")
    assert record.account == account and key.startswith(record.prefix) and key not in record.digest
    listing = admin_page.get("/addons/").content.decode()
    assert key not in listing and f"{record.prefix}…" in listing

    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api.get("/api/v1/projects/").status_code == 200
    revoked = admin_page.post(f"/api-keys/{record.pk}/revoke", follow=True)
    assert "Revoked Acme WMS: it no longer opens the API." in revoked.content.decode()
    assert api.get("/api/v1/projects/").status_code in (401, 403)
    assert "Acme WMS" not in admin_page.get("/addons/").content.decode()

    bad = admin_page.post("/api-keys/new", {"name": "Owner key", "role": "owner"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert not ApiKey.objects.filter(name="Owner key").exists()


def test_the_pages_take_the_same_queries_whatever_they_hold(admin_page, make_addon, coordinator, dead_url):
    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            assert admin_page.get(path).status_code == 200
        return len(ctx.captured_queries)

    first = make_addon(name="WMS 0", url=dead_url)
    project_create(actor=Actor.for_user(coordinator), name="P0")
    delivery.deliver_due()
    few = queries("/addons/"), queries(f"/addons/{first.pk}/")
    for n in range(1, 6):
        make_addon(name=f"WMS {n}", url=dead_url)
        project_create(actor=Actor.for_user(coordinator), name=f"P{n}")
    delivery.deliver_due()
    assert WmsDelivery.objects.filter(addon=first).count() == 6
    assert (queries("/addons/"), queries(f"/addons/{first.pk}/")) == few
