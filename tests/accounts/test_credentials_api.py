"""Credentials through the API (DESIGN.md §7): the field app signs in for a user token, lists and revokes
its own; admins and owners make, list and revoke the account's API keys. A key or token is in the answer
that makes it and nowhere else: not in lists, not in the database, not in the log."""

import hashlib
import logging

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, UserToken
from accounts.services import api_key_issue, user_token_issue
from accounts.throttles import TokenObtainEmailThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
TOKENS = "/api/v1/tokens/"
KEYS = "/api/v1/api-keys/"


def _with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def _sign_in(client, **body):
    return client.post(TOKENS, body, format="json")


def _row_values(record) -> set[str]:
    return {str(getattr(record, f.attname)) for f in record._meta.concrete_fields}


# User tokens


def test_signing_in_answers_a_token_once_that_then_works(api_client, field_user, caplog):
    caplog.set_level(logging.DEBUG)
    response = _sign_in(api_client, email=field_user.email.upper(), password=PASSWORD, name="Pixel 8")
    assert response.status_code == 201, response.json()
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    key = body["token"]
    assert set(body) == {"id", "name", "prefix", "created_at", "last_used_at", "token"}
    assert body["name"] == "Pixel 8" and key.startswith(body["prefix"]) and len(key) > 40

    record = UserToken.objects.get(pk=body["id"])
    assert record.user == field_user
    assert record.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in _row_values(record)

    me = _with(f"Token {key}").get("/api/v1/users/me")
    assert me.status_code == 200 and me.json()["user"]["id"] == field_user.pk

    listed = _with(f"Token {key}").get(TOKENS)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["results"]] == [record.pk]
    assert "token" not in listed.json()["results"][0]
    assert key not in listed.content.decode()
    assert key not in caplog.text


def test_username_stands_for_the_email_and_the_name_has_a_default(api_client, field_user):
    response = _sign_in(api_client, username=field_user.email, password=PASSWORD)
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Field app"


def test_wrong_credentials_answer_the_same_400_whichever_part_was_wrong(api_client, field_user, owner):
    outsider = UserFactory(account=None, role="owner", is_staff=True)  # Django admin staff: no account
    gone = UserFactory(account=field_user.account)
    gone.is_active = False
    gone.save()
    tries = [
        {"email": field_user.email, "password": "not the password"},
        {"email": "nobody@example.test", "password": PASSWORD},
        {"email": gone.email, "password": PASSWORD},
        {"email": outsider.email, "password": PASSWORD},
    ]
    answers = [_sign_in(api_client, **body) for body in tries]
    assert {a.status_code for a in answers} == {400}
    bodies = [a.json() for a in answers]
    assert all(b == bodies[0] for b in bodies), bodies
    assert bodies[0]["code"] == "invalid_credentials"
    assert bodies[0]["detail"] == "Unable to sign in with this e-mail and password."
    assert not UserToken.objects.exists()


def test_missing_fields_are_named(api_client):
    response = _sign_in(api_client, password=PASSWORD)
    assert response.status_code == 400 and "email" in response.json()["errors"]
    response = _sign_in(api_client, email="a@example.test")
    assert response.status_code == 400 and "password" in response.json()["errors"]
    assert api_client.post(TOKENS, "not json", content_type="application/json").status_code == 400


def test_a_stale_token_the_app_still_sends_does_not_block_signing_in(field_user):
    old = user_token_issue(user=field_user)
    UserToken.objects.filter(pk=old.record.pk).update(revoked_at=timezone.now())
    response = _sign_in(_with(f"Token {old.key}"), email=field_user.email, password=PASSWORD)
    assert response.status_code == 201


def test_tries_are_rate_limited_per_email_with_retry_after(api_client, field_user):
    limit = int(TokenObtainEmailThrottle.rate.split("/")[0])
    for _ in range(limit):
        assert _sign_in(api_client, email=field_user.email, password="wrong").status_code == 400
    limited = _sign_in(api_client, email=field_user.email, password=PASSWORD)
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled" and int(limited["Retry-After"]) > 0
    # Another e-mail is counted on its own.
    other = UserFactory(account=field_user.account)
    assert _sign_in(api_client, email=other.email, password=PASSWORD).status_code == 201


