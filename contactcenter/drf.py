"""DRF pieces shared by the apps' APIs."""

import datetime as dt

from rest_framework import serializers
from rest_framework.exceptions import MethodNotAllowed

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 time with its UTC offset (``2026-11-22T10:00:00+08:00``), between 2000 and 2100.

    A time without an offset is ambiguous (the telephony system's zone, the server's, UTC?), so it is
    refused with a clear message instead of being guessed.
    """

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-11-22T10:00:00+08:00.",
        "range": "The time must lie between 2000 and 2100.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        elif isinstance(value, dt.datetime) and value.tzinfo is None:
            self.fail("naive")
        result = super().to_internal_value(value)
        if not EARLIEST <= result < LATEST:
            self.fail("range")
        return result


class MethodsFirst:
    """Answer 405 for a method the endpoint does not have, before authentication and permissions decide:
    "this does not exist" (DELETE on a ledger entry) must not read as "you may not"."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
