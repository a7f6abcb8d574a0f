import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from config import crypto
from integrations.models import Integration
from integrations.services import integration_update, integration_validate

pytestmark = pytest.mark.django_db


def test_credentials_are_encrypted_at_rest(fastrack, vendor):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM integrations_integration WHERE id = %s", [fastrack.pk]
        )
        stored = cursor.fetchone()[0]
    assert vendor[1] not in stored and vendor[0] not in stored
    assert fastrack.get_credentials() == {"username": vendor[0], "password": vendor[1]}


def test_validate_success_and_changed_credentials_hold_until_validated(fastrack, vendor, owner):
    from accounts.actors import Actor

    ok, message = integration_validate(integration=fastrack)
    assert ok and message == "Success" and fastrack.health == "ok" and fastrack.last_validated_at
    integration_update(
        integration=fastrack,
        actor=Actor.for_user(owner),
        credentials={"username": vendor[0], "password": "typo"},
    )
    assert fastrack.health == "unknown"
    assert integration_validate(integration=fastrack)[0] is False


def test_unreadable_credentials_say_so(fastrack, settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()  # the old key is gone
    fastrack = Integration.objects.get(pk=fastrack.pk)
    assert fastrack.credentials_state == "unreadable"
    ok, message = integration_validate(integration=fastrack)
    assert not ok and message == "Credentials unreadable, enter them again."


def test_rotate_field_keys(fastrack, settings, vendor):
    old = settings.FIELD_ENCRYPTION_KEY
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "integration credentials: re-encrypted 1, unreadable 0." in out.getvalue()
    settings.FIELD_ENCRYPTION_KEY = new  # the old key can now be dropped
    assert Integration.objects.get(pk=fastrack.pk).get_credentials()["password"] == vendor[1]
    with pytest.raises(crypto.CredentialsUnreadable):
        crypto.decrypt_json("not-a-token")


def test_add_integration_and_refresh_commands(account, sandbox, vendor):
    from integrations.fastrack.sandbox.testing import make_order

    sandbox.add_orders(vendor[0], [make_order("31"), make_order("31"), make_order("32")])
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "add_integration",
        account=account.slug,
        kind="fastrack",
        base_url=sandbox.url,
        username=vendor[0],
        password=vendor[1],
        qa_in_office=True,
        stdout=out,
        stderr=err,
    )
    integration = Integration.objects.get(pk=int(out.getvalue().strip()))
    assert integration.qa_in_field is False and integration.health == "ok" and "Success" in err.getvalue()
    out = io.StringIO()
    call_command("refresh", str(integration.pk), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any(line.endswith(" Skipping duplicate order:31") for line in lines)
    assert json.loads(lines[-1]) == {
        "status": "succeeded",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 1,
        "closed": 0,
    }