def test_a_user_lists_and_revokes_only_their_own_tokens(field_user, coordinator, other_account):
    mine = user_token_issue(user=field_user, name="Phone")
    spare = user_token_issue(user=field_user, name="Tablet")
    colleague = user_token_issue(user=coordinator)
    stranger = user_token_issue(user=UserFactory(account=other_account))
    client = _with(f"Token {mine.key}")

    listed = client.get(TOKENS).json()
    assert listed["count"] == 2
    assert {t["name"] for t in listed["results"]} == {"Phone", "Tablet"}

    for theirs in (colleague, stranger):
        assert client.delete(f"{TOKENS}{theirs.record.pk}/").status_code == 404
        assert _with(f"Token {theirs.key}").get("/api/v1/users/me").status_code == 200

    assert client.delete(f"{TOKENS}{spare.record.pk}/").status_code == 204
    assert _with(f"Token {spare.key}").get("/api/v1/users/me").status_code == 401
    assert client.delete(f"{TOKENS}{spare.record.pk}/").status_code == 404  # revoked already
    assert [t["name"] for t in client.get(TOKENS).json()["results"]] == ["Phone"]

    # Signing out: the token revokes itself.
    assert client.delete(f"{TOKENS}{mine.record.pk}/").status_code == 204
    assert client.get(TOKENS).status_code == 401


def test_token_lists_need_a_user(api_client, account):
    assert api_client.get(TOKENS).status_code == 401
    key = api_key_issue(account=account, name="script")
    assert _with(f"Api-Key {key.key}").get(TOKENS).status_code == 403


# Account API keys


def test_an_owner_makes_a_key_shown_once_that_then_works(owner_client, owner, caplog):
    caplog.set_level(logging.DEBUG)
    response = owner_client.post(KEYS, {"name": "WMS", "role": "coordinator"}, format="json")
    assert response.status_code == 201, response.json()
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    key = body["key"]
    assert body["name"] == "WMS" and body["role"] == "coordinator" and body["created_by"] == owner.pk
    assert key.startswith(body["prefix"])

    record = ApiKey.objects.get(pk=body["id"])
    assert record.account == owner.account
    assert record.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in _row_values(record)

    me = _with(f"Api-Key {key}").get("/api/v1/users/me").json()
    assert me["kind"] == "api_key" and me["role"] == "coordinator"

    listed = owner_client.get(KEYS)
    assert [k["id"] for k in listed.json()["results"]] == [record.pk]
    assert "key" not in listed.json()["results"][0] and key not in listed.content.decode()
    assert key not in caplog.text


def test_a_key_is_an_admin_unless_narrowed_and_needs_a_name(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    made = client.post(KEYS, {"name": "Zapier"}, format="json")
    assert made.status_code == 201 and made.json()["role"] == "admin"
    assert client.post(KEYS, {"name": "x", "role": "owner"}, format="json").status_code == 400
    refused = client.post(KEYS, {}, format="json")
    assert refused.status_code == 400 and "name" in refused.json()["errors"]


def test_only_admins_and_owners_signed_in_as_themselves_manage_keys(
    api_client, account, coordinator_client, field_client
):
    key = api_key_issue(account=account, name="admin key")
    as_key = _with(f"Api-Key {key.key}")
    for client in (coordinator_client, field_client, as_key):
        assert client.get(KEYS).status_code == 403
        assert client.post(KEYS, {"name": "more"}, format="json").status_code == 403
        assert client.delete(f"{KEYS}{key.record.pk}/").status_code == 403
    assert api_client.get(KEYS).status_code == 401
    assert ApiKey.objects.filter(account=account).count() == 1


def test_revoking_a_key_stops_it_and_only_this_accounts_keys(owner_client, account, other_account):
    ours = api_key_issue(account=account, name="ours")
    theirs = api_key_issue(account=other_account, name="theirs")
    assert owner_client.delete(f"{KEYS}{theirs.record.pk}/").status_code == 404
    assert _with(f"Api-Key {theirs.key}").get("/api/v1/users/me").status_code == 200
    assert [k["name"] for k in owner_client.get(KEYS).json()["results"]] == ["ours"]

    assert owner_client.delete(f"{KEYS}{ours.record.pk}/").status_code == 204
    assert _with(f"Api-Key {ours.key}").get("/api/v1/users/me").status_code == 401
    assert owner_client.get(KEYS).json()["count"] == 0
    assert owner_client.delete(f"{KEYS}{ours.record.pk}/").status_code == 404
