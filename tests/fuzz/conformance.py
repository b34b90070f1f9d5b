"""Hold one response of Django's test client to the OpenAPI schema the app serves, with schemathesis' checks (the
fuzzer's, for a single request written by hand): the status code and content type are documented for the
operation and the body matches the schema documented for that status."""

import re

import requests
import schemathesis
from django.test import Client
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


_served = {}  # the schema depends on the code only: fetched once per test process


def served_schema(user):
    """/api/v1/schema/ as JSON, asked for by ``user`` (the schema is served to signed-in users), loaded by
    schemathesis."""
    if "schema" not in _served:
        client = Client()
        client.force_login(user)
        response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200, response.content[:300]
        _served["schema"] = schemathesis.openapi.from_dict(response.json())
    return _served["schema"]


def assert_conforms(schema, response, *, method: str, path: str) -> None:
    """``response`` (Django's test client's) is what ``schema`` (``served_schema``) documents for ``method path``
    (the template, e.g. ``/api/v1/calls/{id}/``); raises schemathesis' FailureGroup (each violation explained)
    otherwise."""
    operation = schema[path][method.upper()]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    request = requests.Request(method.upper(), f"http://testserver{response.request['PATH_INFO']}").prepare()
    headers = {name.lower(): [value] for name, value in response.headers.items()}
    wrapped = schemathesis.Response(status_code=response.status_code, headers=headers, content=content,
                                    request=request, elapsed=0.0, verify=True)
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    sent = re.fullmatch(pattern, response.request["PATH_INFO"])
    assert sent, f"{response.request['PATH_INFO']} is not {path}"
    case = operation.Case(path_parameters=sent.groupdict())
    case.validate_response(wrapped, checks=CHECKS)
