"""The contracts of DESIGN.md §7 (the REST API) and §10 (the commands), where no other test held the app to
them: the error shape of every kind of refusal, the project list's filters and a field user's view of it,
the project detail, write-only credentials, secrets shown once, the commands' arguments and output, and what
the OpenAPI schema says about all of it.

Tests marked ``xfail(strict=True)`` state what the contract promises and the app does not do yet: each
reason names the difference. Remove the mark with the fix."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import datetime

import jsonschema
import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.models import Account, ApiKey, Role
from integrations.models import Integration, IntegrationEvent
from projects.models import Project, ProjectStatus
from projects.services import project_delete
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.integrations.helpers import make_order
from tests.photos.conftest import upload_file

from .conftest import dead_url, make_tenant

pytestmark = pytest.mark.django_db

API = "/api/v1"
LOG_LINE = re.compile(r"(\d\d-\d\d-\d{4} \d\d:\d\d:\d\d) (.+)")
REFRESH_COUNTS = {"status", "created", "updated", "unchanged", "skipped", "closed"}


def _ids(client, url, **params) -> set[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def _refusal(response, status: int, code: str) -> dict:
    """A refusal as §7 has it: JSON ``{"detail", "code"}``, ``errors`` per field on a 400 of bad input."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code, body
    # Bad input names its fields under ``errors``; any other refusal is the two keys alone.
    assert set(body) == ({"detail", "code", "errors"} if code == "invalid" else {"detail", "code"}), body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


def _as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# OpenAPI 3.0 schema nodes checked as JSON Schema: ``nullable`` becomes a union with null, and the node's
# ``$ref``s resolve against the schema's components.


def _jsonable(node):
    if isinstance(node, dict):
        out = {key: _jsonable(value) for key, value in node.items() if key != "nullable"}
        return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") is True else out
    if isinstance(node, list):
        return [_jsonable(value) for value in node]
    return node


def _schema_errors(schema: dict, node: dict, body) -> list[str]:
    document = {**_jsonable(node), "components": _jsonable(schema["components"])}
    return [error.message for error in jsonschema.Draft202012Validator(document).iter_errors(body)]


