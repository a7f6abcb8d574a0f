"""Every operation of the generated schema, three ways (DESIGN.md §7): without credentials; as account A
naming account B's rows; as a field user of A naming a project of A that is not theirs. None may answer
with the other side's data or change its rows.

The walk reads the schema, so a new endpoint is walked without editing this file; one whose path names a
resource the fixtures do not know fails loudly (add it to RESOURCES and make_tenant() in conftest.py).
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from accounts.models import ApiKey, User, UserToken
from integrations.models import Integration, IntegrationEvent, RefreshRun, RelayItem
from integrations.share.models import HandOver, ShareLink
from photos.models import Photo
from projects.models import CheckIn, Project, ProjectEvent, Task
from surveys.models import ProjectSurvey, Survey, SurveyResponse
from tests.factories import AccountFactory
from wms_addons.models import WmsAddon, WmsDelivery

from .conftest import UnfilledPath, fill_path, make_tenant, resources_of

pytestmark = pytest.mark.django_db

# Body fields that name a row: in the walk they name the other side's, so a body cannot reach across
# accounts either.
REFERENCE_FIELDS = {
    "user": "user",
    "default_assignee": "user",
    "ids": "photo",
    "api_key": "api_key",
    "task": "task",
    "share": "share",
    "projects": "project",
}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return _resolve(schema, node[combined][0])
    return node


def _value(schema: dict, node: dict, name: str, refs: dict[str, int]):
    if name in REFERENCE_FIELDS and REFERENCE_FIELDS[name] in refs:
        ref = refs[REFERENCE_FIELDS[name]]
        return [ref] if _resolve(schema, node).get("type") == "array" else ref
    node = _resolve(schema, node)
    if "enum" in node:
        return next(v for v in node["enum"] if v is not None)
    kind, fmt = node.get("type"), node.get("format")
    if kind == "string":
        return {
            "date": "2030-01-02",
            "date-time": "2030-01-02T03:04:05Z",
            "email": f"walk-{uuid.uuid4().hex[:8]}@example.test",
            "uri": "https://example.test/hook",
            "uuid": str(uuid.uuid4()),
            "decimal": "1.5",
        }.get(fmt, "walk")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if kind == "array":
        return [_value(schema, node.get("items", {}), "", refs)] if node.get("minItems") else []
    return {}


def minimal_body(schema: dict, operation: dict, refs: dict[str, int]) -> tuple[dict, str]:
    """A body with the required fields and every reference field (naming ``refs``), and its format."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return {}, "json"
    if "application/json" not in content:
        # Multipart uploads: an empty form; the row is looked up before the form is read.
        return {}, "multipart"
    node = _resolve(schema, content["application/json"]["schema"])
    required = set(node.get("required", ()))
    return {
        name: _value(schema, prop, name, refs)
        for name, prop in node.get("properties", {}).items()
        if name in required or name in REFERENCE_FIELDS
    }, "json"


def snapshot(account) -> dict:
    """Every row of ``account`` of every kind the API touches, as plain values."""
    querysets = {
        "project": Project.objects.filter(account=account),
        "task": Task.objects.filter(project__account=account),
        "photo": Photo.objects.filter(account=account),
        "event": ProjectEvent.objects.filter(account=account),
        "check_in": CheckIn.objects.filter(project__account=account),
        "survey": Survey.objects.filter(account=account),
        "project_survey": ProjectSurvey.objects.filter(project__account=account),
        "response": SurveyResponse.objects.filter(project__account=account),
        "integration": Integration.objects.filter(account=account),
        "run": RefreshRun.objects.filter(integration__account=account),
        "import_log": IntegrationEvent.objects.filter(integration__account=account),
        "relay_item": RelayItem.objects.filter(project__account=account),
        "addon": WmsAddon.objects.filter(account=account),
        "delivery": WmsDelivery.objects.filter(addon__account=account),
        "user": User.objects.filter(account=account),
        "api_key": ApiKey.objects.filter(account=account),
        "token": UserToken.objects.filter(user__account=account),
        "share": ShareLink.objects.filter(account=account),
        "hand_over": HandOver.objects.filter(project__account=account),
    }
    return {
        kind: [
            model_to_dict(row, fields=[f.name for f in row._meta.concrete_fields])
            for row in qs.order_by("pk")
        ]
        for kind, qs in querysets.items()
    }


# Operations anyone may call: signing in for a token. Without valid credentials they must still refuse (400),
# and never answer anyone's data.
PUBLIC = {("POST", "/api/v1/tokens/")}


