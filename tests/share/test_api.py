"""The Share API: keys shown once and stored hashed, roles, hand-over, and another account's ids → 404."""

import hashlib

import pytest
from rest_framework.test import APIClient

from integrations.share.models import HandOver, ShareLink
from projects.models import ProjectEvent

from .conftest import import_orders

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_key_is_shown_once_and_stored_as_a_digest(owner_client):
    response = owner_client.post("/api/v1/shares/", {"name": "Acme Subs"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    key = body["key"]
    assert key.startswith("shr_") and body["photo_status"] == "pending_qa" and body["projects"] == 0
    link = ShareLink.objects.get(pk=body["id"])
    assert link.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(link.key_prefix) and len(link.key_prefix) < len(key) // 3
    assert all(key not in str(value) for value in vars(link).values())

    again = owner_client.get(f"/api/v1/shares/{link.pk}/").json()
    listed = owner_client.get("/api/v1/shares/").json()
    assert "key" not in again and key not in str(listed)
    assert owner_client.post("/api/v1/shares/", {"name": "Acme Subs"}, format="json").status_code == 400


def test_only_admins_issue_change_and_revoke_keys(owner_client, coordinator_client, field_client):
    link_id = owner_client.post("/api/v1/shares/", {"name": "A"}, format="json").json()["id"]
    assert coordinator_client.post("/api/v1/shares/", {"name": "B"}, format="json").status_code == 403
    assert coordinator_client.get("/api/v1/shares/").status_code == 200
    assert (
        coordinator_client.patch(f"/api/v1/shares/{link_id}/", {"name": "C"}, format="json").status_code
        == 403
    )
    assert coordinator_client.delete(f"/api/v1/shares/{link_id}/").status_code == 403
    assert field_client.get("/api/v1/shares/").status_code == 403


def test_patch_changes_the_name_and_the_photo_setting_and_delete_revokes(owner_client):
    link_id = owner_client.post("/api/v1/shares/", {"name": "A"}, format="json").json()["id"]
    response = owner_client.patch(
        f"/api/v1/shares/{link_id}/", {"name": "Acme", "photo_status": "approved"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["photo_status"]) == ("Acme", "approved")
    bad = owner_client.patch(f"/api/v1/shares/{link_id}/", {"photo_status": "sent"}, format="json")
    assert bad.status_code == 400
    assert owner_client.delete(f"/api/v1/shares/{link_id}/").status_code == 204
    assert owner_client.get(f"/api/v1/shares/{link_id}/").json()["revoked_at"] is not None
    assert owner_client.delete(f"/api/v1/shares/{link_id}/").status_code == 204
    assert owner_client.patch(f"/api/v1/shares/{link_id}/", {"name": "X"}, format="json").status_code == 400


def test_hand_over_one_or_many_then_take_back(
    owner_client, coordinator_client, fastrack, sandbox, vendor, field_client
):
    first, second = import_orders(fastrack, sandbox, vendor, "8101", "8102")
    link_id = owner_client.post("/api/v1/shares/", {"name": "Acme"}, format="json").json()["id"]

    one = coordinator_client.post(f"/api/v1/projects/{first.pk}/hand-over", {"share": link_id}, format="json")
    assert one.status_code == 200 and one.json() == {"project": first.pk, "share": link_id}
    many = coordinator_client.post(
        f"/api/v1/shares/{link_id}/hand-over", {"projects": [first.pk, second.pk]}, format="json"
    )
    assert many.status_code == 200 and many.json() == {"handed": 1}  # the first was already there
    assert coordinator_client.get(f"/api/v1/shares/{link_id}/").json()["projects"] == 2
    assert (
        field_client.post(
            f"/api/v1/projects/{first.pk}/hand-over", {"share": None}, format="json"
        ).status_code
        == 403
    )

    back = coordinator_client.post(f"/api/v1/projects/{first.pk}/hand-over", {"share": None}, format="json")
    assert back.status_code == 200
    assert HandOver.objects.get(project=first).taken_back_at is not None
    changes = list(
        ProjectEvent.objects.filter(project=first).order_by("sequence").values_list("changes", flat=True)
    )
    assert changes[-2:] == [{"shared_with": [None, "Acme"]}, {"shared_with": ["Acme", None]}]

    missing = coordinator_client.post(
        f"/api/v1/shares/{link_id}/hand-over", {"projects": [second.pk, 999999]}, format="json"
    )
    assert missing.status_code == 400 and "999999" in str(missing.json())


def test_another_accounts_shares_and_projects_answer_404(
    owner_client, fastrack, sandbox, vendor, other_account
):
    [project] = import_orders(fastrack, sandbox, vendor, "8201")
    link_id = owner_client.post("/api/v1/shares/", {"name": "Acme"}, format="json").json()["id"]
    from tests.factories import UserFactory

    stranger = client_for(UserFactory(account=other_account, role="owner"))
    assert stranger.get(f"/api/v1/shares/{link_id}/").status_code == 404
    assert stranger.patch(f"/api/v1/shares/{link_id}/", {"name": "x"}, format="json").status_code == 404
    assert stranger.delete(f"/api/v1/shares/{link_id}/").status_code == 404
    assert (
        stranger.post(
            f"/api/v1/shares/{link_id}/hand-over", {"projects": [project.pk]}, format="json"
        ).status_code
        == 404
    )
    assert (
        stranger.post(f"/api/v1/projects/{project.pk}/hand-over", {"share": None}, format="json").status_code
        == 404
    )
    assert stranger.get("/api/v1/shares/").json()["results"] == []

    own_link = stranger.post("/api/v1/shares/", {"name": "Mine"}, format="json").json()["id"]
    # A project of ours cannot go to another account's key, nor theirs to ours.
    assert (
        owner_client.post(
            f"/api/v1/projects/{project.pk}/hand-over", {"share": own_link}, format="json"
        ).status_code
        == 404
    )
    assert (
        stranger.post(
            f"/api/v1/shares/{own_link}/hand-over", {"projects": [project.pk]}, format="json"
        ).status_code
        == 400
    )
    assert not HandOver.objects.exists()
