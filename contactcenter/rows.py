"""Single rows written and read with their SQL written once per model, for the hottest path: accepting an order.

Every call that becomes an order looks the caller up and writes two or three rows (the customer, the order, its first
history row). The ORM builds each statement anew: its compiler re-resolves the lookups, re-quotes every column and
walks each of the order's 57 fields through four layers — about 0.4 ms of CPU for the order's INSERT, 0.3 ms for the
caller's lookup, for statements PostgreSQL runs in a tenth of that. Here the statements are written once per model
from public, documented APIs only: the model's fields (``Model._meta``), the fields' own conversions
(``Field.pre_save``, ``Field.get_db_prep_save``, as a custom field documents them), the backend's quoting, a cursor
(``connection.cursor()``), the conversions of a column read back (``get_db_converters``) and ``Model.from_db``, the
``pre_save``/``post_save`` signals and the instance's documented ``_state``. No part of Django's SQL compiler is used.

* ``insert(obj)`` is ``obj.save(force_insert=True)`` for a new row (its pk given or drawn): the values converted as
  the field says, the signals sent as ``save()`` sends them, the instance marked saved. A model with parents
  (multi-table inheritance) or a field with its own SQL placeholder goes through ``save()``; an expression as a value
  is refused, and so is a related object that was never saved (as ``save()`` refuses it).
* ``insert_numbered(obj, field)``: a row whose ``field`` (an order's number) ends with its own pk — on PostgreSQL one
  statement draws the pk from the table's sequence and writes the complete row (``WITH drawn AS (SELECT nextval(…))
  INSERT …``); elsewhere an UPDATE completes the field after the INSERT.
* ``insert_new(objs)``: new rows of one model in one statement, those that would break a unique constraint skipped
  (``bulk_create(ignore_conflicts=True)``: the outbox's events, the text messages — each keyed by what it tells);
  ``insert_rows(objs)`` the same without skipping (``bulk_create(objs)``: a history row).
* ``batch()``: the rows those two write inside the block go to PostgreSQL together, in one round trip, when the
  block ends or before any other statement (``connection.execute_wrapper``): an order's history row, domain event
  and text message are one round trip instead of three (each round trip costs about 4 % of the create rate).
* ``newest(model, **equal)`` is ``model.objects.filter(**equal).order_by("-pk").first()`` for plain column
  equalities: one statement, the row converted and built (``Model.from_db``) as the ORM does.

``tests/contactcenter/test_rows.py`` holds each to what the ORM writes and reads, on SQLite and PostgreSQL.
"""

import contextlib
import contextvars
import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models import Model, signals


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple  # the model's fields, in the statement's column order
    returns_pk: bool  # the statement ends with RETURNING the pk (else: the cursor's lastrowid)


@functools.cache
def _insert_plan(model: type[Model], alias: str, with_pk: bool) -> _Insert | None:
    meta = model._meta.concrete_model._meta  # a proxy's rows are its concrete model's
    fields = tuple(f for f in meta.local_concrete_fields if with_pk or f is not meta.pk)
    if meta.parents or any(hasattr(f, "get_placeholder") for f in fields):
        return None
    connection = connections[alias]
    qn = connection.ops.quote_name
    returns_pk = not with_pk and connection.features.can_return_columns_from_insert
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    if returns_pk:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return _Insert(sql, fields, returns_pk)


@functools.cache
def _numbered_plan(model: type[Model], alias: str, name: str, digits: int) -> tuple[_Insert, str] | None:
    connection = connections[alias]
    meta = model._meta.concrete_model._meta
    plain = _insert_plan(model, alias, False)
    if connection.vendor != "postgresql" or plain is None or not isinstance(meta.pk, models.AutoField):
        return None  # INSERT, then UPDATE
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        sequence = cursor.fetchone()[0]
    if sequence is None:
        return None
    qn = connection.ops.quote_name
    # Python's f"{pk:0{digits}d}": at least `digits` digits, never cut (lpad alone would cut a longer pk).
    suffix = f"(SELECT lpad(pk::text, greatest({int(digits)}, length(pk::text)), '0') FROM drawn)"
    placeholders = [f"%s || {suffix}" if f.name == name else "%s" for f in plain.fields]
    sql = "WITH drawn AS (SELECT nextval(%s) AS pk) INSERT INTO {} ({}, {}) VALUES ({}, {}) RETURNING {}".format(
        qn(meta.db_table), qn(meta.pk.column), ", ".join(qn(f.column) for f in plain.fields),
        "(SELECT pk FROM drawn)", ", ".join(placeholders), qn(meta.pk.column))
    return _Insert(sql, plain.fields, True), sequence


