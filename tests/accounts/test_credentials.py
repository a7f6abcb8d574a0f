import hashlib

import pytest
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import ApiKey, UserToken
from accounts.services import api_key_issue, api_key_revoke, user_set_password, user_token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_api_key_is_stored_as_digest_and_works_once_shown(api_client, account):
    issued = api_key_issue(account=account, name="WMS add-on")
    record = ApiKey.objects.get(pk=issued.record.pk)
    assert record.digest == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in {record.digest, record.prefix, record.name}
    assert issued.key.startswith(record.prefix)

    response = api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Api-Key {issued.key}")
    assert response.status_code == 200
    assert response.json()["kind"] == "api_key"
    assert response.json()["account"]["slug"] == account.slug
    assert response.json()["role"] == "admin"
    record.refresh_from_db()
    assert record.last_used_at is not None


def test_revoked_or_wrong_api_key_is_refused_with_json(api_client, account):
    issued = api_key_issue(account=account, name="old")
    api_key_revoke(api_key=issued.record)
    for header in (f"Api-Key {issued.key}", "Api-Key nonsense", "Api-Key"):
        response = api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"
        assert response.json()["detail"]


def test_user_token_authenticates_its_user_and_dies_with_a_new_password(api_client, field_user):
    issued = user_token_issue(user=field_user)
    assert (
        UserToken.objects.get(pk=issued.record.pk).digest == hashlib.sha256(issued.key.encode()).hexdigest()
    )
    response = api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == field_user.email
    assert response.json()["role"] == "field"

    admin = UserFactory(account=field_user.account, role="admin")
    user_set_password(user=field_user, actor=Actor.for_user(admin), password="another long passphrase")
    assert api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Token {issued.key}").status_code == 401


def test_token_of_deactivated_user_is_refused(api_client, field_user):
    issued = user_token_issue(user=field_user)
    field_user.is_active = False
    field_user.save()
    assert api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Token {issued.key}").status_code == 401


def test_session_login_reaches_the_api(client, owner):
    assert client.login(email=owner.email, password="correct horse battery")
    response = client.get("/api/v1/users/me")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == owner.pk


def test_no_credentials_is_401_json(api_client):
    response = api_client.get("/api/v1/users/me")
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"detail", "code"}


def test_last_use_is_not_rewritten_on_every_request(api_client, account, django_assert_num_queries):
    issued = api_key_issue(account=account, name="busy")
    ApiKey.objects.filter(pk=issued.record.pk).update(last_used_at=timezone.now())
    # key lookup only: no UPDATE within the minute
    with django_assert_num_queries(1):
        api_client.get("/api/v1/users/me", HTTP_AUTHORIZATION=f"Api-Key {issued.key}")