def call(client: APIClient, method: str, url: str, body: dict, fmt: str):
    return getattr(client, method.lower())(url, body or None, format=fmt)


def fillable(operations):
    """Operations split into those with path parameters and those without; fails on an unknown resource."""
    unfilled, with_params, without = [], [], []
    for method, path, operation in operations:
        try:
            (with_params if resources_of(path) else without).append((method, path, operation))
        except UnfilledPath as exc:
            unfilled.append(f"{method} {exc}")
    if unfilled:
        pytest.fail(
            "The tenancy walk cannot fill these operations; add their resource to RESOURCES and "
            "make_tenant() in tests/api/conftest.py:\n" + "\n".join(unfilled)
        )
    assert with_params and without, "the schema lost its operations?"
    return with_params, without


@pytest.fixture
def tenants():
    a = make_tenant(AccountFactory(), "ALPHA-" + uuid.uuid4().hex[:6], assign=False)
    b = make_tenant(AccountFactory(), "BRAVO-" + uuid.uuid4().hex[:6])
    return a, b


def test_no_credentials_never_answer_data(api_operations, tenants):
    schema, operations = api_operations
    a, b = tenants
    before = snapshot(b.account)
    with_params, without = fillable(operations)
    failures = []
    for method, path, operation in with_params + without:
        body, fmt = minimal_body(schema, operation, b.ids)
        response = call(APIClient(), method, fill_path(path, b.ids), body, fmt)
        refusals = (400,) if (method, path) in PUBLIC else (401, 403)
        if response.status_code not in refusals or b.marker.encode() in response.content:
            failures.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "answered without credentials:\n" + "\n".join(failures)
    assert snapshot(b.account) == before


def _as_owner(tenant) -> APIClient:
    client = APIClient()
    client.force_authenticate(tenant.owner)
    return client


def _as_api_key(tenant) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {tenant.api_key}")
    return client


@pytest.mark.parametrize("caller", [_as_owner, _as_api_key], ids=["owner", "api-key"])
def test_another_accounts_ids_answer_404(api_operations, tenants, caller):
    schema, operations = api_operations
    a, b = tenants
    before = snapshot(b.account)
    with_params, without = fillable(operations)
    failures = []
    for method, path, operation in with_params:
        resources = [resource for _, resource in resources_of(path)]
        # Every mix of A's and B's rows with at least one of B's: /projects/<A>/surveys/<B> is a leak too.
        for owners in itertools.product((a, b), repeat=len(resources)):
            if b not in owners:
                continue
            ids = {**a.ids, **{r: t.ids[r] for r, t in zip(resources, owners, strict=True)}}
            body, fmt = minimal_body(schema, operation, b.ids)
            response = call(caller(a), method, fill_path(path, ids), body, fmt)
            if response.status_code not in (403, 404) or b.marker.encode() in response.content:
                failures.append(
                    f"{method} {path} {[t.marker[:5] for t in owners]}: "
                    f"{response.status_code} {response.content[:200]!r}"
                )
    for method, path, operation in without:
        # No id in the path: B's ids go in the body instead, and nothing of B's may come back.
        body, fmt = minimal_body(schema, operation, b.ids)
        response = call(caller(a), method, path, body, fmt)
        if response.status_code >= 500 or b.marker.encode() in response.content:
            failures.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "reached another account:\n" + "\n".join(failures)
    assert snapshot(b.account) == before


def test_field_user_cannot_reach_a_project_not_assigned_to_them(api_operations, tenants):
    schema, operations = api_operations
    a, b = tenants  # A's project is not assigned to A's field user
    client = APIClient()
    client.force_authenticate(a.field_user)
    before = snapshot(a.account)
    with_params, without = fillable(operations)
    failures = []
    for method, path, operation in with_params:
        body, fmt = minimal_body(schema, operation, a.ids)
        response = call(client, method, fill_path(path, a.ids), body, fmt)
        if response.status_code not in (403, 404) or a.marker.encode() in response.content:
            failures.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    for method, path, _ in without:
        if method != "GET":
            continue
        response = client.get(path)
        if response.status_code >= 500 or a.marker.encode() in response.content:
            failures.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "a field user reached a project not theirs:\n" + "\n".join(failures)
    assert snapshot(a.account) == before


def test_a_path_naming_an_unknown_resource_fails_loudly():
    with pytest.raises(UnfilledPath, match="shelves"):
        resources_of("/api/v1/shelves/{id}/")
    assert fill_path("/api/v1/projects/{id}/surveys/{survey_id}/response", {"project": 3, "survey": 9}) == (
        "/api/v1/projects/3/surveys/9/response"
    )
