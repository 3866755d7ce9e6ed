"""drf-spectacular hooks: the schema says what the API really answers."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "description": "A readable error: a stable `code`, a sentence in `detail`, or per-field "
    "messages (`{field: [messages]}`) for invalid input.",
    "properties": {
        "code": {"type": "string", "example": "invalid"},
        "detail": {"type": "string"},
    },
    "required": ["code"],
    "additionalProperties": True,
}

DESCRIPTIONS = {
    "400": "Invalid input (a body field, a filter, `page` or `page_size`): `detail` or per-field "
    "messages say what.",
    "401": "Not signed in: send a session cookie or `Authorization: Token <key>`.",
    "403": "Signed in, but this is not yours to do: `detail` says who may.",
    "404": "No such object, not one you can see, or a page past the last.",
    "405": "This method is not allowed here.",
    "406": "Only JSON is served.",
    "415": "Send JSON (or a form) as the request body.",
}


NO_NUL = "^[^\\x00]*$"


def _no_nul_strings(schema: Any) -> None:
    """Text the API accepts never holds a NUL character: say so in every request string."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and "enum" not in schema:
            schema.setdefault("pattern", NO_NUL)
        for key in ("properties",):
            for value in schema.get(key, {}).values():
                _no_nul_strings(value)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                _no_nul_strings(schema[key])
        for key in ("allOf", "anyOf", "oneOf"):
            for value in schema.get(key, []):
                _no_nul_strings(value)


def _query_parameter(parameter: dict[str, Any]) -> None:
    schema = parameter.get("schema", {})
    if schema.get("type") == "string" and schema.get("format") in ("date", "date-time"):
        # An empty value means "no filter", as in an HTML form.
        parameter["schema"] = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
    elif schema.get("type") == "string" and "enum" not in schema:
        schema.setdefault("pattern", NO_NUL)


def describe_input_rules(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Rules every input follows that drf-spectacular cannot infer: no NUL in any text (request
    bodies and query strings), an empty date filter is no filter."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            _no_nul_strings(component)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _query_parameter(parameter)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _no_nul_strings(media.get("schema"))
    return result


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """Every operation documents the errors every operation can answer (the checks of
    tests/test_api_schemathesis.py hold the API to them), with one shared Error schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "405", "406"]
            if "requestBody" in operation:
                codes.append("415")
            if path.endswith("/auth/token/"):
                codes.remove("401")
            for code in codes:
                response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
                response.setdefault("content", ref)
    return result
