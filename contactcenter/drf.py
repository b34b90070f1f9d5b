"""DRF pieces shared by the apps' APIs: error shapes, permissions, id and time fields and filters, and the planned
serializers (``PlannedOutput``/``PlannedInput``). Over 400 lines: the planned serializers are most of it, and
their plan-building helpers belong next to them."""

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping

import django_filters
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import RawPostDataException
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import filters, parsers, permissions, serializers
from rest_framework.exceptions import MethodNotAllowed, ParseError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.fields import get_error_detail
from rest_framework.relations import PKOnlyObject
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.formatting import lazy_format

from . import idempotency

MAX_ID = 2**63 - 1  # the largest bigint: an id beyond it is refused (400), never sent to the database
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


class Replayed(Exception):
    """Raised by ``Idempotent.initial`` to answer with a kept answer instead of running the handler."""

    def __init__(self, response: Response) -> None:
        self.response = response


class Idempotent:
    """A POST with an ``Idempotency-Key`` header (``contactcenter.idempotency``): claimed once the user is known,
    before the handler runs; the handler's answer kept; a copy of the request answered with the kept answer
    (header ``Idempotent-Replayed: true``), never run twice."""

    idempotency_claim = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(idempotency.HEADER)
        if request.method != "POST" or key is None or not request.user.is_authenticated:
            return
        digest = idempotency.fingerprint(request.method, request.get_full_path(), _body(request))
        found = idempotency.claim(user=request.user, key=key, digest=digest)
        if found.replay is not None:
            status_code, body = found.replay
            response = Response(json.loads(body) if body else None, status=status_code)
            response["Idempotent-Replayed"] = "true"
            raise Replayed(response)
        self.idempotency_claim = found.row

    def handle_exception(self, exc):
        if isinstance(exc, Replayed):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:
            if self.idempotency_claim is not None:  # a 500 on its way: the key is released, the retry runs
                idempotency.release(self.idempotency_claim)
                self.idempotency_claim = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_claim is not None:
            body = b"" if response.data is None else JSONRenderer().render(response.data)
            idempotency.complete(self.idempotency_claim, status_code=response.status_code, body=body)
            self.idempotency_claim = None
        return response


def _body(request) -> bytes:
    """The request's bytes for its fingerprint. A multipart body (an attachment's upload) was read as it streamed in —
    Django keeps no copy of it — so its fields and files' contents stand for it, in order."""
    try:
        return request.body
    except RawPostDataException:
        pass
    digest = hashlib.sha256()
    for name, values in sorted(request.data.lists()):
        digest.update(name.encode() + b"\0")
        for value in values:
            if hasattr(value, "chunks"):  # an uploaded file: its name and bytes
                digest.update(str(value.name).encode() + b"\0")
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(str(value).encode() + b"\0")
    return digest.hexdigest().encode()


class MethodsFirst(Idempotent):
    """Answer 405 for a method the endpoint does not have, before authentication and permissions decide:
    "this does not exist" (DELETE on a ledger entry) must not read as "you may not". Every API view has it, and
    with it idempotent POSTs (``Idempotent``)."""

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


