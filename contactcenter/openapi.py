"""The API's OpenAPI schema class (settings ``DEFAULT_SCHEMA_CLASS``): drf-spectacular's, plus the error answers
that every endpoint can give, documented in one place as they are produced in one place
(``contactcenter.errors.exception_handler``, the JSON error views and the request-limits middleware).

What an operation may answer besides its own documented responses:

* 400 — always (a malformed body, too many query fields, an invalid filter, a field's rule): either
  ``{"detail", "code"}`` or DRF's field errors ``{"field": ["message", …]}`` (schema ``ValidationError``);
* 401 and 403 — when it needs a signed-in user: 401 without (valid) credentials, 403 when the role may not;
* 404 — when its path names an object, and for a paginated list (a page past the end).

A response an endpoint documents itself (``extend_schema``) keeps its description; a 400 gets the
``ValidationError`` schema either way, since the field errors come from the same handler.

Where drf-spectacular's reading of a serializer says less than the data: a read-only field of a model serializer
that can be null or blank says so in the serializer (``contactcenter.drf.ModelSerializer``); and

* a time of day (``TimeField``, e.g. a shift's start ``08:00:00``) is a wall-clock time without offset, not JSON
  Schema's ``time`` (RFC 3339 ``full-time``, which requires one).

The API's fuzz test (tests/test_fuzz_api.py) holds every response to this schema.
"""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_bearer_security_scheme_object, get_doc
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from .drf import MethodsFirst

JSON = "application/json"


class TokenScheme(OpenApiAuthenticationExtension):
    """The API token (``contactcenter.auth.CachedTokenAuthentication``): ``Authorization: Token <token>``."""

    target_class = "contactcenter.auth.CachedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")

ERROR = {"$ref": "#/components/schemas/Error"}
VALIDATION_ERROR_NAME = "ValidationError"
FIELD_ERRORS_NAME = "FieldErrors"
FIELD_ERRORS = {  # named, and nested by reference: generators (openapi-python-client) build no inline object union
    "type": "object",
    "description": "Each invalid field with its messages, or for a nested field its own FieldErrors.",
    "minProperties": 1,
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}},
                  {"$ref": f"#/components/schemas/{FIELD_ERRORS_NAME}"}],
    },
}
VALIDATION_ERROR = {
    "description": 'Either {"detail", "code"} (with the offending "field" for some), or the invalid fields, each '
                   'with its messages (a nested object for a nested field; "non_field_errors" for the whole body).',
    "oneOf": [ERROR, {"$ref": f"#/components/schemas/{FIELD_ERRORS_NAME}"}],
}
TIME_OF_DAY = {"format": "partial-time", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"}
DESCRIPTIONS = {
    "400": "Invalid input",
    "401": "Not signed in: no credentials, or a token that is not valid",
    "403": "Not permitted for this user's role",
    "404": "Not found (or not visible to this user; for a list: a page past the end)",
    "409": "Conflict: not allowed in the current state, or a copy of a request (same Idempotency-Key) still being "
           "answered",
    "422": "This Idempotency-Key was used for another request (code idempotency_key_reused)",
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (a UUID): the same POST sent again with it — a retry after a timeout, a double "
                "click — gets the first answer (header Idempotent-Replayed: true), with no second effect, for "
                "IDEMPOTENCY_HOURS (24); the same key with another request → 422.")


class AutoSchema(openapi.AutoSchema):
    def get_description(self) -> str:
        """The view's or action's own docstring; never the one of our mixin ``MethodsFirst``."""
        description = super().get_description()
        return "" if description == get_doc(MethodsFirst) else description

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_KEY] if self._idempotent() else parameters

    def _idempotent(self) -> bool:
        from .drf import Idempotent

        return self.method == "POST" and isinstance(self.view, Idempotent)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None or not path.startswith("/api/"):
            return operation
        self._register_error_schemas()
        responses = operation["responses"]
        for code in self._error_codes(path):
            response = responses.setdefault(code, {"description": DESCRIPTIONS[code]})
            if code == "409" and "content" in response:
                continue  # the operation's own conflict answer (a transition's), which says more
            response["content"] = {JSON: {"schema": {"$ref": f"#/components/schemas/{VALIDATION_ERROR_NAME}"}
                                          if code == "400" else ERROR}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, path: str) -> list[str]:
        codes = ["400"]
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in path or self._paginated_list():
            codes.append("404")
        if self._idempotent():
            codes += ["409", "422"]
        return codes

    def _paginated_list(self) -> bool:
        """A GET of a list that pages: a viewset's ``list``, or a plain view with a paginator (the audit trail)."""
        view = self.view
        is_list = getattr(view, "action", None) in ("list", None)
        return self.method == "GET" and is_list and getattr(view, "pagination_class", None) is not None

    def _register_error_schemas(self) -> None:
        from .drf import ErrorSerializer  # the Error component every app's annotations use

        self.resolve_serializer(ErrorSerializer, "response")
        self.registry.register_on_missing(ResolvedComponent(
            name=FIELD_ERRORS_NAME, type=ResolvedComponent.SCHEMA, object=FIELD_ERRORS_NAME, schema=FIELD_ERRORS,
        ))
        self.registry.register_on_missing(ResolvedComponent(
            name=VALIDATION_ERROR_NAME, type=ResolvedComponent.SCHEMA, object=VALIDATION_ERROR_NAME,
            schema=VALIDATION_ERROR,
        ))


class TimeOfDay(OpenApiSerializerFieldExtension):
    """A ``TimeField`` is a wall-clock time of day (drf-spectacular's public extension point for a field class)."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", **TIME_OF_DAY}
