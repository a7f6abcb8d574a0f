"""OpenAPI postprocessing: every operation documents the error answers it can give, in the one shape
``config/api/exceptions.py`` gives them (``{"detail", "code"}``, with ``errors`` per field or question)."""

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "What went wrong, for programs (e.g. not_found, invalid)."},
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "Per field: its messages; per survey question (invalid_answers): one message.",
        },
    },
    "required": ["detail", "code"],
}
REF = {"$ref": "#/components/schemas/Error"}
WHY = {
    "400": "The request is not valid: see errors.",
    "401": "No credentials, or credentials that do not work.",
    "403": "Your role, or your key, may not do this.",
    "404": "No such row in your account (another account's id included).",
}


def document_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["401", "403"] if operation.get("security") != [{}] else []
            if "{" in path:
                codes.append("404")
            if "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            ):
                codes.append("400")
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": WHY[code], "content": {"application/json": {"schema": REF}}}
                )
    return result