def _refusal(data, limit: int) -> str | None:
    """Why JSON data is refused, or None: objects/arrays nested more than ``limit`` levels, or a number no column
    holds (``1e999`` reads as an infinite float; NaN and Infinity are already refused by DRF's strict JSON).
    Walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            if isinstance(value, float) and not math.isfinite(value):
                return _("A number out of range (%(number)s) is not accepted.") % {"number": value}
            continue
        if depth > limit:
            return _too_deep(limit)
        stack.extend((child, depth + 1) for child in children)
    return None


def _too_deep(limit: int) -> str:
    return _("JSON nested more than %(limit)s levels deep is not accepted.") % {"limit": limit}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 JSON nested deeper than ``settings.JSON_MAX_DEPTH`` levels (no request
    of this API nests more than a few levels, and 10,000 nested brackets must not end in a 500 from a RecursionError
    in the decoder or later in a serializer) and numbers too large for a float (``1e999``, ``-1e999``)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.JSON_MAX_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep(limit)) from None
        refused = _refusal(data, limit)
        if refused:
            raise ParseError(refused)
        return data


class OrderingFilter(filters.OrderingFilter):
    """DRF's ``?ordering=``, limited to the fields the view lists in ``ordering_fields`` — none when it lists none.
    DRF's default would allow every field of the serializer: sorting customers by a masked phone number walks the
    hidden digits one by one. A field not listed is refused (400, naming the allowed ones), not silently ignored."""

    def get_valid_fields(self, queryset, view, context=None):
        return [(name, name) for name in getattr(view, "ordering_fields", None) or ()]

    def get_ordering(self, request, queryset, view):
        given = request.query_params.get(self.ordering_param)
        if given:
            allowed = [name for name, _label in self.get_valid_fields(queryset, view)]
            unknown = [name for name in (part.strip() for part in given.split(","))
                       if name.removeprefix("-") not in allowed]
            if unknown:
                raise DRFValidationError({self.ordering_param: [
                    _("Cannot sort by %(fields)s; sort by one of: %(allowed)s.") % {
                        "fields": ", ".join(unknown), "allowed": ", ".join(allowed) or "—"}]})
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        allowed = getattr(view, "ordering_fields", None) or ()
        if not allowed:
            return []
        return [{
            "name": self.ordering_param, "required": False, "in": "query",
            "description": f"Sort by: {', '.join(allowed)} (a leading - for descending; several, comma-separated)",
            "schema": {"type": "string", "maxLength": 200},
        }]


# --- The error answers every app documents, and the permission classes they share ----------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every refusal: ``{"detail", "code"}`` (contactcenter.errors)."""

    detail = serializers.CharField()
    code = serializers.CharField()


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    403: OpenApiResponse(ErrorSerializer, description="Not permitted"),
    404: OpenApiResponse(ErrorSerializer, description="Not found"),
}
CONFLICT = OpenApiResponse(ErrorSerializer, description="Not allowed from the current state, or changed concurrently")


class ModelPermissions(permissions.BasePermission):
    """Django's model permissions of the view's model: ``view_`` to read, ``add_`` / ``change_`` / ``delete_`` to
    write (DRF's DjangoModelPermissions guards only writes). The model is the view's ``permission_model``, else its
    queryset's (a view that names it is spared building its queryset for the check)."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"], "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [], "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"], "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def required_permissions(self, method: str, model) -> list[str]:
        names = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
        return [perm % names for perm in self.perms_map.get(method, ["%(app_label)s.change_%(model_name)s"])]

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        model = getattr(view, "permission_model", None) or view.get_queryset().model
        return user.has_perms(self.required_permissions(request.method, model))


class CanViewModel(ModelPermissions):
    """For actions whose own rules decide (transitions): the user must at least see the model."""

    def required_permissions(self, method: str, model) -> list[str]:
        return super().required_permissions("GET", model)


class PrimaryKeyField(serializers.IntegerField):
    """A row of ``model`` given by its id: an integer that fits a bigint, then the row (400 "does_not_exist" when there
    is none). DRF's PrimaryKeyRelatedField sends any integer to the database: beyond 64 bits SQLite raises (a 500).
    It takes the model, not a queryset: DRF deep-copies a field's arguments for every serializer instance, and a
    queryset's copy is a copy of its whole query."""

    default_error_messages = {"does_not_exist": _("No such object: %(pk)s.")}

    def __init__(self, *, model, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        self.model = model
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)  # an integer within the bounds (or the default, None)
        if pk is None:
            return None
        row = self.model._default_manager.filter(pk=pk).first()
        if row is None:
            self.fail("does_not_exist", pk=pk)
        return row

    def to_representation(self, value):
        return value.pk if hasattr(value, "pk") else value


