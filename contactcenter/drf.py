"""DRF pieces shared by the apps' APIs."""

import datetime as dt

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework import parsers, serializers
from rest_framework.exceptions import MethodNotAllowed, ParseError

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 time with its UTC offset (``2026-11-22T10:00:00+08:00``), between 2000 and 2100.

    A time without an offset is ambiguous (the telephony system's zone, the server's, UTC?), so it is
    refused with a clear message instead of being guessed.
    """

    default_error_messages = {
        "naive": _("Give the time with its UTC offset, e.g. 2026-11-22T10:00:00+08:00."),
        "range": _("The time must lie between 2000 and 2100."),
        "overflow": _("The time must lie between 2000 and 2100."),  # year 9999 in Asia/Shanghai: past year 9999
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


class AwareDateTimeFormField(IsoDateTimeField):
    """The form field of ``AwareDateTimeFilter``: django-filter's ISO-8601 field, between 2000 and 2100."""

    default_error_messages = {"range": AwareDateTimeField.default_error_messages["range"]}

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not EARLIEST <= result < LATEST:
            raise ValidationError(self.error_messages["range"], code="range")
        return result


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    """A filter on a time (``?ring_after=2026-11-22T10:00:00+08:00``) between 2000 and 2100, as
    ``AwareDateTimeField``: year 9999 with a negative offset is past year 9999 in UTC, and year 1 read in
    Asia/Shanghai is before year 1, which the database adapter cannot convert (a 500); refused with a 400."""

    field_class = AwareDateTimeFormField


class MethodsFirst:
    """Answer 405 for a method the endpoint does not have, before authentication and permissions decide:
    "this does not exist" (DELETE on a ledger entry) must not read as "you may not"."""

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class FiltersOnListsOnly:
    """The list's filters (django-filter, ordering) apply to the list and the other collection actions (totals):
    DRF's ``get_object`` runs them on every request for one object too, building and validating the whole filter
    form to fetch one row by its key (a quarter of the time of answering an order); there a query string is
    ignored instead."""

    def filter_queryset(self, queryset):
        if getattr(self, "detail", False):
            return queryset
        return super().filter_queryset(queryset)


def _nested_deeper_than(data, limit: int) -> bool:
    """Whether JSON data has objects/arrays nested more than ``limit`` levels (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(limit: int) -> str:
    return _("JSON nested more than %(limit)s levels deep is not accepted.") % {"limit": limit}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing JSON nested deeper than ``settings.JSON_MAX_DEPTH`` levels with a 400: no
    request of this API nests more than a few levels, and 10,000 nested brackets must not end in a 500 from
    a RecursionError in the decoder (or later in a serializer)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.JSON_MAX_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep(limit)) from None
        if _nested_deeper_than(data, limit):
            raise ParseError(_too_deep(limit))
        return data
