"""The add-on and delivery API: the secret shown once, roles, tenancy, filters, query counts, redeliver."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.services import api_key_issue
from projects.services import project_close, project_create
from tests.factories import UserFactory
from wms_addons import delivery
from wms_addons.models import WmsAddon, WmsDelivery
from wms_addons.outbox import fill_outboxes

pytestmark = pytest.mark.django_db


@pytest.fixture
def stranger_client(other_account):
    client = APIClient()
    client.force_authenticate(UserFactory(account=other_account, role="owner"))
    return client


def test_create_shows_the_secret_once_and_stores_it_encrypted(owner_client, receiver, account):
    key = api_key_issue(account=account, name="WMS").record
    response = owner_client.post(
        "/api/v1/wms/addons/",
        {"name": "WMS", "url": receiver.url + "/hook", "events": ["project.assigned"], "api_key": key.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert body["events"] == ["project.assigned"] and body["api_key"] == key.pk
    addon = WmsAddon.objects.get(pk=body["id"])
    assert secret not in addon.secret_encrypted and addon.get_secret() == secret
    assert "secret" not in owner_client.get(f"/api/v1/wms/addons/{addon.pk}/").json()
    listed = owner_client.get("/api/v1/wms/addons/").json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]


def test_defaults_patch_and_delete(owner_client, receiver):
    made = owner_client.post(
        "/api/v1/wms/addons/", {"name": "WMS", "url": receiver.url}, format="json"
    ).json()
    assert len(made["events"]) == 6 and made["enabled"] is True and made["api_key"] is None
    url = f"/api/v1/wms/addons/{made['id']}/"
    patched = owner_client.patch(url, {"enabled": False, "events": ["project.closed"]}, format="json")
    assert patched.status_code == 200 and patched.json()["events"] == ["project.closed"]
    assert owner_client.patch(url, {"events": ["project.published"]}, format="json").status_code == 400
    assert owner_client.delete(url).status_code == 204
    assert not WmsAddon.objects.exists()


def test_bad_input_is_refused(owner_client, receiver, other_account):
    theirs = api_key_issue(account=other_account, name="x").record
    for body in (
        {"name": "WMS", "url": "ftp://example.com/x"},
        {"name": "WMS", "url": receiver.url, "events": []},
        {"name": "WMS", "url": receiver.url, "api_key": theirs.pk},
    ):
        response = owner_client.post("/api/v1/wms/addons/", body, format="json")
        assert response.status_code == 400, body
    owner_client.post("/api/v1/wms/addons/", {"name": "WMS", "url": receiver.url}, format="json")
    clash = owner_client.post("/api/v1/wms/addons/", {"name": "WMS", "url": receiver.url}, format="json")
    assert clash.status_code == 400 and "name" in clash.json()["errors"]


def test_only_admins_and_owners_manage(coordinator_client, receiver):
    assert coordinator_client.get("/api/v1/wms/addons/").status_code == 403
    response = coordinator_client.post(
        "/api/v1/wms/addons/", {"name": "x", "url": receiver.url}, format="json"
    )
    assert response.status_code == 403
    assert coordinator_client.get("/api/v1/wms/deliveries/").status_code == 403


def test_another_accounts_ids_answer_404(make_addon, coordinator, stranger_client, owner_client):
    addon = make_addon()
    project_create(actor=Actor.for_user(coordinator), name="A")
    fill_outboxes()
    row = WmsDelivery.objects.get()
    assert stranger_client.get(f"/api/v1/wms/addons/{addon.pk}/").status_code == 404
    assert stranger_client.patch(f"/api/v1/wms/addons/{addon.pk}/", {"enabled": False}).status_code == 404
    assert stranger_client.delete(f"/api/v1/wms/addons/{addon.pk}/").status_code == 404
    assert stranger_client.post(f"/api/v1/wms/deliveries/{row.pk}/redeliver").status_code == 404
    assert stranger_client.get("/api/v1/wms/addons/").json()["count"] == 0
    assert stranger_client.get(f"/api/v1/wms/deliveries/?addon={addon.pk}").json()["count"] == 0
    assert owner_client.get(f"/api/v1/wms/deliveries/?addon={addon.pk}").json()["count"] == 1
    assert WmsAddon.objects.filter(pk=addon.pk, enabled=True).exists()


def test_the_delivery_log_filters_and_keeps_a_constant_query_count(make_addon, coordinator, owner_client):
    actor = Actor.for_user(coordinator)
    addon = make_addon()
    other = make_addon(name="Other", path="/other")

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get("/api/v1/wms/deliveries/")
        assert response.status_code == 200
        return response.json(), len(queries)

    project_create(actor=actor, name="First")
    fill_outboxes()
    few, few_queries = page()
    for n in range(12):
        project_close(project=project_create(actor=actor, name=f"P{n}"), actor=actor)
    fill_outboxes()
    many, many_queries = page()
    assert few["count"] == 2 and many["count"] == 50
    assert many_queries == few_queries

    row = many["results"][0]
    assert set(row) >= {"webhook_id", "addon", "project", "type", "sequence", "status", "attempts"}
    assert row["webhook_id"] == f"msg_{row['id']}"
    by_addon = owner_client.get(f"/api/v1/wms/deliveries/?addon={other.pk}&status=pending").json()
    assert by_addon["count"] == 25 and {r["addon"]["id"] for r in by_addon["results"]} == {other.pk}
    project = WmsDelivery.objects.filter(addon=addon).latest("pk").project
    by_project = owner_client.get(f"/api/v1/wms/deliveries/?project={project.pk}&addon={addon.pk}").json()
    assert [r["sequence"] for r in by_project["results"]] == [2, 1]


def test_redeliver_sends_a_delivered_event_again(make_addon, coordinator, owner_client, receiver):
    make_addon()
    project_create(actor=Actor.for_user(coordinator), name="A")
    delivery.deliver_due()
    row = WmsDelivery.objects.get()
    assert row.status == "delivered"

    response = owner_client.post(f"/api/v1/wms/deliveries/{row.pk}/redeliver")
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    # Pending already: a second request is refused rather than silently ignored.
    assert owner_client.post(f"/api/v1/wms/deliveries/{row.pk}/redeliver").status_code == 400
    delivery.deliver_due()
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [f"msg_{row.pk}", f"msg_{row.pk}"]


def test_the_admin_never_shows_the_secret(client, make_addon, coordinator, django_user_model):
    addon = make_addon()
    project_create(actor=Actor.for_user(coordinator), name="A")
    fill_outboxes()
    staff = django_user_model.objects.create_superuser("staff@example.test", "pw")
    client.force_login(staff)
    page = client.get(f"/admin/wms_addons/wmsaddon/{addon.pk}/change/")
    assert page.status_code == 200
    assert addon.get_secret().encode() not in page.content and b"secret_encrypted" not in page.content
    assert client.get("/admin/wms_addons/wmsdelivery/").status_code == 200
    assert client.get("/admin/wms_addons/wmsaddon/add/").status_code == 403


def test_the_schema_lists_the_wms_routes(client):
    schema = client.get("/api/schema/").content
    assert b"/api/v1/wms/addons/" in schema and b"/api/v1/wms/deliveries/{id}/redeliver" in schema


def test_secrets_rotate_to_the_newest_key(make_addon, settings):
    from cryptography.fernet import Fernet

    from config.crypto import rotate_column
    from wms_addons.models import WmsAddon

    addon = make_addon()
    secret = addon.get_secret()
    newest = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = f"{newest},{settings.FIELD_ENCRYPTION_KEY}"
    assert rotate_column(WmsAddon, "secret_encrypted") == (1, 0)
    settings.FIELD_ENCRYPTION_KEY = newest
    addon.refresh_from_db()
    assert addon.get_secret() == secret
