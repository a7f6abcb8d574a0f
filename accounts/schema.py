"""OpenAPI descriptions of the API's own ways in (drf-spectacular finds them once this module is imported)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An account's add-on key: `Api-Key <key>`.",
        }


class UserTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.UserTokenAuthentication"
    name = "UserToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A user's own token (the field app): `Token <key>`.",
        }
