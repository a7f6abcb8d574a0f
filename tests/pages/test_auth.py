"""Sign-in, password reset by e-mail and sign-out: Django's own views (accounts/urls.py) with our templates,
the locmem e-mail backend of config/settings/test.py, and the database sessions."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
NEW_PASSWORD = "violet-Ladder-7391"
LINK = re.compile(r"https?://testserver(/reset/[^/\s]+/[^/\s]+/)")


def _sign_in(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


def _csrf_of(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]


def test_the_login_page_offers_the_reset(client):
    body = client.get("/login/").content.decode()
    assert 'href="/password_reset/"' in body and 'href="/signup/"' in body


def test_password_reset_by_e_mail_then_sign_in_with_the_new_password(owner):
    from accounts.models import UserToken
    from accounts.services import user_token_issue

    field_app = user_token_issue(user=owner).record  # signed in with the old password
    client = Client(enforce_csrf_checks=True)
    form = client.get("/password_reset/")
    assert form.status_code == 200 and "Reset your password" in form.content.decode()
    response = client.post(
        "/password_reset/",
        {"email": owner.email.upper(), "csrfmiddlewaretoken": _csrf_of(form.content.decode())},
    )
    assert response.status_code == 302 and response["Location"] == "/password_reset/done/"
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    link = LINK.search(message.body)[1]

    # The e-mailed link stores the token in the session and moves on to the form without it in the URL.
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    form = client.get(response["Location"])
    body = form.content.decode()
    assert "Choose a new password" in body and 'name="new_password1"' in body
    response = client.post(
        response["Location"],
        {
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "csrfmiddlewaretoken": _csrf_of(body),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/reset/done/"
    assert "Password set" in client.get("/reset/done/").content.decode()
    assert UserToken.objects.get(pk=field_app.pk).revoked_at is not None  # the old password's way in

    # The link is spent; the old password no longer works and the new one signs in.
    assert "no longer valid" in client.get(link, follow=True).content.decode()
    browser = Client()
    refused = _sign_in(browser, owner.email, OLD_PASSWORD)
    assert refused.status_code == 200 and "_auth_user_id" not in browser.session
    response = _sign_in(browser, owner.email, NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.session["_auth_user_id"] == str(owner.pk)
    dashboard = browser.get("/")
    assert dashboard.status_code == 200 and owner.account.name in dashboard.content.decode()


def test_a_weak_new_password_is_refused_and_the_link_still_works(owner):
    client = Client()
    client.post("/password_reset/", {"email": owner.email})
    link = LINK.search(mail.outbox[0].body)[1]
    set_url = client.get(link)["Location"]
    response = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(OLD_PASSWORD)


def test_no_e_mail_for_an_unknown_address_or_a_deactivated_user(account):
    gone = UserFactory(account=account, role="coordinator", is_active=False)
    client = Client()
    for email in ("nobody@example.test", gone.email):
        response = client.post("/password_reset/", {"email": email})
        # The same answer as for a known address: the page tells nobody who has an account.
        assert response.status_code == 302 and response["Location"] == "/password_reset/done/"
    assert mail.outbox == []


def test_a_forged_or_foreign_link_is_refused(owner, other_account):
    stranger = UserFactory(account=other_account, role="owner")
    Client().post("/password_reset/", {"email": stranger.email})
    uid, token = LINK.search(mail.outbox[0].body)[1].strip("/").split("/")[1:]
    client = Client()
    # The stranger's token does not open the owner's reset, nor does a made-up one.
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    owner_uid = urlsafe_base64_encode(force_bytes(owner.pk))
    for url in (f"/reset/{owner_uid}/{token}/", f"/reset/{uid}/abc-123/"):
        body = client.get(url, follow=True).content.decode()
        assert "no longer valid" in body and "new_password1" not in body


def test_sign_out_is_a_post_that_ends_the_session(owner):
    client = Client(enforce_csrf_checks=True)
    response = _sign_in(client, owner.email, OLD_PASSWORD)
    assert response.status_code == 403  # the sign-in form needs its CSRF token too
    body = client.get("/login/").content.decode()
    response = client.post(
        "/login/", {"username": owner.email, "password": OLD_PASSWORD, "csrfmiddlewaretoken": _csrf_of(body)}
    )
    assert response.status_code == 302
    session_key = client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()

    page = client.get("/").content.decode()
    sign_out = re.search(r'<form method="post" action="/logout/"[^>]*>(.*?)</form>', page, re.S)
    assert sign_out and "Sign out" in sign_out[1]
    # A link or a forged form does not sign anyone out.
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 403
    assert client.get("/").status_code == 200

    response = client.post("/logout/", {"csrfmiddlewaretoken": _csrf_of(sign_out[1])})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not Session.objects.filter(session_key=session_key).exists()
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/projects/"


def test_changing_ones_password_is_a_page_of_ours_reached_from_the_name_in_the_bar(owner):
    page = Client()
    page.force_login(owner)
    assert 'href="/password_change/"' in page.get("/").content.decode()
    form = page.get("/password_change/").content.decode()
    assert "Change your password" in form and "Vendordesk" in form and "Django administration" not in form
    done = page.post(
        "/password_change/",
        {"old_password": OLD_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in done.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
