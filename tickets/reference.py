"""Reference data every new order reads, kept in the cache between requests: the accepting unit with its
ancestors, the active SLA policies of a kind, a year's holidays and make-up working days, the departments (with
their active members), the standard phrases, the users' directory. They change a few times a year (in the admin,
audited); any change of a unit, a department, a policy, a phrase or the calendar through the ORM makes every entry
stale at once (``invalidate_reference``, connected in ``TicketsConfig.ready``; how: ``contactcenter.cache``); the
departments' members and the users' directory are kept under the users' generation, which any change of a user makes
stale. ``REFERENCE_CACHE_SECONDS`` bounds how long an entry lives (changes in raw SQL); 0 turns the cache off.

The published outage notices (which every repair call is matched against) are kept the same way under their own
generation: a notice received, published, updated, restored or closed (each a save) makes the list stale at once
(``invalidate_outages``), so the next call sees it.

A process hands the same objects to all its callers (``shared=True``): they are read, never changed or saved.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from contactcenter.auth import GENERATION as USERS
from contactcenter.auth import NOT_CACHED
from contactcenter.cache import generational, new_generation

from .models import Department, OutageNotice, OutageState, SlaPolicy, StandardPhrase, Unit, User
from .models.calendar import CalendarDay, CalendarYear
from .models.org import full_name

GENERATION = "reference"
OUTAGES = "outages"


def invalidate_reference(**kwargs) -> None:
    new_generation(GENERATION)


def invalidate_outages(**kwargs) -> None:
    new_generation(OUTAGES)


def unit_with_ancestors(unit_id: int | None) -> Unit | None:
    """The unit with its parent, grandparent … loaded along (``unit.parent`` costs no query): one recursive query
    when not cached, where walking up (``Unit.ancestry()``, the SLA policy lookup) costs one per level."""
    if unit_id is None:
        return None
    return generational(GENERATION, f"unit:{unit_id}", lambda: _unit_chain(unit_id),
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def _unit_chain(unit_id: int) -> Unit | None:
    table = Unit._meta.db_table
    units = {u.pk: u for u in Unit.objects.raw(
        f"WITH RECURSIVE chain AS (SELECT * FROM {table} WHERE id = %s "
        f"UNION SELECT {table}.* FROM {table} JOIN chain ON {table}.id = chain.parent_id) "
        "SELECT * FROM chain", [unit_id])}
    for each in units.values():
        each.parent = units.get(each.parent_id)
    return units.get(unit_id)


def active_policies(kind: str) -> list[SlaPolicy]:
    """The active SLA policies of an order kind (every unit and area type: ``sla.policy_for`` picks)."""
    return generational(GENERATION, f"sla:{kind}", lambda: list(SlaPolicy.objects.filter(active=True, order_kind=kind)),
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def calendar_year(year: int) -> dict:
    """``{"provisional": whether the year's official arrangement is missing, "days": {date: is a working day}}`` for
    the dates that differ from the week's rhythm (holidays, make-up working days). A year without its arrangement
    (no ``CalendarYear`` row) gets the statutory holidays the ``holidays`` library computes (``tickets.calendar``)."""
    return generational(GENERATION, f"calendar:{year}", lambda: _calendar_year(year),
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def _calendar_year(year: int) -> dict:
    if not CalendarYear.objects.filter(year=year).exists():
        return {"provisional": True, "days": provisional_holidays(year)}
    return {"provisional": False,
            "days": dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day"))}


def provisional_holidays(year: int) -> dict:
    """The statutory public holidays of ``year`` (法定节假日: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆), with the
    days a holiday on a weekend moves to, as the ``holidays`` library computes them from the Gregorian and lunar
    calendars: no make-up working days (调休), which only the State Council's arrangement fixes."""
    import holidays

    return {day: False for day in holidays.China(years=year, categories=(holidays.PUBLIC,))}


def department_choices() -> list[tuple[int, str]]:
    """(id, name) of every department, by kind and name: the choices of the queue's bulk-action bar."""
    return [(department.pk, department.name) for department in departments_with_units()]


def departments_with_units() -> list[Department]:
    """Every department with its unit (``department.unit`` costs no query), by kind and name: the choices of the
    dispatch and reassign forms, which keep those that fit the order."""
    return generational(GENERATION, "departments:units", lambda: list(
        Department.objects.select_related("unit").order_by("kind", "name")),
        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def department_members() -> dict[int, list[tuple[str, str]]]:
    """Each department's active members as (username, name), by username: who a dispatch may name as the handler.
    Kept under the users' generation (``contactcenter.auth``): any change of a user through the ORM makes it stale;
    the entry holds no secret (no password hash, no token)."""
    return generational(USERS, "departments:members", _department_members,
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


# A user as the directory keeps them: every column but the secret (the password hash).
_SHOWN = tuple(field.attname for field in User._meta.concrete_fields if field.attname not in NOT_CACHED)


def user_directory() -> dict[int, tuple]:
    """Every user's columns but the password hash, by id: the people an order page shows (owner, handler, the
    history's actors, the callbacks' agents) without joining the users' table to each of its reads. Kept under the
    users' generation, like the departments' members: any change of a user through the ORM makes it stale."""
    return generational(USERS, "users:directory", lambda: {row[0]: row for row in User.objects.values_list(*_SHOWN)},
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def attach_users(rows: Iterable, *relations: str) -> None:
    """Set each row's user ``relations`` (``owner``, ``actor`` …) from the directory: a user of its own per row and
    relation, as read from the database with the password deferred (``Model.from_db``). A user not (yet) in the
    directory is left to Django's lazy read."""
    directory = user_directory()
    for row in rows:
        for relation in relations:
            columns = directory.get(getattr(row, f"{relation}_id"))
            if columns is not None:
                setattr(row, relation, User.from_db(DEFAULT_DB_ALIAS, _SHOWN, columns))


def _department_members() -> dict[int, list[tuple[str, str]]]:
    members: dict[int, list[tuple[str, str]]] = {}
    rows = (User.objects.filter(is_active=True, department__isnull=False).order_by("username")
            .values_list("department_id", "username", "first_name", "last_name"))
    for department_id, username, first_name, last_name in rows:
        members.setdefault(department_id, []).append((username, full_name(first_name, last_name)))
    return members


def active_phrases(situation: str) -> list[StandardPhrase]:
    """The active standard phrases of a situation, in their order (the phrases beside a text to the customer)."""
    return generational(GENERATION, f"phrases:{situation}", lambda: list(
        StandardPhrase.objects.filter(active=True, situation=situation).order_by("order", "id")),
        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def unit_choices() -> list[tuple[int, str]]:
    """(id, name) of every unit, by name: the search page's unit filter."""
    return generational(GENERATION, "units", lambda: list(Unit.objects.order_by("name").values_list("id", "name")),
                        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)


def published_outages() -> list[OutageNotice]:
    """The published outage notices, the latest start first (started or announced ahead: the caller compares)."""
    return generational(OUTAGES, "outages:published", lambda: list(
        OutageNotice.objects.filter(state=OutageState.PUBLISHED).order_by("-starts_at", "-id")),
        seconds=settings.REFERENCE_CACHE_SECONDS, shared=True)
