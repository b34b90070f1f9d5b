"""Reads of the agent's console 来电工作台: the calls pushed to an agent's page and the caller's file 一户一档."""

import datetime as dt
import weakref
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from ..addresses import building_of
from ..models import Call, Callback, Customer, SwitchCall, User, WorkOrder
from ..models.workorders import FINAL_STATES, Kind, State
from .outages import CallerOutages, caller_outages

FILE_ROWS = 10  # past calls, orders and callbacks shown in the caller's file
INCOMING_MAX = 20  # calls one poll returns at most
UNHANDLED_WINDOW = dt.timedelta(minutes=15)  # a reloaded console still shows the calls not yet turned into orders


def last_call_id() -> int:
    """The newest call's id: the console asks only for calls logged after its page was rendered."""
    return Call.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _put_through(agent: User):
    """Calls put through to this agent by the telephony system (not those the agent typed in)."""
    return Call.objects.filter(agent=agent).exclude(logged_by=agent).select_related("customer")


def incoming_calls(agent: User, *, after: int) -> list[Call]:
    """The calls logged for this agent since ``after`` (a call id), oldest first."""
    return list(_put_through(agent).filter(pk__gt=after).order_by("pk")[:INCOMING_MAX])


def unhandled_calls(agent: User, now: dt.datetime | None = None) -> list[Call]:
    """This agent's calls of the last minutes that no work order names yet, newest first."""
    since = (now or timezone.now()) - UNHANDLED_WINDOW
    return list(_put_through(agent).filter(ring_started_at__gte=since, orders__isnull=True).order_by("-pk")[:5])


RINGING_WINDOW = dt.timedelta(minutes=2)


def ringing_calls(agent: User, now: dt.datetime | None = None) -> list[SwitchCall]:
    """The calls ringing at this agent's seat now (reported by the switch's ``ring``, not yet ended): the console
    pops the caller up before the agent picks up. Each carries ``caller_file``: the caller's customer record or None."""
    since = (now or timezone.now()) - RINGING_WINDOW
    ringing = list(SwitchCall.objects.filter(agent=agent, call__isnull=True, ended_at__isnull=True,
                                             rang_at__gte=since).order_by("-rang_at")[:3])
    numbers = {call.caller_number for call in ringing if call.caller_number}
    files: dict[str, Customer] = {}
    if numbers:  # each caller's most recent file, as an order would pick it: one query for all of them
        for customer in Customer.objects.filter(phone__in=numbers).only("id", "phone", "name", "account_number") \
                .order_by("id"):
            files[customer.phone] = customer
    for call in ringing:
        call.caller_file = files.get(call.caller_number)
    return ringing


def agent_call(agent: User, pk: int) -> Call | None:
    """A call the agent may turn into an order: their own, or one the telephony system gave no agent."""
    return Call.objects.filter(Q(agent=agent) | Q(agent__isnull=True), pk=pk).select_related("customer").first()


@dataclass(frozen=True)
class CustomerFile:
    """一户一档 as the console shows it: the customer record (if any) and the history of the caller."""

    phone: str
    account_number: str
    customer: Customer | None
    calls: list[Call] = field(default_factory=list)
    orders: list[WorkOrder] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    outages: CallerOutages | None = None
    repeats: list = field(default_factory=list)  # RepeatCandidate: the open orders this call may be about

    @property
    def searched(self) -> bool:
        return bool(self.phone or self.account_number)


def customer_file(*, phone: str = "", account_number: str = "", kind: str = "",
                  now: dt.datetime | None = None) -> CustomerFile:
    """By account number, else by (normalised) phone — the most recent record, as a new work order would pick.
    Without a record, the calls and orders from that phone number are still the caller's history."""
    if account_number:
        customer = Customer.objects.filter(account_number=account_number).first()
    elif phone:
        customer = Customer.objects.filter(phone=phone).order_by("-id").first()
    else:
        return CustomerFile(phone="", account_number="", customer=None)
    if customer is not None:
        calls = Call.objects.filter(Q(customer=customer) | Q(caller_number=customer.phone))
        orders = WorkOrder.objects.filter(customer=customer)
        callbacks = Callback.objects.filter(order__customer=customer)
    elif phone:
        calls = Call.objects.filter(caller_number=phone)
        orders = WorkOrder.objects.filter(caller_number=phone)
        callbacks = Callback.objects.filter(order__caller_number=phone)
    else:
        calls, orders, callbacks = Call.objects.none(), WorkOrder.objects.none(), Callback.objects.none()
    if customer is not None:
        outages = caller_outages(customer=customer, now=now)
    else:  # the outage partial asks the agent for the address of an unknown caller
        outages = CallerOutages(customer=None, address="", notices=[]) if phone else None
    return CustomerFile(
        phone=phone,
        account_number=account_number,
        customer=customer,
        calls=list(calls.select_related("agent").order_by("-ring_started_at", "-id")[:FILE_ROWS]),
        orders=list(orders.order_by("-accepted_at", "-id")[:FILE_ROWS]),
        callbacks=list(callbacks.select_related("order", "agent").order_by("-made_at", "-id")[:FILE_ROWS]),
        outages=outages,
        repeats=repeat_candidates(customer=customer, phone=phone or (customer.phone if customer else ""), kind=kind,
                                  now=now),
    )