@extend_schema_field({"type": "string", "maxLength": 150})
class UsernameField(serializers.SlugRelatedField):
    """A user given by their username (``""`` is none, as DRF's related fields read it)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)


# DRF's ModelSerializer, whose read-only fields say what they can hold: ``allow_null`` when the column is nullable or
# is read through a nullable relation (``agent`` of an unanswered call, ``department_name`` of an order not
# dispatched), ``allow_blank`` for a choice column that may be blank (``finding_cause`` before an investigation). DRF
# drops both from the read-only fields it builds, so the schema would promise more than the data holds; a read-only
# field is never validated, so nothing else changes. Which fields those are is worked out once per class. (A comment,
# not a docstring: the schema would show it as the description of every serializer without its own.)
class ModelSerializer(serializers.ModelSerializer):

    def get_fields(self):
        fields = super().get_fields()
        marks = _MARKS.get(type(self))
        if marks is None:
            marks = _MARKS[type(self)] = _may_hold(self.Meta.model, fields)
        nullable, blank = marks
        for name in nullable:
            fields[name].allow_null = True
        for name in blank:
            fields[name].allow_blank = True
        return fields


_MARKS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _may_hold(model, fields: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The read-only fields that may hold null, and those that may hold a blank choice."""
    nullable, blank = [], []
    for name, field in fields.items():
        if not field.read_only:
            continue
        column, through_nullable = model_column(model, (field.source or name).split("."))
        if column is None:
            continue
        if column.null or (through_nullable and (field.default is None or isinstance(field, serializers.RelatedField))):
            nullable.append(name)
        if column.blank and isinstance(field, serializers.ChoiceField):
            blank.append(name)
    return tuple(nullable), tuple(blank)


class PlannedOutput:
    """For a read-only output serializer answered many times a second (a work order, its history, a call): its
    fields are built once per class, on a prototype instance, and every instance writes with them through DRF's
    public field API (``get_attribute``, ``to_representation``), instead of reading the model's fields again and
    building ~50 fields for every instance. What a field computes from a value does not depend on the serializer it
    is bound to, with two exceptions handled here: a ``SerializerMethodField`` calls the method of the serializer at
    hand (its context: the request), and a nested serializer is made anew for each instance, with this one's
    context. A field that reads the request in any other way (a hyperlink) must not be used in such a serializer.
    The answer is DRF's own (``tests/contactcenter/test_planned_output.py`` compares them, field by field)."""

    def to_representation(self, instance):
        plan = _PLANS.get(type(self))
        if plan is None:
            plan = _PLANS[type(self)] = _plan(type(self))
        data = {}
        for name, field, how in plan:
            if how is _METHOD:
                data[name] = getattr(self, field.method_name)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except serializers.SkipField:
                continue
            if (attribute.pk if isinstance(attribute, PKOnlyObject) else attribute) is None:
                data[name] = None
            elif how is _NESTED:
                data[name] = _nested(field, self).to_representation(attribute)
            elif how is _ROWS:  # a list written by a context-free planned serializer: its prototype writes each row
                rows = attribute.all() if isinstance(attribute, models.Manager) else attribute
                data[name] = [field.child.to_representation(row) for row in rows]
            else:
                data[name] = field.to_representation(attribute)
        return data


class PlannedInput:
    """For an input serializer validated many times a second (a work order or a call being logged): its fields are
    built once per class, on a prototype instance, and every instance validates with them through DRF's public field
    API (``get_value``, ``run_validation``) instead of deep-copying every field first. Validating keeps nothing on a
    field. Its messages are lazy, rendered in the request's language when an error is raised — except the length
    and value limits, whose message DRF formats once and keeps (``lazy_format``): on a shared field the first
    request's language would stick, so those validators are wrapped to format their message when they fail
    (``_FreshMessage``). For serializers whose fields read neither the request nor the instance (no
    ``CurrentUserDefault``, no dotted source); a partial serializer validates as DRF does. ``validate_<field>`` and
    ``validate`` run on the serializer at hand. The answers (values, errors, codes, languages) are DRF's own
    (``tests/contactcenter/test_planned_output.py``)."""

    def to_internal_value(self, data):
        if self.partial or not isinstance(data, Mapping):
            return super().to_internal_value(data)
        fields = _INPUTS.get(type(self))
        if fields is None:
            fields = _INPUTS[type(self)] = _input_plan(type(self))
        validated, errors = {}, {}
        for field in fields:
            method = getattr(self, f"validate_{field.field_name}", None)
            try:
                value = field.run_validation(field.get_value(data))
                if method is not None:
                    value = method(value)
            except serializers.ValidationError as error:
                errors[field.field_name] = error.detail
            except ValidationError as error:  # Django's, raised by a validate_<field> method
                errors[field.field_name] = get_error_detail(error)
            except serializers.SkipField:
                pass
            else:
                validated[field.source] = value
        if errors:
            raise serializers.ValidationError(errors)
        return validated

    def run_validators(self, value):
        """DRF's, which first builds every field to add the read-only defaults; with no serializer-level validator
        (none of ours has one) there is nothing to run."""
        if self.validators:
            super().run_validators(value)


