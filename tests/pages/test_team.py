"""Team pages: sub-users added, changed, deactivated and given a new password, by admins only."""

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_adds_a_sub_user_with_a_contractor_id(admin_page, account):
    response = admin_page.post(
        "/team/",
        {"email": "crew@example.test", "full_name": "Crew One", "role": "field", "wms_contractor_id": "C-1"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="crew@example.test")
    assert (user.account, user.role, user.wms_contractor_id) == (account, "field", "C-1")
    assert "Crew One" in admin_page.get("/team/").content.decode()


def test_a_duplicate_contractor_id_is_a_form_error(admin_page, field_user):
    field_user.wms_contractor_id = "C-9"
    field_user.save()
    response = admin_page.post(
        "/team/", {"email": "x@example.test", "role": "field", "wms_contractor_id": "C-9"}
    )
    assert response.status_code == 200 and "Another sub-user already has" in response.content.decode()


def test_an_admin_cannot_hand_out_the_owner_role(admin_page):
    response = admin_page.post("/team/", {"email": "boss@example.test", "role": "owner"})
    assert response.status_code == 200 and not User.objects.filter(email="boss@example.test").exists()


def test_change_role_and_deactivate(admin_page, field_user):
    admin_page.post(
        f"/team/{field_user.pk}/", {"full_name": "Moved", "role": "coordinator", "wms_contractor_id": ""}
    )
    field_user.refresh_from_db()
    assert (field_user.role, field_user.is_active, field_user.full_name) == ("coordinator", False, "Moved")


def test_reset_password(admin_page, field_user):
    admin_page.post(f"/team/{field_user.pk}/password", {"password": "a much longer secret 42"})
    field_user.refresh_from_db()
    assert field_user.check_password("a much longer secret 42")
    response = admin_page.post(f"/team/{field_user.pk}/password", {"password": "123"})
    assert response.status_code == 200 and "too short" in response.content.decode()


def test_the_last_owner_stays(owner_page, owner):
    response = owner_page.post(f"/team/{owner.pk}/", {"role": "admin", "is_active": "on"})
    assert "at least one active owner" in response.content.decode()


def test_roles_and_other_accounts(coordinator_page, admin_page, other_account):
    from tests.factories import UserFactory

    stranger = UserFactory(account=other_account)
    assert coordinator_page.get("/team/").status_code == 403
    assert admin_page.get(f"/team/{stranger.pk}/").status_code == 404
    assert admin_page.post(f"/team/{stranger.pk}/password", {"password": "x" * 20}).status_code == 404


def test_signup_still_works(client):
    response = client.post(
        "/signup/",
        {
            "company": "Acme Preservation",
            "full_name": "Ann Owner",
            "email": "ann@acme.test",
            "password": "a long enough password 1",
            "time_zone": "America/Chicago",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