# --- Repeat calls 重复来电: the open orders a caller may be calling about again ---------------------------------

REPEAT_WINDOW = dt.timedelta(hours=24)  # neighbours' orders this recent
# What the console and the API show of a candidate (an order has 60 columns; every create asks).
CANDIDATE_COLUMNS = ("id", "number", "kind", "state", "accepted_at", "address", "description", "urge_count",
                     "caller_number", "customer_id")
REPEAT_ROWS = 10


class RepeatReason(models.TextChoices):
    CALLER = "caller", _("This caller's")
    ADDRESS = "address", _("Same address")
    BUILDING = "building", _("Same building")


@dataclass
class CandidateOrder:
    """What a repeat candidate shows of an order (``CANDIDATE_COLUMNS``): its columns, not a model instance — every
    create asks, and building a 60-field ``WorkOrder`` (with its state machine) per row cost more than the query."""

    pk: int
    number: str
    kind: str
    state: str
    accepted_at: dt.datetime
    address: str
    description: str
    urge_count: int
    caller_number: str
    customer_id: int | None
    shown_phone: str = ""  # the caller's number as the reader may see it (the console sets it)

    def get_kind_display(self) -> str:
        return str(Kind(self.kind).label)

    def get_state_display(self) -> str:
        return str(State(self.state).label)


