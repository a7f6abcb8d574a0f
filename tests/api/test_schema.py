"""What the generated OpenAPI schema says about values a client must choose among."""

from __future__ import annotations

from accounts.models import KEY_ROLES, Role


def _role_enum(schema: dict, component: str) -> dict:
    prop = schema["components"]["schemas"][component]["properties"]["role"]
    ref = (prop.get("allOf") or [prop])[0]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_an_api_keys_role_is_an_enum_of_the_roles_a_key_may_have(api_operations):
    schema, _ = api_operations
    for component in ("ApiKeyOutput", "ApiKeyCreatedOutput", "ApiKeyCreateInputRequest"):
        enum = _role_enum(schema, component)
        assert enum["type"] == "string", component
        assert enum["enum"] == [value for value, _ in KEY_ROLES] == [Role.ADMIN, Role.COORDINATOR], component
    # The sub-users' role keeps its own enum, of all four.
    assert _role_enum(schema, "UserOutput")["enum"] == Role.values