_INPUTS: dict[type, list] = {}


def _input_plan(cls) -> list:
    fields = [field for field in cls(context={}).fields.values() if not field.read_only]
    for field in fields:
        if "." in field.source or field.source == "*":
            raise TypeError(f"{cls.__name__}.{field.field_name}: PlannedInput takes plain sources only")
        field.validators = [_FreshMessage(v) if isinstance(getattr(v, "message", None), lazy_format) else v
                            for v in field.validators]
    return fields


class _FreshMessage:
    """A limit validator (Django's Max/MinLength, Max/MinValue) whose DRF message is formatted when it fails, in the
    language of that request."""

    def __init__(self, validator) -> None:
        message = validator.message
        if message.format_string is None:  # formatted already: there is no template left to format anew
            raise TypeError("PlannedInput needs fields whose messages were never rendered")
        self.validator = validator
        self.template, self.args, self.kwargs = message.format_string, message.args, message.kwargs

    def __call__(self, value) -> None:
        validator = self.validator
        if validator.compare(validator.clean(value), validator.limit_value):
            raise ValidationError(self.template.format(*self.args, **self.kwargs), code=validator.code)


_METHOD, _NESTED, _ROWS, _PLAIN = object(), object(), object(), object()
_PLANS: dict[type, list] = {}


def _plan(cls) -> list:
    prototype = cls(context={})
    plan = []
    for name, field in prototype.fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, field, _METHOD))
        elif isinstance(field, serializers.ListSerializer) and _context_free(type(field.child)):
            plan.append((name, field, _ROWS))
        elif isinstance(field, serializers.BaseSerializer):
            plan.append((name, field, _NESTED))
        else:
            plan.append((name, field, _PLAIN))
    return plan


def _context_free(cls) -> bool:
    """A planned serializer whose rows read nothing of the request: no method field, nothing nested, no writing of
    its own (phone masking reads the user)."""
    if not issubclass(cls, PlannedOutput) or cls.to_representation is not PlannedOutput.to_representation:
        return False
    plan = _PLANS.get(cls)
    if plan is None:
        plan = _PLANS[cls] = _plan(cls)
    return all(how is _PLAIN for _name, _field, how in plan)


def _nested(field, parent):
    """A nested serializer like ``field``, for this parent (its context), made anew."""
    if isinstance(field, serializers.ListSerializer):
        return type(field.child)(many=True, context=parent.context)
    return type(field)(context=parent.context)


def model_column(model, path: list[str]):
    """The model field at the end of ``path`` (attribute names, through relations), and whether the way there crosses
    a nullable relation; ``(None, False)`` for a property, a method or ``source="*"``."""
    column, through_nullable = None, False
    for position, attribute in enumerate(path):
        if model is None:
            return None, False
        try:
            column = model._meta.get_field(attribute)
        except FieldDoesNotExist:
            return None, False
        if not column.concrete:  # a reverse relation (a list of related objects)
            return None, False
        if position < len(path) - 1:
            through_nullable = through_nullable or column.null
        model = column.related_model if column.is_relation else None
    return column, through_nullable