@dataclass(frozen=True)
class RepeatCandidate:
    order: CandidateOrder
    reason: str

    @property
    def reason_label(self) -> str:
        return RepeatReason(self.reason).label


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching what starts with ``text`` (its own % _ and \\ taken literally, ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def repeat_candidates(*, customer: Customer | None = None, phone: str = "", address: str = "", kind: str = "",
                      exclude: int | None = None, now: dt.datetime | None = None) -> list[RepeatCandidate]:
    """The open orders a call may be about: the caller's own (by customer or phone number), then any open order of
    the last 24 hours at the same address or in the same building (``tickets.addresses``), of the same kind when
    the kind is known. The caller's first, newest first in each group; at most REPEAT_ROWS.

    Every create over the API asks, so this is one statement written here in SQL, read through a cursor into
    ``CandidateOrder`` rows, rather than composed by the ORM's compiler each time (1.2 ms of CPU for a query
    PostgreSQL plans and runs in 0.3 ms; BENCHMARKS.md) or built into model instances (0.3 ms more for ten rows).
    On PostgreSQL each of its three branches is served by a partial index of the open orders
    (``wo_open_customer_idx``, ``wo_open_caller_idx``, ``wo_open_address_idx``): neither a long-time customer's
    closed orders nor the day's other repairs are read. There it is a prepared statement (``_PreparedCandidates``):
    planning it cost PostgreSQL more than running it.
    ``tests/tickets/test_repeat_calls.py`` holds it to the rules above on SQLite and PostgreSQL."""
    now = now or timezone.now()
    address = (address or (customer.address if customer is not None else "")).strip()
    if customer is None and not phone and not address:
        return []
    building = building_of(address) if address else ""  # a prefix of the address: one range of its index serves both
    read = _PreparedCandidates.run if connection.vendor == "postgresql" else _candidate_rows
    rows = read(customer=customer, phone=phone, address=address, building=building, kind=kind, exclude=exclude,
                since=now - REPEAT_WINDOW)
    found = []
    for *columns, callers in rows:
        order = CandidateOrder(*columns)
        if not isinstance(order.accepted_at, dt.datetime):  # SQLite may answer text
            order.accepted_at = parse_datetime(order.accepted_at)
        if timezone.is_naive(order.accepted_at):  # SQLite's are UTC without a zone; PostgreSQL's are aware
            order.accepted_at = timezone.make_aware(order.accepted_at, dt.UTC)
        found.append(RepeatCandidate(order, RepeatReason.CALLER if callers == 0 else
                                     RepeatReason.ADDRESS if order.address == address else RepeatReason.BUILDING))
    return found


def _candidate_rows(*, customer: Customer | None, phone: str, address: str, building: str, kind: str,
                    exclude: int | None, since: dt.datetime) -> list[tuple]:
    """The candidates' rows by a statement written for this call's criteria (SQLite)."""
    mine, mine_params = [], []
    if customer is not None:
        mine.append("customer_id = %s")
        mine_params.append(customer.pk)
    if phone:
        mine.append("caller_number = %s")
        mine_params.append(phone)
    near, near_params = "", []
    if address:
        since = WorkOrder._meta.get_field("accepted_at").get_db_prep_value(since, connection)
        near, near_params = ("address LIKE %s ESCAPE '\\' AND accepted_at >= %s",
                             [_like_prefix(building), since]) if building else ("address = %s AND accepted_at >= %s",
                                                                                [address, since])
        if kind:
            near, near_params = f"{near} AND kind = %s", [*near_params, kind]
    branches = [*mine, *([f"({near})"] if near else [])]
    callers = " OR ".join(mine) or "1 = 0"
    sql = (f"SELECT {', '.join(CANDIDATE_COLUMNS)}, CASE WHEN {callers} THEN 0 ELSE 1 END AS callers"
           f" FROM {WorkOrder._meta.db_table}"
           f" WHERE state NOT IN ({', '.join(['%s'] * len(FINAL_STATES))}) AND id <> %s AND ({' OR '.join(branches)})"
           f" ORDER BY callers, accepted_at DESC, id DESC LIMIT {REPEAT_ROWS}")
    params = [*mine_params, *FINAL_STATES, exclude or 0, *mine_params, *near_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _PreparedCandidates:
    """The candidates' statement on PostgreSQL, prepared once per connection (``PREPARE``) and planned once: the
    settings make PostgreSQL keep one generic plan for it (``plan_cache_mode``), where planning it at each create
    cost PostgreSQL more than running it (0.25 ms against 0.05 ms). Each criterion is a branch that reads at most
    REPEAT_ROWS rows from its index, so a caller with hundreds of open orders costs what one with two does (one
    statement with OR read all of them and sorted them: 1 ms for 700). A missing criterion is a NULL that matches
    nothing. The building's or the address's LIKE is written as the range of the address index
    (``varchar_pattern_ops``: byte order, which is the characters' order in UTF-8), since a LIKE with a parameter
    cannot use it: a building is ``[building, the building with its last character's successor)``, an address alone
    ``[address, address + U+0001)`` — no text holds U+0000, so only the address itself."""

    NAME = "tickets_repeat_candidates"
    _prepared: "weakref.WeakSet" = weakref.WeakSet()  # the DB-API connections that have the statement

    @classmethod
    def statement(cls) -> str:
        """Each branch reads its newest rows from its index (``wo_open_customer_idx``, ``wo_open_caller_idx``: newest
        first within a caller; ``wo_open_address_idx``), at most REPEAT_ROWS: the caller's ten newest are among
        the first two branches' rows, the neighbours' ten newest among the third's (``run`` merges them)."""
        states = ", ".join(f"'{state}'" for state in FINAL_STATES)  # the model's constants, not input
        select = (f"SELECT {', '.join(CANDIDATE_COLUMNS)}, {{callers}} AS callers FROM {WorkOrder._meta.db_table}"
                  f" WHERE state NOT IN ({states}) AND id <> $7 AND {{where}}"
                  f" ORDER BY accepted_at DESC, id DESC LIMIT {REPEAT_ROWS}")
        branches = [
            select.format(callers="0", where="customer_id = $1"),
            select.format(callers="0", where="caller_number = $2"),
            select.format(callers="CASE WHEN customer_id = $1 OR caller_number = $2 THEN 0 ELSE 1 END",
                          where="address ~>=~ $3 AND address ~<~ $4 AND accepted_at >= $5"
                                " AND ($6::text IS NULL OR kind = $6)"),
        ]
        return (f"PREPARE {cls.NAME} (bigint, text, text, text, timestamptz, text, bigint) AS"
                f" SELECT * FROM ({' UNION ALL '.join(f'({branch})' for branch in branches)}) AS candidates"
                " ORDER BY callers, accepted_at DESC, id DESC")

    @classmethod
    def run(cls, *, customer: Customer | None, phone: str, address: str, building: str, kind: str,
            exclude: int | None, since: dt.datetime) -> list[tuple]:
        low = high = None  # no address: the third branch matches nothing
        if building:  # it ends with 栋, 幢, 楼, 座 or 号 (tickets.addresses): its last character has a successor
            low, high = building, building[:-1] + chr(ord(building[-1]) + 1)
        elif address:
            low, high = address, address + "\x01"
        params = [customer.pk if customer is not None else None, phone or None, low, high, since, kind or None,
                  exclude or 0]
        with connection.cursor() as cursor:
            raw = connection.connection  # the session the statement lives in (a new connection prepares again)
            if raw not in cls._prepared:
                cursor.execute(cls.statement())  # not undone by a rollback: a session's statement lasts
                cls._prepared.add(raw)
            cursor.execute(f"EXECUTE {cls.NAME} (%s, %s, %s, %s, %s, %s, %s)", params)
            rows = cursor.fetchall()
        merged, seen = [], set()
        for row in rows:  # an order of the caller's may come from two or three branches: listed once
            if row[0] not in seen:
                seen.add(row[0])
                merged.append(row)
        return merged[:REPEAT_ROWS]