def _response_schema(schema: dict, method: str, path: str, status: int) -> dict:
    responses = schema["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} documents {sorted(responses)}, not {status}"
    return responses[str(status)]["content"]["application/json"]["schema"]


# Errors: JSON {"detail", "code"} with per-field errors


def test_every_kind_of_refusal_is_json_with_detail_and_code(owner_client, field_user, account, other_account):
    project = ProjectFactory(account=account, assignee=field_user)
    theirs = ProjectFactory(account=other_account)
    _refusal(owner_client.put(f"{API}/projects/{project.pk}/", {}, format="json"), 405, "method_not_allowed")
    _refusal(
        owner_client.generic("POST", f"{API}/projects/", "{not json", content_type="application/json"),
        400,
        "parse_error",
    )
    _refusal(
        owner_client.generic("POST", f"{API}/projects/", "name=x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )
    _refusal(_as(field_user).post(f"{API}/projects/{project.pk}/close"), 403, "permission_denied")
    _refusal(owner_client.get(f"{API}/projects/{theirs.pk}/"), 404, "not_found")
    _refusal(owner_client.get(f"{API}/projects/", {"page": 99}), 404, "not_found")
    _refusal(APIClient().get(f"{API}/projects/"), 401, "not_authenticated")


def test_bad_input_is_named_field_by_field_nested_ones_included(owner_client):
    response = owner_client.post(
        f"{API}/integrations/",
        {"kind": "nope", "name": "", "credentials": {"username": "u", "password": "x" * 201}},
        format="json",
    )
    errors = _refusal(response, 400, "invalid")["errors"]
    assert set(errors) == {"kind", "name", "credentials"}
    assert isinstance(errors["kind"], list) and isinstance(errors["name"], list)
    assert set(errors["credentials"]) == {"password"} and errors["credentials"]["password"]
    assert not Integration.objects.exists()


def test_a_service_refusal_is_a_400_with_its_message_as_the_detail(coordinator_client, account):
    project = ProjectFactory(account=account, status=ProjectStatus.CLOSED)
    body = _refusal(coordinator_client.post(f"{API}/projects/{project.pk}/complete"), 400, "invalid")
    assert body["detail"] == f"{project.name} is closed, not open."
    assert body["errors"] == {"non_field_errors": [body["detail"]]}


# /projects/: filters, pagination, a field user's own projects only


def test_project_list_filters_refuse_values_they_cannot_read_naming_the_parameter(owner_client, account):
    ProjectFactory(account=account)
    for param, value in [
        ("status", "bogus"),
        ("integration", "abc"),
        ("due_before", "never"),
        ("updated_since", "soon"),
    ]:
        body = _refusal(owner_client.get(f"{API}/projects/", {param: value}), 400, "invalid")
        assert set(body["errors"]) == {param}, body


def test_project_list_by_integration_and_search_by_address_or_city(owner_client, account):
    afs = Integration.objects.create(account=account, kind="fastrack", name="AFS")
    imported = ProjectFactory(account=account, integration=afs, source_ref="501", address1="9 Birch Rd")
    manual = ProjectFactory(account=account, address1="12 Cedar Ave", city="Round Rock")
    assert _ids(owner_client, f"{API}/projects/", integration=afs.pk) == {imported.pk}
    assert _ids(owner_client, f"{API}/projects/", search="birch") == {imported.pk}
    assert _ids(owner_client, f"{API}/projects/", search="round rock") == {manual.pk}
    assert _ids(owner_client, f"{API}/projects/", search="501") == {imported.pk}


def test_project_list_pages_keep_their_filters(owner_client, account):
    made = [ProjectFactory(account=account, zip="73301") for _ in range(3)]
    ProjectFactory(account=account, zip="10001")
    first = owner_client.get(f"{API}/projects/", {"zip": "733", "page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    assert "zip=733" in first["next"] and "page=2" in first["next"]
    second = owner_client.get(first["next"]).json()
    assert {p["id"] for p in first["results"] + second["results"]} == {p.pk for p in made}


def test_a_field_user_lists_only_their_projects_whatever_the_filters(field_user, account):
    mine = ProjectFactory(account=account, assignee=field_user, name="Mine")
    crew = UserFactory(account=account, role=Role.FIELD)
    theirs = ProjectFactory(account=account, assignee=crew, name="Theirs")
    ProjectFactory(account=account, name="Nobody's")
    client = _as(field_user)
    assert _ids(client, f"{API}/projects/") == {mine.pk}
    assert _ids(client, f"{API}/projects/", assigned_to=crew.pk) == set()
    assert _ids(client, f"{API}/projects/", assigned_to="none") == set()
    assert _ids(client, f"{API}/projects/", search="Theirs") == set()
    assert _ids(client, f"{API}/projects/", updated_since="2000-01-01T00:00:00Z") == {mine.pk}
    for url in (f"{API}/projects/{theirs.pk}/", f"{API}/projects/{theirs.pk}/events/"):
        _refusal(client.get(url), 404, "not_found")


# /projects/<id>/: read, update unlocked fields only, close by hand


def test_the_detail_carries_tasks_surveys_check_in_and_photo_counts(account):
    tenant = make_tenant(account, "DETAIL")
    body = _as(tenant.owner).get(f"{API}/projects/{tenant.ids['project']}/").json()
    assert [(t["id"], t["name"]) for t in body["tasks"]] == [(tenant.ids["task"], "Lawn")]
    assert [(s["id"], s["form_ref"]) for s in body["surveys"]] == [(tenant.ids["survey"], "F-DETAIL")]
    assert body["check_in"]["abc_number"] == "ABC123456" and body["check_in"]["status"] == "checked_in"
    assert set(body["photo_counts"]) == {"held", "pending_qa", "approved", "rejected"}
    assert sum(body["photo_counts"].values()) == 1


def test_an_imported_projects_client_fields_are_refused_field_by_field(coordinator_client, account):
    afs = Integration.objects.create(account=account, kind="fastrack", name="AFS")
    project = ProjectFactory(account=account, integration=afs, source_ref="77", locked=True, zip="78701")
    url = f"{API}/projects/{project.pk}/"
    body = _refusal(
        coordinator_client.patch(url, {"zip": "00000", "due_date": "2031-01-01"}, format="json"),
        400,
        "invalid",
    )
    assert body["errors"] == {
        "zip": ["This field comes from the client and cannot be changed here."],
        "due_date": ["This field comes from the client and cannot be changed here."],
    }
    changed = coordinator_client.patch(url, {"qa_in_field": False}, format="json")
    assert changed.status_code == 200 and changed.json()["qa_in_field"] is False
    project.refresh_from_db()
    assert project.zip == "78701" and project.due_date is None


def test_close_by_hand_is_recorded_and_kept(coordinator_client, coordinator, account):
    project = ProjectFactory(account=account)
    closed = coordinator_client.post(f"{API}/projects/{project.pk}/close")
    assert closed.status_code == 200, closed.content[:300]
    body = closed.json()
    assert (body["status"], body["closed_reason"], body["closed_by_hand"]) == ("closed", "by_hand", True)
    events = coordinator_client.get(f"{API}/projects/{project.pk}/events/", {"type": "project.closed"})
    [event] = events.json()["results"]
    assert event["actor"]["kind"] == "user" and event["actor"]["user"] == coordinator.pk


# /integrations/: credentials are write-only


def test_credentials_come_back_from_no_integration_answer(owner_client):
    url = dead_url()
    username, password = f"user-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}"
    made = owner_client.post(
        f"{API}/integrations/",
        {"kind": "fastrack", "name": "AFS", "base_url": url, "credentials": {"username": username}},
        format="json",
    )
    assert made.status_code == 400  # half a login is refused (tests/integrations/test_api.py)
    made = owner_client.post(
        f"{API}/integrations/",
        {
            "kind": "fastrack",
            "name": "AFS",
            "base_url": url,
            "credentials": {"username": username, "password": password},
        },
        format="json",
    )
    assert made.status_code == 201, made.content[:300]
    pk = made.json()["id"]
    answers = [
        made,
        owner_client.get(f"{API}/integrations/"),
        owner_client.get(f"{API}/integrations/{pk}/"),
        owner_client.patch(f"{API}/integrations/{pk}/", {"name": "AFS 2"}, format="json"),
        owner_client.patch(
            f"{API}/integrations/{pk}/",
            {"credentials": {"username": username, "password": password + "2"}},
            format="json",
        ),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), answer.content[:300]
        text = answer.content.decode()
        assert username not in text and password not in text
        row = answer.json()["results"][0] if "results" in answer.json() else answer.json()
        assert row["credentials"] == "set"
        assert not {"username", "password", "share_key"} & set(row)


def test_credentials_no_key_can_read_show_as_unreadable_never_a_500(owner_client, account, settings):
    integration = Integration(account=account, kind="fastrack", name="AFS", base_url=dead_url())
    integration.set_credentials({"username": "u", "password": "p"})
    integration.save()
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()  # the key they were written with is gone
    detail = owner_client.get(f"{API}/integrations/{integration.pk}/")
    assert detail.status_code == 200 and detail.json()["credentials"] == "unreadable"
    listed = owner_client.get(f"{API}/integrations/").json()["results"]
    assert [row["credentials"] for row in listed] == ["unreadable"]


# The schema: every route of §7 with its verbs, its filters, enums and secrets as the app has them


CONTRACT_OPERATIONS = {
    ("GET", "/api/v1/projects/"): "200",
    ("POST", "/api/v1/projects/"): "201",
    ("GET", "/api/v1/projects/{id}/"): "200",
    ("PATCH", "/api/v1/projects/{id}/"): "200",
    ("DELETE", "/api/v1/projects/{id}/"): "204",
    ("POST", "/api/v1/projects/{id}/assign"): "200",
    ("POST", "/api/v1/projects/{id}/complete"): "200",
    ("POST", "/api/v1/projects/{id}/publish"): "200",
    ("POST", "/api/v1/projects/{id}/close"): "200",
    ("GET", "/api/v1/projects/{id}/events/"): "200",
    ("POST", "/api/v1/projects/{id}/portal-link"): "200",
    ("GET", "/api/v1/projects/{id}/photos/"): "200",
    ("POST", "/api/v1/projects/{id}/photos/"): "201",
    ("GET", "/api/v1/photos/{id}/"): "200",
    ("PATCH", "/api/v1/photos/{id}/"): "200",
    ("POST", "/api/v1/photos/{id}/approve"): "200",
    ("POST", "/api/v1/photos/{id}/reject"): "200",
    ("POST", "/api/v1/photos/{id}/republish"): "200",
    ("GET", "/api/v1/photos/{id}/file"): "200",
    ("GET", "/api/v1/photos/{id}/thumbnail"): "200",
    ("GET", "/api/v1/projects/{id}/surveys/"): "200",
    ("GET", "/api/v1/projects/{id}/surveys/{survey_id}/response"): "200",
    ("PUT", "/api/v1/projects/{id}/surveys/{survey_id}/response"): "200",
    ("POST", "/api/v1/projects/{id}/surveys/{survey_id}/response/submit"): "200",
    ("POST", "/api/v1/projects/{id}/checkin"): "201",
    ("POST", "/api/v1/projects/{id}/checkin/complete"): "200",
    ("GET", "/api/v1/integrations/"): "200",
    ("POST", "/api/v1/integrations/"): "201",
    ("GET", "/api/v1/integrations/{id}/"): "200",
    ("PATCH", "/api/v1/integrations/{id}/"): "200",
    ("POST", "/api/v1/integrations/{id}/validate"): "200",
    ("POST", "/api/v1/integrations/{id}/refresh"): "202",
    ("POST", "/api/v1/integrations/{id}/apply-settings"): "200",
    ("GET", "/api/v1/refresh-runs/{id}/"): "200",
    ("GET", "/api/v1/integrations/{id}/events/"): "200",
    ("GET", "/api/v1/users/"): "200",
    ("POST", "/api/v1/users/"): "201",
    ("GET", "/api/v1/users/me"): "200",
    ("GET", "/api/v1/wms/addons/"): "200",
    ("POST", "/api/v1/wms/addons/"): "201",
    ("GET", "/api/v1/wms/deliveries/"): "200",
    ("POST", "/api/v1/wms/deliveries/{id}/redeliver"): "200",
    ("GET", "/api/v1/shares/"): "200",
    ("POST", "/api/v1/shares/"): "201",
    ("GET", "/api/v1/shares/{id}/"): "200",
    ("DELETE", "/api/v1/shares/{id}/"): "204",
    ("POST", "/api/v1/projects/{id}/hand-over"): "200",
}


def test_the_schema_has_every_operation_of_the_contract_with_its_success_status(api_operations):
    schema, _ = api_operations
    missing = [
        f"{method} {path} {status}"
        for (method, path), status in CONTRACT_OPERATIONS.items()
        if status not in schema["paths"].get(path, {}).get(method.lower(), {}).get("responses", {})
    ]
    assert not missing, missing


def test_the_schema_describes_the_project_list_filters_and_the_page(api_operations):
    schema, _ = api_operations
    operation = schema["paths"]["/api/v1/projects/"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    filters = {"status", "integration", "assigned_to", "due_before", "zip", "updated_since", "search"}
    assert filters | {"page", "page_size"} <= set(params)
    assert sorted(params["status"]["enum"]) == sorted(ProjectStatus.values)
    assert params["due_before"]["format"] == "date" and params["updated_since"]["format"] == "date-time"
    page = _response_schema(schema, "GET", "/api/v1/projects/", 200)["$ref"].rsplit("/", 1)[1]
    assert {"count", "next", "previous", "results"} <= set(
        schema["components"]["schemas"][page]["properties"]
    )


def test_the_schema_shows_secrets_in_the_answers_that_make_them_only(api_operations):
    schema, operations = api_operations
    secrets = {"key", "secret", "token", "password", "share_key", "username"}
    carrying = {
        name
        for name, component in schema["components"]["schemas"].items()
        if not name.endswith("Request") and secrets & set(component.get("properties", {}))
    }
    assert carrying == {
        "ApiKeyCreatedOutput",
        "TokenCreatedOutput",
        "ShareCreatedOutput",
        "AddonCreatedOutput",
    }
    answered_by = {
        (method, path)
        for method, path, operation in operations
        for response in operation["responses"].values()
        for content in (response.get("content") or {}).values()
        if content["schema"].get("$ref", "").rsplit("/", 1)[-1] in carrying
    }
    assert answered_by == {
        ("POST", "/api/v1/api-keys/"),
        ("POST", "/api/v1/tokens/"),
        ("POST", "/api/v1/shares/"),
        ("POST", "/api/v1/wms/addons/"),
    }
    credentials = schema["components"]["schemas"]["CredentialsInputRequest"]["properties"]
    assert credentials["password"]["writeOnly"] and credentials["share_key"]["writeOnly"]
    assert (
        schema["components"]["schemas"]["IntegrationOutput"]["properties"]["credentials"]["type"] == "string"
    )


def test_the_schema_matches_what_an_upload_of_one_photo_answers(owner_client, account, api_operations):
    schema, _ = api_operations
    project = ProjectFactory(account=account, qa_in_field=False)
    task = TaskFactory(project=project)
    form = {"file": upload_file(), "task": task.pk, "evidence_type": "before", "serial": str(uuid.uuid4())}
    made = owner_client.post(f"{API}/projects/{project.pk}/photos/", form, format="multipart")
    assert made.status_code == 201, made.content[:300]
    path = "/api/v1/projects/{id}/photos/"
    assert not _schema_errors(schema, _response_schema(schema, "POST", path, 201), made.json())


def test_the_schema_matches_what_an_upload_of_several_photos_answers(owner_client, account, api_operations):
    schema, _ = api_operations
    project = ProjectFactory(account=account, qa_in_field=False)
    task = TaskFactory(project=project)
    form = {"file": [upload_file(), upload_file(name="b.jpg")], "task": task.pk, "evidence_type": "before"}
    made = owner_client.post(f"{API}/projects/{project.pk}/photos/", form, format="multipart")
    assert made.status_code == 201 and isinstance(made.json(), list) and len(made.json()) == 2
    path = "/api/v1/projects/{id}/photos/"
    assert not _schema_errors(schema, _response_schema(schema, "POST", path, 201), made.json())


def test_the_schema_documents_the_error_answers(owner_client, account, other_account, api_operations):
    schema, _ = api_operations
    bad = owner_client.post(f"{API}/projects/", {}, format="json")
    node = _response_schema(schema, "POST", "/api/v1/projects/", 400)
    assert not _schema_errors(schema, node, bad.json())
    theirs = ProjectFactory(account=other_account)
    missing = owner_client.get(f"{API}/projects/{theirs.pk}/")
    node = _response_schema(schema, "GET", "/api/v1/projects/{id}/", 404)
    assert not _schema_errors(schema, node, missing.json())
    _response_schema(schema, "POST", "/api/v1/projects/{id}/surveys/{survey_id}/response/submit", 400)


# §10: the commands, with their arguments and output as written


def test_create_account_prints_the_slug_only_and_its_owner_signs_in(api_client):
    out = io.StringIO()
    call_command(
        "create_account",
        "--name",
        "Contract Preservation",
        "--owner-email",
        "Owner@Contract.test",
        "--owner-password",
        "a long passphrase",
        stdout=out,
    )
    [slug] = out.getvalue().splitlines()
    account = Account.objects.get(slug=slug)
    assert account.name == "Contract Preservation" and account.users.get().role == Role.OWNER
    signed_in = api_client.post(
        f"{API}/tokens/", {"email": "owner@contract.test", "password": "a long passphrase"}, format="json"
    )
    assert signed_in.status_code == 201, signed_in.content[:300]


def test_create_api_key_prints_the_key_once_and_it_acts_as_an_admin_of_the_account(account):
    out = io.StringIO()
    call_command("create_api_key", "--account", account.slug, "--name", "WMS", stdout=out)
    [key] = out.getvalue().splitlines()
    record = ApiKey.objects.get(account=account)
    assert record.name == "WMS" and key not in {str(getattr(record, f.attname)) for f in record._meta.fields}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    me = client.get(f"{API}/users/me").json()
    assert (me["kind"], me["role"], me["account"]["slug"]) == ("api_key", "admin", account.slug)
    with pytest.raises(CommandError):
        call_command("create_api_key", "--account", "no-such-account", "--name", "x", stdout=io.StringIO())


def _refresh_output(*args) -> tuple[list[str], dict]:
    out = io.StringIO()
    call_command("refresh", *args, stdout=out)
    *lines, last = out.getvalue().splitlines()
    return lines, json.loads(last)


def test_refresh_prints_the_log_as_the_ui_shows_it_then_one_json_line(
    account, owner, fastrack, sandbox, vendor
):
    sandbox.add_orders(vendor[0], [make_order("41"), make_order("42")])
    lines, counts = _refresh_output(str(fastrack.pk))
    assert set(counts) == REFRESH_COUNTS and (counts["status"], counts["created"]) == ("succeeded", 2)

    project_delete(project=Project.objects.get(source_ref="41"), actor=Actor.for_user(owner))
    lines, counts = _refresh_output(str(fastrack.pk))
    assert (counts["created"], counts["skipped"]) == (0, 1)
    events = list(
        IntegrationEvent.objects.filter(integration=fastrack).order_by("-run_id", "created_at", "id")
    )
    run_lines = [e for e in events if e.run_id == events[0].run_id]
    assert lines == [e.format_line(account.tzinfo) for e in run_lines]
    assert "Skipping deleted order:41" in [LOG_LINE.fullmatch(line)[2] for line in lines]
    for line in lines:  # MM-DD-YYYY HH:MM:SS in the account's time zone
        stamp = datetime.strptime(LOG_LINE.fullmatch(line)[1], "%m-%d-%Y %H:%M:%S")
        assert abs(timezone.make_aware(stamp, account.tzinfo) - timezone.now()).total_seconds() < 300

    lines, counts = _refresh_output(str(fastrack.pk), "--full")  # the deleted project comes back
    assert (counts["status"], counts["created"], counts["skipped"]) == ("succeeded", 1, 0)
    assert Project.objects.filter(source_ref="41", deleted_at__isnull=True).exists()


def test_a_failed_refresh_still_ends_with_the_json_line_then_fails(fastrack, sandbox, vendor):
    sandbox.set_faults(vendor[0], authDown=True)
    out = io.StringIO()
    with pytest.raises(CommandError, match="Sub-user validation failed"):
        call_command("refresh", str(fastrack.pk), stdout=out)
    *lines, last = out.getvalue().splitlines()
    counts = json.loads(last)
    assert set(counts) == REFRESH_COUNTS and counts["status"] == "failed"
    assert lines and all(LOG_LINE.fullmatch(line) for line in lines)
    with pytest.raises(CommandError, match="No integration"):
        call_command("refresh", "999999999", stdout=io.StringIO())


def test_add_integration_prints_its_id_only_and_keeps_the_password_out_of_its_output(
    account, sandbox, vendor
):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "add_integration",
        "--account",
        account.slug,
        "--kind",
        "fastrack",
        "--base-url",
        sandbox.url,
        "--username",
        vendor[0],
        "--password",
        vendor[1],
        stdout=out,
        stderr=err,
    )
    [pk] = out.getvalue().splitlines()
    integration = Integration.objects.get(pk=int(pk), account=account)
    assert integration.qa_in_field is True and integration.get_credentials()["password"] == vendor[1]
    assert vendor[1] not in out.getvalue() + err.getvalue()


def test_demo_as_written_links_a_fastrack_integration_to_the_sandbox(monkeypatch):
    # Whatever the address, the test must not depend on a sandbox listening there.
    monkeypatch.setattr(
        "integrations.management.commands.demo.integration_validate",
        lambda **kwargs: (False, "not called in tests"),
        raising=False,
    )
    out = io.StringIO()
    call_command("demo", stdout=out)
    account = Account.objects.get(users__email="owner@demo.vendordesk.test")
    integration = Integration.objects.get(account=account, kind="fastrack")
    assert integration.base_url and integration.get_credentials()["username"] == "demo-vendor"
    assert "owner@demo.vendordesk.test" in out.getvalue()
