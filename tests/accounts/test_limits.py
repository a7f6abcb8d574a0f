"""Rate limits of the pages anyone can post to (accounts/limits.py): sign-in, the reset e-mail, sign-up."""

import pytest
from django.core import mail
from django.test import Client

from accounts import limits

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # every factory user's


def test_sign_in_stops_checking_passwords_past_the_limit_and_a_success_clears_the_count(owner):
    client = Client()
    for i in range(limits.SIGN_IN_PER_EMAIL.tries - 1):
        assert client.post("/login/", {"username": owner.email, "password": f"guess-{i}"}).status_code == 200
    # One short of the limit: the right password still signs in, and the e-mail's count starts again.
    assert client.post("/login/", {"username": owner.email, "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    for i in range(limits.SIGN_IN_PER_EMAIL.tries):
        client.post("/login/", {"username": owner.email, "password": f"guess-{i}"})
    refused = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert f'value="{owner.email}"' in refused.content.decode()  # the form comes back filled in
    # Another e-mail from the same address is not held back by this one's count.
    assert client.post("/login/", {"username": "other@example.test", "password": "x"}).status_code == 200


def test_sign_up_is_limited_per_address(db):
    client = Client()
    for _ in range(limits.SIGN_UP_PER_ADDRESS.tries):
        assert client.post("/signup/", {"company": ""}).status_code == 200  # refused form, counted
    limited = client.post("/signup/", {"company": "Acme"})
    assert limited.status_code == 429 and "Too many sign-ups from here" in limited.content.decode()


def test_reset_e_mails_stop_but_the_page_says_the_same(owner):
    client = Client()
    answers = [client.post("/password_reset/", {"email": owner.email}) for _ in range(5)]
    assert {a.status_code for a in answers} == {302} and {a["Location"] for a in answers} == {
        "/password_reset/done/"
    }
    assert len(mail.outbox) == limits.RESET_PER_EMAIL.tries
