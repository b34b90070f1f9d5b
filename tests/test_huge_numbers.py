"""Numbers no column holds — 1e999, -1e999, NaN, Infinity, an integer beyond 64 bits — are refused with a 4xx
wherever they can be typed (issue 19, 7): a JSON field of any write of the API, a numeric query parameter of any
list, an id in a page's address, an admin list's filter and an admin page's address. Never a 500, on SQLite (whose
driver raises OverflowError beyond 64 bits) and PostgreSQL. The operations are read from the served schema and the
URL patterns, so a new endpoint is probed without being listed here."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, UserFactory
from tickets.models import WorkOrder

# As JSON literals (Python's json module reads 1e999 as inf and NaN as nan) and as query strings.
BAD_NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", str(2**64), str(-(2**64)), str(2**63)]
HUGE_ID = str(2**64)


@pytest.fixture
def root(org, people):
    user = UserFactory(username="root", unit=org.center, role="supervisor", is_staff=True, is_superuser=True)
    CustomerFactory()
    return user


@pytest.fixture
def api(root):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(root)
    return client


@pytest.fixture
def page(root):
    client = Client(raise_request_exception=False)
    client.force_login(root)
    return client


def schema(api) -> dict:
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = document["components"]["schemas"][name]
    return node


def numeric(node: dict) -> bool:
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    return "integer" in types or "number" in types


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def write_cases(document: dict) -> list[tuple[str, str, str]]:
    cases = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            body = resolve(document, content["schema"])
            for name, field in body.get("properties", {}).items():
                field = resolve(document, field)
                items = resolve(document, field.get("items", {}))
                if numeric(field) or (field.get("type") == "array" and numeric(items)):
                    cases.append((method, concrete(path), name))
    return cases


def query_cases(document: dict) -> list[tuple[str, str]]:
    return [(concrete(path), parameter["name"])
            for path, operations in document["paths"].items()
            for method, operation in operations.items() if method == "get"
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query" and numeric(resolve(document, parameter.get("schema", {})))]


def literal(number: str, *, array: bool) -> str:
    return f"[{number}]" if array else number


@pytest.mark.django_db
def test_every_numeric_json_field_of_every_write_refuses_numbers_no_column_holds(api):
    document = schema(api)
    cases = write_cases(document)
    assert len(cases) >= 10, cases  # the probe reads the schema: it must find the writes' numeric fields
    before = WorkOrder.objects.count()
    failures = []
    for method, path, name in cases:
        for number in BAD_NUMBERS:
            for array in (False, True):
                body = f'{{"{name}": {literal(number, array=array)}}}'
                response = getattr(api, method)(path, body, content_type="application/json")
                # a 400 says why: the JSON itself (a number out of range) or this field
                refused = 400 <= response.status_code < 500 and (
                    response.status_code != 400 or response.json().get("code") == "parse_error"
                    or name in response.content.decode())
                if not refused:
                    failures.append(f"{method.upper()} {path} {body} → {response.status_code} "
                                    f"{response.content[:120]!r}")
    assert failures == [], "\n".join(failures)
    assert WorkOrder.objects.count() == before


@pytest.mark.django_db
def test_every_numeric_query_parameter_refuses_numbers_no_column_holds(api):
    cases = query_cases(schema(api))
    assert len(cases) >= 5, cases
    failures = []
    for path, name in cases:
        for number in BAD_NUMBERS:
            response = api.get(path, {name: number})
            if not 400 <= response.status_code < 500:
                failures.append(f"GET {path}?{name}={number} → {response.status_code}")
    assert failures == [], "\n".join(failures)


def patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


@pytest.mark.django_db
def test_an_id_beyond_64_bits_in_any_pages_address_is_a_404(page):
    routes = [route for route in patterns(get_resolver()) if "<int:" in route and not route.startswith("api/")]
    assert len(routes) >= 5, routes
    failures = []
    for route in routes:
        path = "/" + re.sub(r"<int:[^>]+>", HUGE_ID, re.sub(r"<(?:str|slug):[^>]+>", "x", route)).lstrip("^")
        response = page.get(path)
        if response.status_code >= 500:
            failures.append(f"GET {path} → {response.status_code}")
    assert failures == [], "\n".join(failures)


@pytest.mark.django_db
def test_admin_lists_and_pages_refuse_ids_beyond_64_bits(page):
    failures = []
    for model in [model for model in apps.get_models() if admin.site.is_registered(model)]:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        probes = [f"{base}{HUGE_ID}/change/", f"{base}{HUGE_ID}/history/", f"{base}{HUGE_ID}/delete/"]
        probes += [f"{base}?{field.name}__exact={number}" for field in model._meta.fields
                   if field.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField",
                                                    "PositiveIntegerField", "ForeignKey", "SmallIntegerField",
                                                    "PositiveSmallIntegerField", "DecimalField")
                   for number in ("1e999", "NaN", HUGE_ID)]
        for path in probes:
            response = page.get(path)
            if response.status_code >= 500:
                failures.append(f"GET {path} → {response.status_code}")
    assert failures == [], "\n".join(failures)
