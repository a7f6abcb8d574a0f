import pytest
from django.core.exceptions import ValidationError

from accounts.actors import Actor
from accounts.models import Role, User
from accounts.services import account_create, user_create, user_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_account_create_makes_an_owner_and_a_unique_slug():
    a = account_create(
        name="Lone Star Preservation", owner_email="Boss@Example.test", owner_password="a long passphrase"
    )
    b = account_create(
        name="Lone Star Preservation", owner_email="other@example.test", owner_password="a long passphrase"
    )
    assert a.slug == "lone-star-preservation"
    assert b.slug == "lone-star-preservation-2"
    owner = User.objects.get(account=a)
    assert owner.email == "boss@example.test"
    assert owner.role == Role.OWNER


def test_account_create_refuses_a_taken_email_and_weak_password(owner):
    with pytest.raises(ValidationError):
        account_create(name="X", owner_email=owner.email, owner_password="a long passphrase")
    with pytest.raises(ValidationError):
        account_create(name="X", owner_email="new@example.test", owner_password="123")


def test_wms_contractor_id_is_unique_per_account_only(account, other_account):
    user_create(account=account, email="a@x.test", password=None, wms_contractor_id="C-1")
    user_create(account=other_account, email="b@x.test", password=None, wms_contractor_id="C-1")
    with pytest.raises(ValidationError) as err:
        user_create(account=account, email="c@x.test", password=None, wms_contractor_id="C-1")
    assert "wms_contractor_id" in err.value.message_dict
    # blank ids never clash
    user_create(account=account, email="d@x.test", password=None)
    user_create(account=account, email="e@x.test", password=None)


def test_the_last_owner_cannot_be_demoted_or_deactivated(owner):
    me = Actor.for_user(owner)
    with pytest.raises(ValidationError):
        user_update(user=owner, actor=me, role=Role.ADMIN)
    with pytest.raises(ValidationError):
        user_update(user=owner, actor=me, is_active=False)
    UserFactory(account=owner.account, role=Role.OWNER)
    user_update(user=owner, actor=me, role=Role.ADMIN)
    owner.refresh_from_db()
    assert owner.role == Role.ADMIN


def test_users_api_is_scoped_and_admin_only_for_writes(
    owner_client, owner, other_account, field_client, field_user
):
    stranger = UserFactory(account=other_account)
    listed = {u["id"] for u in owner_client.get("/api/v1/users/").json()["results"]}
    assert owner.pk in listed and field_user.pk in listed and stranger.pk not in listed
    assert owner_client.get(f"/api/v1/users/{stranger.pk}/").status_code == 404
    assert (
        owner_client.patch(f"/api/v1/users/{stranger.pk}/", {"full_name": "x"}, format="json").status_code
        == 404
    )

    # a field user sees only themselves and cannot add anyone
    assert [u["id"] for u in field_client.get("/api/v1/users/").json()["results"]] == [field_user.pk]
    assert field_client.post("/api/v1/users/", {"email": "n@x.test"}, format="json").status_code == 403

    created = owner_client.post(
        "/api/v1/users/", {"email": "crew@x.test", "role": "field", "wms_contractor_id": "W-9"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert "password" not in created.json()
    clash = owner_client.post(
        "/api/v1/users/", {"email": "crew2@x.test", "wms_contractor_id": "W-9"}, format="json"
    )
    assert clash.status_code == 400
    assert "wms_contractor_id" in clash.json()["errors"]
