"""API fuzzing with schemathesis: every operation of our own OpenAPI schema (/api/v1/schema/, as the app serves
it), as each role and as the anonymous, in-process against the Django WSGI application inside pytest-django's
test database, with the demo center's data (tests/fuzz/world.py).

For every operation and role, Hypothesis generates requests that fit the schema (positive) and requests that break
it (negative): wrong types, missing required fields, values out of range. Some of their ids, usernames and codes
are swapped for ones that exist, so requests reach real objects. Every response must

* not be a server error (5xx): bad input is a clear 4xx;
* have a status code the schema documents for the operation, with a documented content type;
* match the schema documented for that status (body, and headers where documented).

Bounded and reproducible: a fixed number of examples per operation, mode and role (``EXAMPLES``), derandomized (the
same requests on every run), no example database, no shrinking (a failure reports the first failing request, with
a curl line to replay it). Each request runs in a savepoint that is rolled back, so a transition or a create never
changes what the next request sees: the run does not depend on the order of operations or on earlier requests.

On a failure the message lists every failing operation with the check, the response and, for a 500, the server's
traceback. Regression tests for what this found are in tests/test_fuzz_regressions.py.
Marker ``fuzz``; runs in ``make test`` (one test per role, so pytest-xdist spreads them).
"""

import collections
import datetime as dt
import json
import os
import traceback
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .fuzz.world import ROLES, build_world

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

NOW = dt.datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday, the early shift on duty
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]

# Examples per operation (positive, negative). The anonymous is refused at the door (401) whatever it sends.
EXAMPLES = {"anonymous": (3, 2)}
DEFAULT_EXAMPLES = (15, 8)
# A longer, different search by hand: FUZZ_EXAMPLES=200,100 (every role) and FUZZ_SEED=<n> (other requests than CI's).
if os.environ.get("FUZZ_EXAMPLES"):
    EXAMPLES, DEFAULT_EXAMPLES = {}, tuple(int(n) for n in os.environ["FUZZ_EXAMPLES"].split(","))
SEED = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None


@pytest.fixture
def world(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path / "media"  # the done report's file
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' WSGI client's host
    time_machine.move_to(NOW, tick=False)  # the same data (deadlines, the shift on duty) on every run
    return build_world()


@pytest.fixture
def wsgi_in_test_transaction():
    """Django's test client does this too: the request signals must not close the test's database connection
    (in its transaction) after every request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """The tracebacks of the exceptions the app did not handle (a 500), for the failure message."""
    caught = []

    def record(sender, request=None, **kwargs):
        caught.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    got_request_exception.connect(record, weak=False)
    yield caught
    got_request_exception.disconnect(record)


def load_schema(values, role):
    """The schema as /api/v1/schema/ serves it (to a signed-in user), with the hooks that mix in real values."""
    from contactcenter.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, headers=values.headers("supervisor"))

    @schema.hook("flatmap_path_parameters")
    def real_path_parameters(ctx, parameters):
        return values.path_parameters(ctx, parameters, role)

    @schema.hook("flatmap_query")
    def real_query(ctx, query):
        return values.fields_of(ctx, query)

    @schema.hook("flatmap_body")
    def real_body(ctx, body):
        return values.fields_of(ctx, body)

    return schema


def hypothesis_settings_for(examples: int):
    return hypothesis_settings(
        max_examples=examples, derandomize=SEED is None, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_as(role, world, wsgi_in_test_transaction, server_errors):
    schema = load_schema(world, role)
    headers = world.headers(role)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]  # .ok(): an invalid one raises
    assert "POST /api/v1/work-orders/{id}/transitions/{name}/" in {operation.label for operation in operations}

    for operation in operations:
        for mode, examples in zip((GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
                                  EXAMPLES.get(role, DEFAULT_EXAMPLES), strict=True):

            @hypothesis_settings_for(examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_seed(SEED)
            def check(case):
                with transaction.atomic():  # rolled back: the next request sees the same data
                    response = case.call(headers=headers)
                    transaction.set_rollback(True)
                statuses[case.operation.label][response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

            del server_errors[:]
            try:
                check()
            except Unsatisfiable:  # nothing of this operation can be made invalid (e.g. no parameters)
                continue
            except (Exception, BaseExceptionGroup) as error:  # noqa: B036 (schemathesis' FailureGroup)
                failures.append(f"=== {operation.label} ({mode.value}) as {role}\n{error}\n" + "".join(server_errors))

    summary = {label: dict(sorted(counter.items())) for label, counter in statuses.items()}
    print(f"{role}: {sum(sum(counter.values()) for counter in statuses.values())} requests, status counts:")
    print("\n".join(f"  {label}: {counts}" for label, counts in summary.items()))
    if os.environ.get("FUZZ_SUMMARY"):  # a directory: where to write each role's status counts
        with open(os.path.join(os.environ["FUZZ_SUMMARY"], f"{role}.json"), "w") as out:
            json.dump(summary, out, indent=1, sort_keys=True)

    assert not failures, f"{len(failures)} failing operation(s) as {role}:\n\n" + "\n\n".join(failures)
    assert set(statuses) == {operation.label for operation in operations}, "an operation was never called"
    answered = {label for label, counter in statuses.items() if any(200 <= code < 300 for code in counter)}
    if role == "anonymous":  # nothing but the token endpoint answers the anonymous
        assert answered <= {"POST /api/v1/auth/token/"}, answered
        return
    # The run reached the data (credentials work, real ids were used): of the reads this role is not refused
    # (some answer other than 401, 403 or 404), at least half answered 2xx at least once.
    reads = {operation.label for operation in operations if operation.method == "get"}
    reachable = {label for label in reads if set(statuses[label]) - {401, 403, 404}}
    assert len(answered & reads) >= 5, sorted(answered)
    assert len(answered & reachable) >= len(reachable) / 2, sorted(reachable - answered)