def insert(obj: Model, *, using: str | None = None) -> Model:
    """INSERT ``obj`` (a new instance; its pk may be set beforehand) and return it, saved."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    with_pk = obj.pk is not None
    plan = _insert_plan(model, alias, with_pk)
    if plan is None:
        obj.save(force_insert=True, using=alias)
        return obj
    origin = _before(obj, alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, _values(obj, plan.fields, connection))
        if not with_pk:
            obj.pk = model._meta.pk.to_python(cursor.fetchone()[0] if plan.returns_pk else cursor.lastrowid)
    return _after(obj, alias, origin)


def insert_numbered(obj: Model, field: str, *, digits: int = 7, using: str | None = None) -> Model:
    """INSERT ``obj`` (a new instance, no pk yet) whose ``field`` holds a prefix, completed by the row's pk:
    ``f"{prefix}{pk:0{digits}d}"`` — in the same statement on PostgreSQL, by an UPDATE after the INSERT elsewhere."""
    model = type(obj)
    alias = using or router.db_for_write(model, instance=obj)
    prefix = getattr(obj, field)
    numbered = _numbered_plan(model, alias, field, digits) if obj.pk is None else None
    if numbered is None:
        insert(obj, using=alias)
        setattr(obj, field, f"{prefix}{obj.pk:0{digits}d}")
        model._base_manager.using(alias).filter(pk=obj.pk).update(**{field: getattr(obj, field)})
        return obj
    plan, sequence = numbered
    origin = _before(obj, alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [sequence, *_values(obj, plan.fields, connection)])
        obj.pk = cursor.fetchone()[0]
    setattr(obj, field, f"{prefix}{obj.pk:0{digits}d}")  # what the statement wrote
    return _after(obj, alias, origin)


def insert_new(objs: list[Model], *, using: str | None = None) -> None:
    """INSERT the rows (new instances of one model, no pk) in one statement, each skipped when it breaks a unique
    constraint — ``bulk_create(objs, ignore_conflicts=True)`` for a few rows (hundreds: use that, in batches): no
    signals, the pks not read back. Inside ``batch()``: sent with the batch."""
    _insert_rows(objs, using, skip_conflicts=True)


def insert_rows(objs: list[Model], *, using: str | None = None) -> None:
    """INSERT the rows (new instances of one model, no pk) in one statement — ``bulk_create(objs)`` for a few rows:
    no signals, the pks not read back; a broken constraint raises (inside ``batch()``: when the batch is sent)."""
    _insert_rows(objs, using, skip_conflicts=False)


def _insert_rows(objs: list[Model], using: str | None, *, skip_conflicts: bool) -> None:
    if not objs:
        return
    model = type(objs[0])
    alias = using or router.db_for_write(model, instance=objs[0])
    plan = _rows_plan(model, alias, skip_conflicts)
    if plan is None or any(type(obj) is not model or obj.pk is not None for obj in objs):
        model._base_manager.using(alias).bulk_create(objs, ignore_conflicts=skip_conflicts)
        return
    head, row, tail, fields = plan
    connection = connections[alias]
    sql = head + ", ".join([row] * len(objs)) + tail
    params = [value for obj in objs for value in _values(obj, fields, connection)]
    pending = (_batches.get() or {}).get(alias)
    if pending is not None:
        pending.append((sql, params))
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _rows_plan(model: type[Model], alias: str, skip_conflicts: bool) -> tuple[str, str, str, tuple] | None:
    plain = _insert_plan(model, alias, False)
    if plain is None:
        return None
    connection = connections[alias]
    head, values = plain.sql.split(" VALUES ", 1)
    values = values.split(" RETURNING ", 1)[0]
    if not skip_conflicts:
        return head + " VALUES ", values, "", plain.fields
    if connection.vendor == "sqlite":
        return head.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1) + " VALUES ", values, "", plain.fields
    if connection.vendor == "postgresql":
        return head + " VALUES ", values, " ON CONFLICT DO NOTHING", plain.fields
    return None


# alias → the statements of the open ``batch()`` on it, not sent yet
_batches: contextvars.ContextVar[dict[str, list] | None] = contextvars.ContextVar("rows_batches", default=None)


@contextlib.contextmanager
def batch(*, using: str = DEFAULT_DB_ALIAS):
    """The rows that ``insert_new`` and ``insert_rows`` write inside the block are sent together, in one round trip,
    when the block ends — or before any other statement runs on the connection meanwhile (a query reading them
    back sees them: ``connection.execute_wrapper``). For rows written one after another whose pks nobody reads (an
    order's history row, its domain event, its text message). Use it inside the transaction that writes them: an
    exception leaving the block drops what was not sent (the transaction it rolls back would have dropped it too).
    On PostgreSQL the statements go as one string (psycopg2 sends it as one simple query); elsewhere each is sent
    when written. A nested block is its outer block."""
    connection = connections[using]
    if connection.vendor != "postgresql" or using in (_batches.get() or {}):
        yield
        return
    pending: list[tuple[str, list]] = []

    def send_first(execute, sql, params, many, context):
        _send(connection, pending)
        return execute(sql, params, many, context)

    token = _batches.set({**(_batches.get() or {}), using: pending})
    try:
        with connection.execute_wrapper(send_first):
            yield
    except BaseException:
        pending.clear()
        raise
    finally:
        _batches.reset(token)
    _send(connection, pending)


def _send(connection, pending: list) -> None:
    if not pending:
        return
    statements, pending[:] = list(pending), []
    with connection.cursor() as cursor:
        cursor.execute("; ".join(sql for sql, _params in statements),
                       [value for _sql, params in statements for value in params])


def _before(obj: Model, alias: str) -> type[Model]:
    """What ``save()`` does before writing: refuses an unsaved related object, sends ``pre_save``; returns its
    sender (a proxy's is its concrete model)."""
    meta = type(obj)._meta
    for field in meta.concrete_fields:
        if field.is_relation and field.many_to_one and getattr(obj, field.attname) is None and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is not None and related.pk is None:
                raise ValueError(f"save() prohibited to prevent data loss due to unsaved related object "
                                 f"'{field.name}'.")
    origin = meta.concrete_model if meta.proxy else type(obj)
    signals.pre_save.send(sender=origin, instance=obj, raw=False, using=alias, update_fields=None)
    return origin


def _after(obj: Model, alias: str, origin: type[Model]) -> Model:
    """What ``save()`` does after writing: marks the instance saved (``Model._state``), sends ``post_save``."""
    obj._state.adding = False
    obj._state.db = alias
    signals.post_save.send(sender=origin, instance=obj, created=True, update_fields=None, raw=False, using=alias)
    return obj


# Fields whose conversion for saving (``pre_save``, ``get_db_prep_save``) hands a value of this exact type back
# unchanged, on every database: their values are sent as they are. Exact classes only (a subclass may convert).
_PLAIN_TYPES = {
    models.CharField: str, models.TextField: str, models.IntegerField: int, models.SmallIntegerField: int,
    models.BigIntegerField: int, models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int,
    models.BooleanField: bool,
}
_INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField, models.IntegerField,
                 models.BigIntegerField)


# Fields (exact classes) whose conversion for saving hands None back as None when they set no value of their own at
# saving (``auto_now``, ``auto_now_add``): a new order's fifteen deadlines and facts not reached yet.
_NONE_AS_NONE = (models.DateTimeField, models.DateField, models.TimeField, models.DecimalField, models.FloatField)
_NONE_ONLY = object()  # a field whose value is sent unchanged when it is None (and converted otherwise)


@functools.cache
def _plain_types(fields: tuple) -> tuple:
    """Per field, the type its value is sent as when it already has it (a foreign key to an integer id: int), or
    ``_NONE_ONLY``, or None (always converted)."""
    def plain(f):
        if type(f) is models.ForeignKey and type(f.target_field) in _INTEGER_KEYS:
            return int
        if type(f) in _NONE_AS_NONE and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False):
            return _NONE_ONLY
        return _PLAIN_TYPES.get(type(f))
    return tuple(plain(f) for f in fields)


def _values(obj: Model, fields: tuple, connection) -> list:
    """The statement's parameters: each field's value as the field converts it for saving."""
    values = []
    for field, plain in zip(fields, _plain_types(fields), strict=True):
        if plain is not None:
            value = getattr(obj, field.attname)
            if value is None or type(value) is plain:
                values.append(value)
                continue
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"insert() takes values, not expressions: {field.name}={value!r}")
        values.append(field.get_db_prep_save(value, connection))
    return values


@dataclass(frozen=True)
class _Select:
    sql: str
    where: tuple  # the compared fields
    converters: tuple  # (column index, expression, functions): what turns a column's raw value into the field's


@functools.cache
def _newest_plan(model: type[Model], alias: str, names: tuple[str, ...]) -> _Select:
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    where = tuple(meta.get_field(name) for name in names)
    if any(not f.concrete or f.many_to_many or f.one_to_many for f in where):
        raise ValueError(f"newest() compares columns: {names}")
    sql = "SELECT {} FROM {} WHERE {} ORDER BY {} DESC LIMIT 1".format(
        ", ".join(qn(f.column) for f in meta.concrete_fields), qn(meta.db_table),
        " AND ".join(f"{qn(f.column)} = %s" for f in where), qn(meta.pk.column))
    converters = []  # as the ORM collects them: the backend's (SQLite's dates …), then the field's own
    for i, field in enumerate(meta.concrete_fields):
        expression = field.get_col(meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if functions:
            converters.append((i, expression, tuple(functions)))
    return _Select(sql, where, tuple(converters))


def newest(model: type[Model], *, using: str | None = None, **equal) -> Model | None:
    """The row with these column values and the highest pk, or None; built with ``Model.from_db`` as the ORM does."""
    alias = using or router.db_for_read(model)
    plan = _newest_plan(model, alias, tuple(sorted(equal)))
    if any(equal[f.name] is None for f in plan.where):
        raise ValueError("newest() compares with =: None matches nothing, filter(isnull=True) instead")
    connection = connections[alias]
    params = [f.get_db_prep_value(f.get_prep_value(equal[f.name]), connection) for f in plan.where]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if plan.converters:
        row = list(row)
        for i, expression, functions in plan.converters:
            for convert in functions:
                row[i] = convert(row[i], expression, connection)
    return model.from_db(alias, [f.attname for f in model._meta.concrete_fields], row)
