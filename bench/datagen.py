"""The data set: a contact center's last 12 months, built with set-based SQL (``INSERT … SELECT
generate_series``), not the ORM. (Over 400 lines: every table of the data set and the checks of its consistency
are written here, in the order they are loaded; bench code, not the product.)

Everything is relative to ``G``, the moment of generation. The center took over its county hotlines one after
another during the year: orders are accepted over the 365 days before G, 2.5 times as many per day near G as on
average, thinning out into the past (daily volume ∝ (1 − age / 365 days)^1.5). Each order went through its
kind's machine as far as the time since its acceptance allowed: most older orders are archived with all their
facts (dispatched, arrived, replied … at), their callbacks and their breaches; recent ones are open; a few
stalled long ago and are still open (the backlog); 1 % were cancelled as duplicates within half an hour; half
of the consultations were answered on the call; 8 % of the complaint-like orders were reopened once by an
unsatisfied callback (the reopening round is what their facts show). Due columns are computed
from those facts with the active default SLA policies read from the database (so they are what ``tickets.sla``
would have set, working days included). ``next_due_at`` is what the minutely sweep leaves behind: the earliest
due time still ahead of ``G`` (NULL when nothing is pending, and for cancelled orders).

Calls: one per order (the call it was accepted on, answered by its owner), plus half as many again — follow-ups,
abandoned calls, silent, wrong-number and harassing calls; about 5 % of answered calls rang longer than 10 s.
Callbacks: a row for every callback attempt (reached or not) of the orders that were called back, the three
unreached attempts of those archived without reaching the customer, and the unsatisfied callback that reopened
a complaint.

Exactly ``sizes.due`` orders (every ``orders/due``-th id) are *due*: one of their deadlines passed within the
hour before ``G`` and was not met, and ``next_due_at`` still points at it (as if the sweep had not run since).
Each has exactly one breach to post: a repair crew not on site (never, or late), a complaint not replied,
or a complaint / report / suggestion not called back. Their ids, ``next_due_at`` and the deadline column it
points at are kept in ``bench.due_orders`` so that the sweep suite can make them due again.

The ledger holds what the past sweeps posted (every deadline judged before G that was missed, every valid
attitude finding and every call that rang too long up to the event cursors, which stand at G), the manual
entries of the shift leads and a few reversals (appeals upheld by a supervisor). The center is a strained one
(nearly half of the arrival and callback deadlines and a third of the reply deadlines are missed), so that with
the growing volume the last complete month holds over 100,000 ledger entries (issue 7), February included.

Bench-only helpers live in the schema ``bench`` of the bench database (never in the app's tables).

One module of about 1,250 lines, over the bench's ~400: the steps are one ``Generator`` whose SQL statements
read what the earlier ones wrote (the orders' facts feed the due columns, the calls, the callbacks, the ledger and
the checks) and share its helpers (the age distribution, the seeded draws, the bulk-load context); split apart,
each piece would need the whole of the others' state to be read.
"""

import contextlib
import datetime as dt
import math
from dataclasses import dataclass, field

from . import pg
from .config import Sizes
from .measure import Stopwatch

LOCAL_TZ = "Asia/Shanghai"
SPAN = dt.timedelta(days=365)  # orders, calls and manual entries spread over the year before G
RAMP = 1.5  # daily volume ∝ (1 − age / SPAN) ** RAMP: the center grew through the year
DUE_WINDOW = dt.timedelta(minutes=60)  # the due orders came due within this window before G
# OFFSET 0 keeps PostgreSQL from pulling a subquery up into its parent: each level's columns are then
# computed once per row instead of their expressions being copied into every reference above.
FENCE = "OFFSET 0"
SEED = 0.42  # setseed(): the same data on every run (relative to G)
FIXED_PASSWORD = "bench-only"
REPORT_ENTRIES = 100_000  # ledger entries the report month must hold at the default sizes (issue 7)

KIND_MIX = [("repair", 0.50), ("consultation", 0.20), ("complaint", 0.15), ("report", 0.05), ("suggestion", 0.10)]
COMPLAINT_LIKE = ("complaint", "report", "suggestion")
CHAINS = {
    "repair": ["accepted", "dispatched", "arrived", "restored", "called_back"],
    "consultation": ["accepted", "dispatched", "replied", "informed", "called_back"],
    **{k: ["accepted", "forwarded", "dispatched", "investigated", "replied", "called_back"] for k in COMPLAINT_LIKE},
}
# Where an order that stalled (the backlog, and the due orders) stopped, as a rank in its chain.
STATE_MIX = {
    "repair": [0.05, 0.20, 0.15, 0.45, 0.15],
    "consultation": [0.05, 0.35, 0.20, 0.35, 0.05],
    **{k: [0.05, 0.10, 0.25, 0.20, 0.30, 0.10] for k in COMPLAINT_LIKE},
}
# Which fact each step of a chain stamps (step k happens d_k after step k-1); archived comes after the last.
STEP_COLUMNS = {
    "repair": ["dispatched_at", "arrived_at", "restored_at", "called_back_at"],
    "consultation": ["dispatched_at", "replied_at", "informed_at", "called_back_at"],
    **{k: ["forwarded_at", "dispatched_at", "investigated_at", "replied_at", "called_back_at"] for k in COMPLAINT_LIKE},
}
RESOLVED_BY = {"repair": "restored_at", "consultation": "informed_at",
               **{k: "replied_at" for k in COMPLAINT_LIKE}}
DUE_COLUMNS = ("first_contact_due_at", "reply_due_at", "arrival_due_at", "restore_due_at", "callback_due_at")
# (due column, SLA deadline, fact starting the clock) — as tickets.sla.DEADLINE_CLOCKS
CLOCKS = (
    ("first_contact_due_at", "first_contact", "accepted_at"),
    ("reply_due_at", "reply", "reply_started_at"),
    ("arrival_due_at", "arrival", "dispatched_at"),
    ("restore_due_at", "restore", "arrived_at"),
    ("callback_due_at", "callback", "resolved_at"),
)
FACT_COLUMNS = ("accepted_at", "forwarded_at", "dispatched_at", "first_contacted_at", "arrived_at", "restored_at",
                "investigated_at", "replied_at", "informed_at", "resolved_at", "called_back_at", "archived_at",
                "cancelled_at", "escalated_at", "reply_started_at")

# The life of an order (non-due orders).
P_CANCELLED = 0.01  # cancelled as a duplicate within half an hour of its acceptance
P_STUCK = 0.03  # stalled in an open state (STATE_MIX) and never went further: the backlog
P_ON_CALL = 0.50  # consultations answered on the call (archived at once, no callback)
P_REOPEN = 0.08  # complaint-like orders reopened once by an unsatisfied callback (then done again)
P_CALLBACK_RETRY = 0.15  # callbacks reached at the second attempt
P_CALLBACK_FAILED = 0.03  # archived after three unreached attempts (a callback_missed breach)
LATE = {"arrival": 0.45, "reply": 0.40, "callback": 0.45}  # share of those deadlines missed
SATISFIED = 0.80  # reached repair and consultation callbacks; complaint-like: satisfied, or reopened
# Calls besides the one each order was accepted on: half as many again (1.5 calls per order).
EXTRA_CALLS = 0.5
EXTRA_CALL_MIX = [("abandoned", 0.09), ("silent", 0.04), ("wrong_number", 0.02), ("harassment", 0.006),
                  ("answered", 0.844)]  # abandoned = 3 % of all calls
RING_OVER = 0.05  # answered calls that rang longer than the 10 s limit (3 rings)
MANUAL_PER_ORDER = 1 / 400  # manual entries posted by the shift leads
MANUAL_RULES = [("first_question", 0.45), ("late_or_early", 0.25), ("no_cleaning", 0.20),
                ("intranet_violation", 0.10)]
REVERSED_ONE_IN = 250  # appeals upheld: one entry in 250 has a reversal
STAFF = [("lead", "shift_lead", 10), ("supervisor", "supervisor", 2), ("manager", "manager", 1)]

PREFIX = {"repair": "GZ", "consultation": "ZX", "complaint": "TS", "report": "JB", "suggestion": "JY"}
TITLES = {
    "repair": ["家中停电", "小区整体停电", "电表故障", "线路断线", "电压不稳", "变压器异响冒烟"],
    "consultation": ["电费查询", "峰谷电价咨询", "新装办理流程", "阶梯电价咨询", "停电计划查询"],
    "complaint": ["抢修人员服务态度差", "抢修到达超时", "电费异常", "频繁停电", "营业厅服务投诉"],
    "report": ["窃电举报", "违章用电举报", "工作人员违规举报"],
    "suggestion": ["建议增加缴费渠道", "建议提前发布停电通知", "建议缩短热线等待时间"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
         "超", "秀兰", "霞"]
CITIES = ["东州", "南岭", "西江", "北原"]
STREETS = ["人民路", "解放街", "建设路", "滨江路", "东风路", "中山路", "青山镇李家村", "白云乡高山村"]
MANUAL_REASONS = {
    "first_question": "交接班时发现本班可办结工单未办结",
    "late_or_early": "值班长记录：未按时到岗",
    "no_cleaning": "交接班检查：卫生未做",
    "intranet_violation": "信息安全检查：内网计算机外联",
}


@dataclass
class Step:
    name: str
    seconds: float
    rows: int | None = None


@dataclass
class DataSet:
    generated_at: dt.datetime  # G
    sizes: Sizes
    steps: list[Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    mix: list[tuple] = field(default_factory=list)  # (kind, state, orders, with next_due_at)
    sizes_on_disk: list[tuple[str, str]] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report_period: str = ""  # the last complete month before G (Asia/Shanghai): what the reports suite reports
    month: list[tuple[str, str]] = field(default_factory=list)  # (what, how many) in the report month
    shape: list[tuple[str, str]] = field(default_factory=list)  # (what, share) over the whole year

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)


def kept_data_set(sizes: Sizes, url: str) -> DataSet:
    """``python -m bench --keep-data``: the data set an earlier run generated in the bench database, as it is now
    (with what that run's suites added), counted but neither generated nor checked again."""
    from django.utils import timezone

    data = DataSet(generated_at=timezone.now(), sizes=sizes)
    try:
        for table in ("tickets_unit", "tickets_department", "tickets_user", "tickets_customer", "tickets_workorder",
                      "tickets_call", "tickets_callback", "kpi_ledgerentry"):
            data.counts[table] = pg.scalar(f"SELECT count(*) FROM {table}")
    except Exception as exc:
        raise SystemExit(f"bench: --keep-data: no data set to keep in {url.rsplit('/', 1)[-1]!r} ({exc}); run "
                         "without --keep-data first") from exc
    if not data.counts["tickets_workorder"]:
        raise SystemExit("bench: --keep-data: the database has no work orders; run without --keep-data first")
    data.warnings.append("The data set was not generated by this run (`--keep-data`): it is what an earlier run left "
                         "in the database, with what that run's suites added; G below is this run's start, the "
                         "steps and the checks of the generation are not repeated.")
    return data


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join(_q(v) for v in values) + "]"


def _cumulative_case(column: str, choices: list[tuple[str, float]]) -> str:
    total, parts = 0.0, []
    for value, weight in choices[:-1]:
        total += weight
        parts.append(f"WHEN {column} < {total:.6f} THEN {value}")
    return f"CASE {' '.join(parts)} ELSE {choices[-1][0]} END"


def _late_or_not(draw: str, share: float, late: tuple[float, float], on_time: tuple[float, float]) -> str:
    """A factor of a deadline's limit from one uniform draw: with probability ``share`` late (``late[0]`` …
    ``late[0] + late[1]`` times the limit), else on time (``on_time[0]`` … ``on_time[0] + on_time[1]``)."""
    return (f"CASE WHEN {draw} < {share} THEN {late[0]} + {draw} / {share} * {late[1]} "
            f"ELSE {on_time[0]} + ({draw} - {share}) / {1 - share} * {on_time[1]} END")


def _age(draw: str) -> str:
    """How long before G something happened, from a uniform draw: volume ∝ (1 − age / SPAN) ** RAMP."""
    return f"interval '{SPAN.days} days' * (1 - power(1 - {draw}, {1 / (RAMP + 1)}))"


def report_period(moment: dt.datetime) -> str:
    """The last complete month before ``moment`` in Asia/Shanghai (``YYYY-MM``), as the report on the 1st."""
    from kpi.reports.figures import previous_period

    return previous_period(moment)


class Policies:
    """The active default SLA policies (no unit), as SQL expressions."""

    def __init__(self) -> None:
        from tickets.models import SlaPolicy

        self.rows = list(SlaPolicy.objects.filter(active=True, unit__isnull=True))

    def _for(self, kind: str, deadline: str) -> list:
        return [p for p in self.rows if p.order_kind == kind and p.deadline == deadline]

    @staticmethod
    def _interval(policy) -> str:
        unit = {"minutes": "minutes", "hours": "hours", "calendar_days": "days"}[policy.measure]
        return f"interval '{policy.amount} {unit}'"

    def due(self, kind: str, deadline: str, start: str, area: str = "area") -> str:
        """SQL for the due time of ``deadline`` of an order of ``kind`` whose clock started at ``start``
        (NULL when no policy applies), the area-specific policy beating the any-area one (tickets.sla)."""
        policies = self._for(kind, deadline)
        if not policies:
            return "NULL::timestamptz"

        def expr(policy) -> str:
            if policy.measure == "working_days":
                return f"bench.add_working_days({start}, {policy.amount})"
            return f"({start} + {self._interval(policy)})"

        default = next((p for p in policies if not p.area_type), None)
        specific = [p for p in policies if p.area_type]
        if not specific:
            return expr(default)
        whens = " ".join(f"WHEN {_q(p.area_type)} THEN {expr(p)}" for p in specific)
        return f"CASE {area} {whens} ELSE {expr(default) if default else 'NULL::timestamptz'} END"

    def limit(self, kind: str, deadline: str, area: str = "area") -> str:
        """The limit as an interval (calendar measures only: used to place facts around a due time)."""
        t0 = "timestamptz '2000-01-03 00:00+00'"
        return f"({self.due(kind, deadline, t0, area)} - {t0})"

    def approx_limit(self, kind: str, deadline: str, area: str = "area") -> str:
        """Like ``limit``, with a working-day limit taken as 7/5 calendar days per working day: only for placing
        facts before or after a deadline (the due column itself is always computed exactly, by ``due``)."""
        policies = self._for(kind, deadline)
        if policies and all(p.measure == "working_days" for p in policies):
            return f"interval '{math.ceil(max(p.amount for p in policies) * 7 / 5)} days'"
        return self.limit(kind, deadline, area)

    def working_day_amounts(self) -> set[int]:
        return {p.amount for p in self.rows if p.measure == "working_days"}

    def sample_percent(self, kind: str) -> int:
        policies = self._for(kind, "callback")
        return policies[0].sample_percent if policies else 0


def _reset_identity(table: str) -> None:
    pg.run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def with_model_defaults(model, columns: dict[str, str]) -> dict[str, str]:
    """``columns`` (column → SQL expression) completed with the model's Python-side default for every
    NOT NULL column the generator does not set, so that a field added to the model later (e.g. a JSONField
    with ``default=list``) does not break the bulk load."""
    from django.db import connection

    completed = dict(columns)
    for f in model._meta.concrete_fields:
        if f.column in completed or f.null or f.primary_key:
            continue
        value = f.get_db_prep_save(f.get_default(), connection)
        completed[f.column] = pg.literal(value)
    return completed


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes of ``table`` that back no constraint."""
    return pg.rows(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        ORDER BY c.relname
        """,
        [table],
    )


@contextlib.contextmanager
def replica_role():
    """Skip the per-row foreign-key triggers during a bulk load whose keys are valid by construction
    (checked afterwards): deferred RI checks would queue millions of events in memory. Needs SUPERUSER,
    which the bench role has (services.md)."""
    pg.run("SET session_replication_role = replica")
    try:
        yield
    finally:
        pg.run("SET session_replication_role = DEFAULT")


class Generator:
    def __init__(self, sizes: Sizes, now: dt.datetime | None = None, log=print) -> None:
        from django.utils import timezone

        self.sizes = sizes
        self.g = (now or timezone.now()).replace(microsecond=0)
        self.G = pg.literal(self.g)
        self.log = log
        self.data = DataSet(generated_at=self.g, sizes=sizes, report_period=report_period(self.g))

    # --- plumbing -------------------------------------------------------------------------------------

    def _step(self, name: str, fn, rows_of: str | None = None) -> None:
        self.log(f"bench: data: {name} …")
        with Stopwatch() as sw:
            fn()
        rows = pg.scalar(f"SELECT count(*) FROM {rows_of}") if rows_of else None
        self.data.steps.append(Step(name, sw.seconds, rows))
        self.log(f"bench: data: {name}: {sw.seconds:.1f} s" + (f", {rows:,} rows" if rows is not None else ""))

    def _run(self, label: str, statement: str) -> None:
        """pg.run, logging how long the statement took (the generator's slow parts show in the output)."""
        with Stopwatch() as sw:
            pg.run(statement)
        self.log(f"bench: data:   {label}: {sw.seconds:.1f} s")

    @contextlib.contextmanager
    def _bulk_load(self, table: str):
        """Around a big insert: the secondary indexes dropped (rebuilt once over the loaded table afterwards,
        much faster than row by row) and the per-row foreign-key triggers skipped (``replica_role``)."""
        indexes = _secondary_indexes(table)
        for name, _ in indexes:
            pg.run(f'DROP INDEX "{name}"')
        with replica_role():
            yield
        with Stopwatch() as sw:
            for _, statement in indexes:
                pg.run(statement)
        self.log(f"bench: data:   {table}: {len(indexes)} indexes rebuilt: {sw.seconds:.1f} s")
        _reset_identity(table)

    def build(self) -> DataSet:
        pg.run("SET synchronous_commit = off")
        pg.run("SET maintenance_work_mem = '256MB'")
        pg.run("SET work_mem = '64MB'")
        pg.run(f"SELECT setseed({SEED})")
        self._step("helpers (schema bench, working-day table)", self.helpers)
        self._step("units and departments", self.org, "tickets_department")
        self._step("agents, shift leads, supervisors, manager", self.agents, "tickets_user")
        self._step("customers", self.customers, "tickets_customer")
        self._step("work orders", self.work_orders, "tickets_workorder")
        self._step("calls", self.calls, "tickets_call")
        self._step("callbacks", self.callbacks, "tickets_callback")
        self._step("sweep cursors, due set bookkeeping", self.bookkeeping, "bench.due_orders")
        self._step("ledger: breaches, calls over the limit, manual entries, reversals", self.ledger_history,
                   "kpi_ledgerentry")
        self._step("VACUUM ANALYZE, CHECKPOINT", self.vacuum)
        self._step("checks (foreign keys, life cycles, calls, callbacks, ledger)", self.verify)
        pg.run("RESET work_mem")
        pg.run("RESET maintenance_work_mem")
        pg.run("RESET synchronous_commit")
        self.describe()
        return self.data

    # --- steps ----------------------------------------------------------------------------------------

    def helpers(self) -> None:
        from django.utils import timezone

        from tickets.calendar import add_working_days

        pg.run("DROP SCHEMA IF EXISTS bench CASCADE")
        pg.run("CREATE SCHEMA bench")
        # Deterministic per-customer attributes, so an order can derive its caller's without a join.
        pg.run("""
            CREATE FUNCTION bench.pct(i bigint, salt int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ((hashint8(i * 31 + salt)::bigint + 2147483648) % 100)::int $$""")
        pg.run("""
            CREATE FUNCTION bench.area(customer bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT CASE WHEN bench.pct(customer, 1) < 60 THEN 'urban'
                              WHEN bench.pct(customer, 1) < 90 THEN 'rural' ELSE 'remote' END $$""")
        pg.run(f"""
            CREATE FUNCTION bench.address(customer bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT ({_array(CITIES)})[1 + (customer % 20) / 5] || '市第' || (1 + customer % 20) || '县'
                         || ({_array(STREETS)})[1 + bench.pct(customer, 2) % {len(STREETS)}]
                         || (1 + customer % 397) || '号' $$""")
        pg.run("""
            CREATE FUNCTION bench.phone(customer bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT '13' || lpad(customer::text, 9, '0') $$""")
        # datetime.isoformat() of a UTC datetime, as the sweep writes a breach's occurrence into its key.
        pg.run("""
            CREATE FUNCTION bench.isoformat(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                         || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 <> 0
                                 THEN '.' || to_char(t AT TIME ZONE 'UTC', 'US') ELSE '' END
                         || '+00:00' $$""")
        # Working days as tickets.calendar.add_working_days computes them (same code, same calendar
        # table), tabulated for every start date the data uses.
        pg.run("CREATE TABLE bench.working_days (day date, n int, due date, PRIMARY KEY (day, n))")
        start = timezone.localtime(self.g - SPAN).date() - dt.timedelta(days=1)  # the earliest clock: a year ago
        end = timezone.localtime(self.g).date() + dt.timedelta(days=2)
        values, provisional = [], 0
        for n in sorted(Policies().working_day_amounts()):
            day = start
            while day <= end:
                local = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
                due = add_working_days(local, n)  # a year not entered yet: its provisional calendar, as the app
                provisional += due.provisional
                values.append(f"('{day}', {n}, '{due.at.date()}')")
                day += dt.timedelta(days=1)
        if values:
            pg.run("INSERT INTO bench.working_days VALUES " + ", ".join(values))
        if provisional:
            self.data.warnings.append(
                f"{provisional} working-day due dates fall in a year whose holiday arrangement is not entered; "
                "they are counted on its provisional calendar, as the app does (provisional_deadlines is not set "
                "on the generated rows).")
        pg.run(f"""
            CREATE FUNCTION bench.add_working_days(start timestamptz, n int) RETURNS timestamptz
            LANGUAGE sql STABLE AS $$
                SELECT (w.due + (start AT TIME ZONE '{LOCAL_TZ}')::time) AT TIME ZONE '{LOCAL_TZ}'
                FROM bench.working_days w
                WHERE w.day = (start AT TIME ZONE '{LOCAL_TZ}')::date AND w.n = add_working_days.n $$""")

    def org(self) -> None:
        # 1 group company; 4 city companies; 20 county companies (5 per city); 2 service centers.
        pg.run("""INSERT INTO tickets_unit (id, name, code, kind, parent_id)
                  VALUES (1, '示范省电力公司', 'group', 'group', NULL)""")
        pg.run(f"""INSERT INTO tickets_unit (id, name, code, kind, parent_id)
                   SELECT 2 + c, ({_array(CITIES)})[c + 1] || '供电公司', 'city-' || c, 'city', 1
                   FROM generate_series(0, 3) c""")
        pg.run(f"""INSERT INTO tickets_unit (id, name, code, kind, parent_id)
                   SELECT 6 + k, ({_array(CITIES)})[k / 5 + 1] || '第' || (k + 1) || '县供电公司', 'county-' || k,
                          'county', 2 + k / 5
                   FROM generate_series(0, 19) k""")
        pg.run("""INSERT INTO tickets_unit (id, name, code, kind, parent_id)
                  VALUES (26, '95598客户服务中心一部', 'service-center-1', 'service_center', 1),
                         (27, '95598客户服务中心二部', 'service-center-2', 'service_center', 1)""")
        # 50 departments: per county a repair crew (1–20) and a marketing office (21–40); per city a
        # supervision office (41–44) and operations (45–48); at the group supervision (49) and other (50).
        pg.run("""INSERT INTO tickets_department (id, name, code, kind, unit_id)
                  SELECT 1 + k, '第' || (k + 1) || '县抢修班', 'repair-' || k, 'repair_crew', 6 + k
                  FROM generate_series(0, 19) k
                  UNION ALL
                  SELECT 21 + k, '第' || (k + 1) || '县营销部', 'marketing-' || k, 'marketing', 6 + k
                  FROM generate_series(0, 19) k
                  UNION ALL
                  SELECT 41 + c, '市监察室' || (c + 1), 'supervision-' || c, 'supervision', 2 + c
                  FROM generate_series(0, 3) c
                  UNION ALL
                  SELECT 45 + c, '市运检部' || (c + 1), 'operations-' || c, 'operations', 2 + c
                  FROM generate_series(0, 3) c
                  UNION ALL
                  SELECT 49, '省公司监察室', 'supervision-group', 'supervision', 1
                  UNION ALL
                  SELECT 50, '省公司办公室', 'office-group', 'other', 1""")
        _reset_identity("tickets_unit")
        _reset_identity("tickets_department")


    def agents(self) -> None:
        from django.contrib.auth.hashers import make_password

        password = make_password(FIXED_PASSWORD, salt="benchsalt0000000")  # one hash for every user
        n = self.sizes.agents
        pg.run(f"""
            INSERT INTO tickets_user (id, password, last_login, is_superuser, username, first_name, last_name,
                                      email, is_staff, is_active, date_joined, seat, unit_id, department_id)
            SELECT i, {_q(password)}, NULL, false, 'agent' || lpad(i::text, 3, '0'),
                   ({_array(GIVEN)})[1 + bench.pct(i, 3) % {len(GIVEN)}],
                   substr({_q(SURNAMES)}, 1 + bench.pct(i, 4) % {len(SURNAMES)}, 1),
                   '', false, true, {self.G} - interval '400 days', (8000 + i)::text, 26 + i % 2, NULL
            FROM generate_series(1, {n}) i""")
        pg.run("""INSERT INTO tickets_user_groups (user_id, group_id)
                  SELECT u.id, g.id FROM tickets_user u CROSS JOIN auth_group g WHERE g.name = 'agent'""")
        # The people who post manual entries (shift leads), reverse entries on appeal (supervisors) and read
        # the reports (a manager): ids after the agents, in the order of STAFF.
        staff, pk = [], n
        for prefix, group, count in STAFF:
            for i in range(1, count + 1):
                pk += 1
                staff.append(f"({pk}, {_q(prefix + f'{i:02d}')}, {_q(group)})")
        pg.run(f"""
            INSERT INTO tickets_user (id, password, last_login, is_superuser, username, first_name, last_name,
                                      email, is_staff, is_active, date_joined, seat, unit_id, department_id)
            SELECT s.id, {_q(password)}, NULL, false, s.username,
                   ({_array(GIVEN)})[1 + bench.pct(s.id, 3) % {len(GIVEN)}],
                   substr({_q(SURNAMES)}, 1 + bench.pct(s.id, 4) % {len(SURNAMES)}, 1),
                   '', false, true, {self.G} - interval '400 days', '', 26 + s.id % 2, NULL
            FROM (VALUES {', '.join(staff)}) s (id, username, role)""")
        pg.run(f"""INSERT INTO tickets_user_groups (user_id, group_id)
                   SELECT u.id, g.id FROM (VALUES {', '.join(staff)}) s (id, username, role)
                   JOIN tickets_user u ON u.id = s.id JOIN auth_group g ON g.name = s.role""")
        _reset_identity("tickets_user")

    def _staff_ids(self, role: str) -> tuple[int, int]:
        """The first and last user id of a STAFF role."""
        first = self.sizes.agents + 1
        for _, group, count in STAFF:
            if group == role:
                return first, first + count - 1
            first += count
        raise KeyError(role)

    def customers(self) -> None:
        with replica_role():
            self._customers()
        _reset_identity("tickets_customer")

    def _customers(self) -> None:
        pg.run(f"""
            CREATE FUNCTION bench.customer_name(customer bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
            AS $$ SELECT substr({_q(SURNAMES)}, 1 + bench.pct(customer, 5) % {len(SURNAMES)}, 1)
                         || ({_array(GIVEN)})[1 + bench.pct(customer, 6) % {len(GIVEN)}] $$""")
        pg.run(f"""
            INSERT INTO tickets_customer (id, account_number, name, phone, address, area_type, created_at, unit_id,
                                          sms_opt_out)
            SELECT i, '70' || lpad(i::text, 9, '0'), bench.customer_name(i),
                   bench.phone(i), bench.address(i), bench.area(i),
                   {self.G} - interval '5 years' * (1 - i::float8 / {self.sizes.customers}), 6 + i % 20,
                   i % 50 = 0
            FROM generate_series(1, {self.sizes.customers}) i""")

    def work_orders(self) -> None:
        s, pol = self.sizes, Policies()
        step = s.orders // s.due
        # Stage 1: the random draws, once per order (stored, so that the later stages are pure functions).
        pg.run("DROP TABLE IF EXISTS bench.wo1, bench.wo2")
        self._run("random draws", f"""
            CREATE UNLOGGED TABLE bench.wo1 AS
            SELECT i::bigint AS id, (i % {step} = 0 AND i / {step} <= {s.due}) AS due, (i / {step}) % 10 AS v,
                   1 + floor(random() * {s.customers})::bigint AS customer_id,
                   1 + floor(random() * {s.agents})::bigint AS owner_id,
                   {", ".join(f"random() AS {r}" for r in ("rk", "rs", "rd", "rl", "rf", "ro", "rq", "rp", "rt",
                                                           "rb", "rc", "ra"))},
                   {", ".join(f"random() AS r{k}" for k in range(1, 11))}
            FROM generate_series(1, {s.orders}) i""")
        self._run("kinds, fates, durations, numbers, ranks",
                  f"CREATE UNLOGGED TABLE bench.wo2 AS {self._plan_sql(pol)}")
        pg.run("DROP TABLE bench.wo1")
        with self._bulk_load("tickets_workorder"):
            self._run("INSERT tickets_workorder", self._insert_sql(pol))
        pg.run("DROP TABLE bench.wo2")

    def _plan_sql(self, pol: Policies) -> str:
        """Per order: kind, fate, state (as ``rank`` in its kind's chain followed by archived), the times t1…t6
        of its steps, accepted_at, number."""
        G = self.G
        kind_case = _cumulative_case("rk", [(_q(k), w) for k, w in KIND_MIX])
        stall_case = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN {_cumulative_case('rs', [(str(r), w) for r, w in enumerate(STATE_MIX[k])])}"
            for k in CHAINS) + " END"
        arrival = pol.limit("repair", "arrival")
        reply_limit = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN {pol.approx_limit(k, 'reply')}" for k in ("consultation", *COMPLAINT_LIKE)) + " END"
        # How long after the clock started the reply came: LATE['reply'] of them after the limit.
        reply_target = f"{reply_limit} * ({_late_or_not('rt', LATE['reply'], (1.02, 0.6), (0.3, 0.65))})"
        # The callback after the resolution (due 1 day after it), or the third unreached attempt.
        callback_days = _late_or_not("rb", LATE["callback"], (1.02, 1.5), (1 / 24, 22 / 24))
        callback = (f"CASE WHEN cb = 'failed' THEN interval '2 hours' + rb * interval '46 hours' "
                    f"ELSE interval '1 day' * ({callback_days}) END")
        d1 = {"repair": "interval '2 min' + r1 * interval '13 min'",
              "consultation": "interval '5 min' + r1 * interval '115 min'",
              "complaint": "interval '5 min' + r1 * interval '55 min'"}
        complaint_d2 = "interval '1 hour' + r2 * interval '11 hours'"
        complaint_d3 = ("CASE WHEN due THEN interval '1 hour' + r3 * interval '23 hours' "
                        "ELSE interval '1 day' + r3 * interval '2 days' END")
        zero = "interval '0'"
        # Step durations by kind (complaint stands for report and suggestion too). d2r / d4r: the same steps
        # for an order reopened by an unsatisfied callback — its first round (dispatch, investigation, a reply
        # in time, the callback within the day) takes the place of d2, so that dispatched_at is the reopening.
        durations = {
            "repair": {
                "d1": d1["repair"],
                # due orders of variant 4–5: the crew arrived late, half-way between due and G
                "d2n": (f"CASE WHEN due THEN {arrival} + late / 2 ELSE {arrival} * "
                        f"({_late_or_not('r2', LATE['arrival'], (1.02, 1.0), (0.25, 0.73))}) END"),
                "d2r": "NULL::interval",
                "d3": "interval '20 min' + r3 * interval '280 min'",
                "d4n": f"CASE WHEN due THEN interval '1 hour' + r4 * interval '29 hours' ELSE {callback} END",
                "d4r": "NULL::interval",
                "d5": zero,
            },
            "consultation": {
                "d1": d1["consultation"],
                "d2n": f"GREATEST(interval '30 min', {reply_target} - ({d1['consultation']}))",
                "d2r": "NULL::interval",
                "d3": "interval '10 min' + r3 * interval '24 hours'",
                "d4n": callback,
                "d4r": "NULL::interval",
                "d5": zero,
            },
            "complaint": {
                "d1": d1["complaint"],
                "d2n": complaint_d2,
                "d2r": (f"{reply_limit} * (0.3 + rp * 0.4) + interval '1 hour' + (1 - rp) * interval '20 hours' "
                        f"- ({d1['complaint']})"),
                "d3": complaint_d3,
                # due orders called back late were investigated and replied in time
                "d4n": (f"CASE WHEN due THEN interval '2 hours' + r4 * interval '22 hours' "
                        f"ELSE GREATEST(interval '1 hour', {reply_target} - ({d1['complaint']}) - ({complaint_d2}) "
                        f"- ({complaint_d3})) END"),
                "d4r": f"GREATEST(interval '1 hour', {reply_target} - ({complaint_d3}))",
                "d5": f"CASE WHEN due THEN interval '1 hour' + r5 * interval '29 hours' ELSE {callback} END",
            },
        }
        step_columns = ", ".join(
            f"CASE kind WHEN 'repair' THEN {durations['repair'][name]} "
            f"WHEN 'consultation' THEN {durations['consultation'][name]} "
            f"ELSE {durations['complaint'][name]} END AS {name}"
            for name in ("d1", "d2n", "d2r", "d3", "d4n", "d4r", "d5"))
        # Due orders: the deadline they are due for passed `late` (1 s … 59 min) before G.
        callback_limit = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN {pol.limit(k, 'callback')}" for k in COMPLAINT_LIKE) + " END"
        accepted = f"""CASE
            WHEN NOT due THEN {G} - age
            WHEN v <= 5 THEN {G} - late - {arrival} - d1
            WHEN v <= 7 THEN {G} - late - {pol.limit('complaint', 'reply')}
            ELSE {G} - late - {callback_limit} - (d1 + d2n + d3 + d4n) END"""
        number = (f"CASE kind {' '.join(f'WHEN {_q(k)} THEN {_q(p)}' for k, p in PREFIX.items())} END"
                  f" || to_char(accepted_at AT TIME ZONE '{LOCAL_TZ}', 'YYYYMMDD') || lpad(id::text, 7, '0')")
        # WorkOrder.sample_for_callback: sha256(number)[:4] big-endian % 100 < percent (100 %: always).
        sample_hash = ("('x' || substr(encode(sha256(convert_to(number, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint"
                       " % 100")
        sampled = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN "
            f"{'true' if pol.sample_percent(k) >= 100 else f'{sample_hash} < {pol.sample_percent(k)}'}"
            for k in CHAINS) + " END"
        top = "CASE kind " + " ".join(f"WHEN {_q(k)} THEN {len(c) - 1}" for k, c in CHAINS.items()) + " END"
        fate = f"""CASE WHEN due THEN 'due' WHEN rf < {P_CANCELLED} THEN 'cancelled'
                        WHEN rf < {P_CANCELLED + P_STUCK} THEN 'stuck'
                        WHEN kind = 'consultation' AND ro < {P_ON_CALL} THEN 'on_call' ELSE 'complete' END"""
        cb = (f"CASE WHEN rc < {P_CALLBACK_FAILED} THEN 'failed' "
              f"WHEN rc < {P_CALLBACK_FAILED + P_CALLBACK_RETRY} THEN 'retry' ELSE 'ok' END")
        short = "kind IN ('repair', 'consultation')"  # chains of four steps (the callback is step 4)
        # Effective step durations: the callback step takes no time when no callback is needed (the order is
        # resolved, then archived); step top + 1 is the archiving.
        e = {
            1: "d1", 2: "d2", 3: "d3",
            4: f"CASE WHEN {short} AND NOT sampled THEN {zero} ELSE d4 END",
            5: f"CASE WHEN {short} THEN da WHEN sampled THEN d5 ELSE {zero} END",
            6: f"CASE WHEN {short} THEN {zero} ELSE da END",
        }
        times = ", ".join(f"accepted_at + {' + '.join(e[j] for j in range(1, k + 1))} AS t{k}" for k in range(1, 7))
        progress = "CASE " + " ".join(f"WHEN t{k} <= {G} THEN {k}" for k in range(6, 0, -1)) + " ELSE 0 END"
        target = "CASE fate WHEN 'complete' THEN top + 1 WHEN 'stuck' THEN stall WHEN 'due' THEN stall ELSE 0 END"
        return f"""
            SELECT m.*,
                   -- an order not sampled for a callback, or whose callback never reached the customer, is never
                   -- in state called_back
                   CASE WHEN rank0 = top AND (NOT sampled OR cb = 'failed') THEN rank0 - 1 ELSE rank0 END AS rank
            FROM (
                SELECT t.*, CASE WHEN due THEN stall ELSE LEAST({target}, {progress}) END AS rank0
                FROM (
                    SELECT s.*, {times}
                    FROM (
                        SELECT n.*, {sampled} AS sampled, {top} AS top
                        FROM (
                            SELECT a.*, {number} AS number,
                                   CASE WHEN reopened THEN d2r ELSE d2n END AS d2,
                                   CASE WHEN reopened THEN d4r ELSE d4n END AS d4
                            FROM (
                                SELECT r.*, {accepted} AS accepted_at,
                                       fate = 'complete' AND kind IN ('complaint', 'report', 'suggestion')
                                           AND rq < {P_REOPEN} AND {accepted} + d1 + d2r <= {G} AS reopened
                                FROM (
                                    SELECT k.*, {step_columns},
                                           interval '5 min' + ra * interval '24 hours' AS da,
                                           {_age('rd')} AS age,
                                           {fate} AS fate,
                                           CASE WHEN NOT due THEN {stall_case}
                                                WHEN v <= 3 THEN 1 WHEN v <= 5 THEN 2 WHEN v = 6 THEN 2
                                                WHEN v = 7 THEN 3 ELSE 4 END AS stall
                                    FROM (
                                        SELECT w.*, bench.area(customer_id) AS area,
                                               interval '1 second' + rl * interval '58 minutes' AS late,
                                               CASE WHEN NOT due THEN {kind_case}
                                                    WHEN v <= 5 THEN 'repair' WHEN v <= 8 THEN 'complaint'
                                                    WHEN rk < 0.5 THEN 'report' ELSE 'suggestion' END AS kind,
                                               {cb} AS cb
                                        FROM bench.wo1 w
                                        {FENCE}
                                    ) k
                                    {FENCE}
                                ) r
                                {FENCE}
                            ) a
                            {FENCE}
                        ) n
                        {FENCE}
                    ) s
                    {FENCE}
                ) t
                {FENCE}
            ) m"""

    def _insert_sql(self, pol: Policies) -> str:
        """Facts, due columns and next_due_at from the plan, inserted in one statement."""
        G = self.G

        def event(kind: str, k: int) -> str:  # time of step k of the chain; NULL if the order has not got there
            if k == len(CHAINS[kind]) - 1:  # the callback: only when one was needed and reached the customer
                return f"CASE WHEN rank >= {k} AND sampled AND cb <> 'failed' THEN t{k} END"
            return f"CASE WHEN rank >= {k} THEN t{k} END"

        fact_cols = sorted({c for cols in STEP_COLUMNS.values() for c in cols})
        facts = ", ".join(
            "CASE kind " + " ".join(f"WHEN {_q(k)} THEN {event(k, cols.index(col) + 1)}"
                                    for k, cols in STEP_COLUMNS.items() if col in cols) + f" END AS {col}"
            for col in fact_cols)
        states = ("CASE fate WHEN 'cancelled' THEN 'cancelled' WHEN 'on_call' THEN 'archived' ELSE CASE kind "
                  + " ".join(f"WHEN {_q(k)} THEN ({_array([*chain, 'archived'])})[rank + 1]"
                             for k, chain in CHAINS.items()) + " END END")
        titles = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN ({_array(t)})[1 + id % {len(t)}]" for k, t in TITLES.items()) + " END"
        causes = _cumulative_case("r10", [("'attitude'", .15), ("'quality'", .25), ("'timeliness'", .20),
                                          ("'policy'", .15), ("'supply'", .20), ("'other'", .05)])
        county, city = "(customer_id % 20)", "(customer_id % 20 / 5)"
        department = f"""CASE WHEN rank = 0 THEN NULL
            WHEN kind = 'repair' THEN 1 + {county}
            WHEN kind = 'consultation' THEN 21 + {county}
            WHEN rank = 1 THEN 41 + {city}
            WHEN r8 < 0.7 THEN 21 + {county} ELSE 45 + {city} END"""
        investigated = "kind IN ('complaint', 'report', 'suggestion') AND rank >= 3"
        # answered on the call: resolved and archived at once (ConsultationOrder.answer_on_call)
        closed_on_call = f"LEAST(accepted_at + interval '1 min' + r3 * interval '4 min', {G})"
        resolved = (f"CASE WHEN fate = 'on_call' THEN {closed_on_call} ELSE CASE kind "
                    + " ".join(f"WHEN {_q(k)} THEN {c}" for k, c in RESOLVED_BY.items()) + " END END")
        archived = (f"CASE WHEN fate = 'on_call' THEN {closed_on_call} "
                    "WHEN rank = top + 1 THEN CASE top WHEN 4 THEN t5 ELSE t6 END END")
        cancelled = (f"CASE WHEN fate = 'cancelled' "
                     f"THEN LEAST(accepted_at + interval '2 min' + r3 * interval '28 min', {G}) END")
        contact = "dispatched_at + interval '1 hour' + r6 * interval '22 hours'"
        # A reopened order was first contacted in its first round (kept: investigate sets it only once).
        first_contact = f"""CASE WHEN kind IN ('complaint', 'report', 'suggestion') AND dispatched_at IS NOT NULL
            THEN CASE WHEN reopened THEN forwarded_at + (dispatched_at - forwarded_at) * 0.3
                      ELSE LEAST(investigated_at,
                                 CASE WHEN {contact} <= {G} AND (investigated_at IS NOT NULL OR r7 < 0.6)
                                      THEN {contact} END) END END"""
        dues = []
        for column, deadline, start in CLOCKS:
            expr = "CASE kind " + " ".join(
                f"WHEN {_q(k)} THEN {pol.due(k, deadline, start)}" for k in CHAINS) + " END"
            if deadline == "callback":
                expr = f"CASE WHEN callback_required THEN {expr} END"
            dues.append(f"{expr} AS {column}")
        # What the minutely sweep leaves: the earliest due time still ahead (nothing for a cancelled order).
        # Due orders still point at the deadline that passed within the window (the sweep has not looked since).
        threshold = f"CASE WHEN due THEN {G} - interval '{int(DUE_WINDOW.total_seconds())} seconds' ELSE {G} END"
        next_due = ("CASE WHEN state = 'cancelled' THEN NULL ELSE LEAST("
                    + ", ".join(f"CASE WHEN {c} > {threshold} THEN {c} END" for c in DUE_COLUMNS) + ") END")
        attempts = """CASE WHEN cb = 'failed' AND archived_at IS NOT NULL AND callback_required THEN 3
                            WHEN called_back_at IS NOT NULL THEN CASE WHEN cb = 'retry' THEN 2 ELSE 1 END
                            ELSE 0 END"""
        columns = {
            "id": "id", "number": "number", "kind": "kind", "state": "state", "title": "title",
            "description": "title || '。客户来电反映，请尽快处理并答复。'", "customer_id": "customer_id",
            "call_id": "id",  # the call it was accepted on (bench.calls gives it the order's id)
            "caller_number": "bench.phone(customer_id)", "area_type": "area",
            "address": "bench.address(customer_id)", "unit_id": "26 + owner_id % 2", "owner_id": "owner_id",
            "department_id": "department_id", "handler_id": "NULL", "accepted_at": "accepted_at",
            **{c: c for c in fact_cols},
            "first_contacted_at": "first_contacted_at", "resolved_at": "resolved_at", "archived_at": "archived_at",
            "cancelled_at": "cancelled_at", "escalated_at": "NULL", "reply_started_at": "reply_started_at",
            "answer": "CASE WHEN kind = 'consultation' AND (rank >= 2 OR fate = 'on_call') THEN '已答复。' ELSE '' END",
            "reply_text": ("CASE WHEN resolved_at IS NOT NULL AND fate <> 'on_call' THEN '已向客户答复处理结果。' "
                           "ELSE '' END"),
            "finding_valid": "finding_valid", "finding_cause": "finding_cause",
            "finding_responsible_id": "CASE WHEN finding_cause = 'attitude' THEN owner_id END",
            "finding_note": "''", "escalation_note": "''",
            "cancel_reason": "CASE WHEN state = 'cancelled' THEN '重复工单，客户已就同一问题来电' ELSE '' END",
            "return_reason": "''", "urge_count": "0", "reopen_count": "CASE WHEN reopened THEN 1 ELSE 0 END",
            "callback_required": "callback_required", "callback_attempts": attempts,
            **{c: c for c in DUE_COLUMNS}, "next_due_at": next_due, "created_at": "accepted_at",
            "updated_at": (f"GREATEST(accepted_at, {', '.join(fact_cols)}, first_contacted_at, archived_at, "
                           "cancelled_at)"),
        }
        # What tickets.search.order_search_text writes (its fields in its order, empty ones left out; lower case),
        # and order_search_phones: so that the search indexes (migration 0020) hold what the services would.
        masked = "left({p}, 3) || '****' || right({p}, 4)"
        text_parts = [f"nullif({columns[name]}, '')" for name in (
            "title", "description", "address", "answer", "reply_text", "finding_note", "escalation_note",
            "cancel_reason", "return_reason")]
        text_parts += ["nullif(bench.customer_name(customer_id), '')", "'70' || lpad(customer_id::text, 9, '0')",
                       "bench.address(customer_id)", masked.format(p="bench.phone(customer_id)"),
                       masked.format(p="bench.phone(customer_id)")]
        columns["search_text"] = f"lower(concat_ws(E'\\n', {', '.join(text_parts)}))"
        columns["search_phones"] = "bench.phone(customer_id)"
        from tickets.models import WorkOrder

        columns = with_model_defaults(WorkOrder, columns)
        return f"""
            INSERT INTO tickets_workorder ({', '.join(columns)})
            SELECT {', '.join(columns.values())}
            FROM (
                SELECT e.*, {', '.join(dues)}
                FROM (
                    SELECT f.*, {resolved} AS resolved_at,
                           ({resolved} IS NOT NULL AND sampled AND fate <> 'on_call') AS callback_required,
                           {first_contact} AS first_contacted_at,
                           CASE WHEN reopened THEN dispatched_at ELSE accepted_at END AS reply_started_at
                    FROM (
                        SELECT id, due, kind, fate, cb, reopened, area, customer_id, owner_id, r3, r6, r7,
                               accepted_at, number, sampled, rank, top,
                               {states} AS state, {titles} AS title, {facts},
                               {archived} AS archived_at, {cancelled} AS cancelled_at,
                               CASE WHEN {investigated} THEN r9 < 0.6 END AS finding_valid,
                               CASE WHEN {investigated} AND r9 < 0.6 THEN {causes} ELSE '' END AS finding_cause,
                               {department} AS department_id
                        FROM bench.wo2
                        {FENCE}
                    ) f
                    {FENCE}
                ) e
                {FENCE}
            ) x"""

    def calls(self) -> None:
        """The call each order was accepted on (id = the order's id, answered at its owner's seat, ringing a
        moment before), then the other calls of the year: follow-ups, abandoned, silent, wrong number, harassment."""
        s, G = self.sizes, self.G
        ring = (f"(CASE WHEN random() < {RING_OVER} THEN 11 + floor(random() * 50) "
                "ELSE 2 + floor(random() * 9) END)::int")
        extra = round(s.orders * EXTRA_CALLS)
        outcome = _cumulative_case("ro", [(_q(o), w) for o, w in EXTRA_CALL_MIX])
        with self._bulk_load("tickets_call"):
            self._run("INSERT tickets_call (the calls orders were accepted on)", f"""
                INSERT INTO tickets_call (id, caller_number, customer_id, agent_id, seat, ring_started_at,
                                          answered_at, ended_at, ring_seconds, outcome, note, logged_by_id,
                                          created_at)
                SELECT id, caller_number, customer_id, owner_id, (8000 + owner_id)::text, ring_started_at,
                       ring_started_at + ring * interval '1 second', ended_at, ring, 'answered', '', NULL, ended_at
                FROM (
                    SELECT id, caller_number, customer_id, owner_id, ring,
                           accepted_at - ring * interval '1 second' - interval '20 seconds'
                               - r1 * interval '150 seconds' AS ring_started_at,
                           LEAST(accepted_at + interval '30 seconds' + r2 * interval '210 seconds', {G}) AS ended_at
                    FROM (SELECT w.*, {ring} AS ring, random() AS r1, random() AS r2
                          FROM tickets_workorder w {FENCE}) w
                    {FENCE}
                ) c""")
            self._run("INSERT tickets_call (the other calls)", f"""
                INSERT INTO tickets_call (id, caller_number, customer_id, agent_id, seat, ring_started_at,
                                          answered_at, ended_at, ring_seconds, outcome, note, logged_by_id,
                                          created_at)
                SELECT {s.orders} + i,
                       CASE WHEN customer_id IS NOT NULL THEN bench.phone(customer_id)
                            ELSE '15' || lpad(((hashint8(i)::bigint & 2147483647) % 1000000000)::text, 9, '0') END,
                       customer_id, agent_id, coalesce((8000 + agent_id)::text, ''), ring_started_at,
                       CASE WHEN outcome <> 'abandoned' THEN ring_started_at + ring * interval '1 second' END,
                       ended_at, ring, outcome, '', NULL, ended_at
                FROM (
                    SELECT i, outcome, ring, customer_id, agent_id, ring_started_at,
                           LEAST(ring_started_at + ring * interval '1 second' + CASE outcome
                                     WHEN 'abandoned' THEN interval '0'
                                     WHEN 'answered' THEN interval '30 seconds' + r3 * interval '570 seconds'
                                     ELSE interval '5 seconds' + r3 * interval '35 seconds' END, {G}) AS ended_at
                    FROM (
                        SELECT i, outcome, r3,
                               {G} - interval '2 minutes' - {_age('rd')} AS ring_started_at,
                               CASE WHEN outcome = 'abandoned' THEN (3 + floor(r4 * 60))::int ELSE {ring} END AS ring,
                               CASE WHEN outcome = 'answered' OR (outcome = 'abandoned' AND r5 < 0.7)
                                    THEN 1 + floor(r6 * {s.customers})::bigint END AS customer_id,
                               CASE WHEN outcome <> 'abandoned' OR r7 < 0.5
                                    THEN 1 + floor(r8 * {s.agents})::bigint END AS agent_id
                        FROM (
                            SELECT i, random() AS rd, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
                                   random() AS r7, random() AS r8, {outcome} AS outcome
                            FROM (SELECT i, random() AS ro FROM generate_series(1, {extra}) i {FENCE}) d
                            {FENCE}
                        ) d
                        {FENCE}
                    ) c
                    {FENCE}
                ) c""")

    def callbacks(self) -> None:
        """Every callback attempt: the reached one of each called-back order (an unreached one before it for
        those reached at the second attempt), the three unreached attempts of the orders archived without
        reaching the customer, and the unsatisfied callback that reopened a complaint-like order."""
        rating = "CASE WHEN satisfied THEN CASE WHEN {r} < 0.9 THEN 'good' ELSE 'fair' END " \
                 "ELSE CASE WHEN {r} < 0.5 THEN 'poor' ELSE 'fair' END END"
        with self._bulk_load("tickets_callback"):
            self._run("INSERT tickets_callback", f"""
                INSERT INTO tickets_callback (order_id, agent_id, made_at, reached, attitude, quality, satisfied,
                                              suggestions)
                SELECT order_id, agent_id, made_at, reached,
                       CASE WHEN reached THEN {rating.format(r='ra')} ELSE '' END,
                       CASE WHEN reached THEN {rating.format(r='rq')} ELSE '' END,
                       satisfied,
                       CASE WHEN reached AND NOT satisfied THEN '希望加快处理速度' ELSE '' END
                FROM (
                    SELECT order_id, agent_id, made_at, reached, random() AS ra, random() AS rq,
                           CASE WHEN NOT reached THEN NULL WHEN reopening THEN false
                                WHEN kind IN ('repair', 'consultation') THEN random() < {SATISFIED}
                                ELSE true END AS satisfied
                    FROM (
                        SELECT id AS order_id, owner_id AS agent_id, kind, called_back_at AS made_at,
                               true AS reached, false AS reopening
                        FROM tickets_workorder WHERE called_back_at IS NOT NULL
                        UNION ALL
                        SELECT id, owner_id, kind, resolved_at + (called_back_at - resolved_at) / 2, false, false
                        FROM tickets_workorder WHERE called_back_at IS NOT NULL AND callback_attempts = 2
                        UNION ALL
                        SELECT w.id, w.owner_id, w.kind, w.resolved_at + (w.archived_at - w.resolved_at) * a / 4.0,
                               false, false
                        FROM tickets_workorder w CROSS JOIN generate_series(1, 3) a
                        WHERE w.called_back_at IS NULL AND w.callback_attempts = 3
                        UNION ALL
                        SELECT id, owner_id, kind, dispatched_at, true, true
                        FROM tickets_workorder WHERE reopen_count = 1
                    ) c
                    {FENCE}
                ) c
                ORDER BY made_at""")

    def bookkeeping(self) -> None:
        # The event rules have been swept up to G (their cursors), as on a running system.
        pg.run(f"""INSERT INTO kpi_sweepcursor (name, position)
                   VALUES ('ring_over_3', {self.G}), ('attitude_complaint', {self.G})""")
        # The due set, and which deadline each due order is due for (the column next_due_at points at):
        # the sweep suite moves exactly that deadline between repetitions.
        pending = "CASE next_due_at " + " ".join(f"WHEN {c} THEN {_q(c)}" for c in DUE_COLUMNS) + " END"
        pg.run(f"""CREATE TABLE bench.due_orders AS
                   SELECT id, next_due_at, {pending} AS due_column
                   FROM tickets_workorder WHERE next_due_at <= {self.G}""")
        pg.run("ALTER TABLE bench.due_orders ADD PRIMARY KEY (id)")

    def ledger_history(self) -> None:
        """The entries posted so far, in the order they were posted: every deadline judged before G (before
        the window, for the due orders) that was missed, every valid attitude finding and every call that rang
        too long up to the event cursors — with the keys, amounts, periods and charged parties ``kpi.sweeps``
        and ``kpi.events`` give them —, the shift leads' manual entries, then the reversals of appeals upheld."""
        from tickets.models import Deadline
        from tickets.sla import BY_DEADLINE

        reply_rules = BY_DEADLINE[Deadline.REPLY].penalties  # order kind → penalty rule code
        s, G = self.sizes, self.G
        threshold = (f"CASE WHEN d.id IS NULL THEN {G} "
                     f"ELSE {G} - interval '{int(DUE_WINDOW.total_seconds())} seconds' END")
        reply_rule = "CASE w.kind " + " ".join(f"WHEN {_q(k)} THEN {_q(c)}" for k, c in reply_rules.items()) + " END"
        period = f"to_char({{t}} AT TIME ZONE '{LOCAL_TZ}', 'YYYY-MM')"
        leads, supervisors = self._staff_ids("shift_lead"), self._staff_ids("supervisor")
        manual = round(s.orders * MANUAL_PER_ORDER)
        manual_rule = _cumulative_case("rr", [(_q(code), w) for code, w in MANUAL_RULES])
        reasons = "CASE r.code " + " ".join(f"WHEN {_q(c)} THEN {_q(t)}" for c, t in MANUAL_REASONS.items()) + " END"
        with self._bulk_load("kpi_ledgerentry"):
            self._run("INSERT kpi_ledgerentry (breaches, calls, manual entries)", f"""
                INSERT INTO kpi_ledgerentry (key, kind, amount, occurred_at, period, source, reason, created_at,
                                             agent_id, created_by_id, department_id, reverses_id, unit_id, rule_id,
                                             amount_reason)
                SELECT *, '' FROM (
                    -- kpi.sweeps: deadlines; kpi.events: attitude findings (the order's life, cancelled ones
                    -- excepted: a cancellation within half an hour comes before every deadline with a rule)
                    SELECT b.code || ':work_order:' || w.id || ':'
                               || CASE WHEN b.code = 'attitude_complaint' THEN 'finding'
                                       ELSE bench.isoformat(b.due) END,
                           'automatic', r.amount, b.due, {period.format(t='b.due')},
                           'work_order:' || w.id, '', LEAST(b.due + interval '30 seconds', {G}),
                           CASE WHEN NOT b.to_department THEN b.agent_id END, NULL::bigint,
                           CASE WHEN b.to_department THEN w.department_id END, NULL::bigint,
                           CASE WHEN b.to_department THEN dep.unit_id ELSE b.agent_unit_id END,
                           r.id
                    FROM tickets_workorder w
                    LEFT JOIN bench.due_orders d ON d.id = w.id
                    LEFT JOIN tickets_department dep ON dep.id = w.department_id
                    CROSS JOIN LATERAL (VALUES
                        ({reply_rule}, w.reply_due_at, coalesce(w.replied_at, w.resolved_at), w.owner_id,
                         w.unit_id),
                        (CASE WHEN w.kind = 'repair' THEN 'repair_arrival_late' END, w.arrival_due_at, w.arrived_at,
                         w.owner_id, w.unit_id),
                        (CASE WHEN w.callback_required THEN 'callback_missed' END, w.callback_due_at,
                         w.called_back_at, w.owner_id, w.unit_id),
                        (CASE WHEN w.kind = 'complaint' AND w.finding_valid AND w.finding_cause = 'attitude'
                                   AND w.finding_responsible_id IS NOT NULL THEN 'attitude_complaint' END,
                         w.investigated_at, NULL, w.finding_responsible_id, 26 + w.finding_responsible_id % 2)
                    ) AS b0(code, due, met, agent_id, agent_unit_id)
                    JOIN kpi_penaltyrule r ON r.code = b0.code AND r.enabled
                    -- a department's rule charges the department that has the order; none yet: its owner
                    CROSS JOIN LATERAL (SELECT b0.*, r.charged_to = 'department' AND w.department_id IS NOT NULL
                                               AS to_department) b
                    WHERE w.state <> 'cancelled'
                      AND b.due <= CASE WHEN b.code = 'attitude_complaint' THEN {G} ELSE {threshold} END
                      AND (b.met IS NULL OR b.met > b.due)
                    UNION ALL
                    -- kpi.events.judge_calls: rang longer than the rule's threshold at a seat, or never answered
                    SELECT 'ring_over_3:call:' || c.id || ':ring', 'automatic', r.amount, c.ring_started_at,
                           {period.format(t='c.ring_started_at')}, 'call:' || c.id, '',
                           LEAST(c.created_at + interval '30 seconds', {G}), c.agent_id, NULL, NULL, NULL, u.unit_id,
                           r.id
                    FROM tickets_call c
                    JOIN tickets_user u ON u.id = c.agent_id
                    JOIN kpi_penaltyrule r ON r.code = 'ring_over_3' AND r.enabled
                    WHERE c.created_at <= {G} AND (c.ring_seconds > coalesce(r.threshold, 10) OR c.answered_at IS NULL)
                    UNION ALL
                    -- kpi.services.entry_post_manual, by the shift leads
                    SELECT 'manual:' || md5('bench-manual-' || m.i)::uuid, 'manual', r.amount, m.occurred_at,
                           {period.format(t='m.occurred_at')}, 'manual:' || lead.username, {reasons},
                           LEAST(m.occurred_at + interval '1 hour' + m.rp * interval '47 hours', {G}), m.agent_id,
                           lead.id, NULL, NULL, agent.unit_id, r.id
                    FROM (
                        SELECT i, {G} - {_age('random()')} AS occurred_at, random() AS rp,
                               1 + floor(random() * {s.agents})::bigint AS agent_id,
                               {leads[0]} + floor(random() * {leads[1] - leads[0] + 1})::bigint AS lead_id,
                               {manual_rule} AS code
                        FROM (SELECT i, random() AS rr FROM generate_series(1, {manual}) i {FENCE}) m
                        {FENCE}
                    ) m
                    JOIN kpi_penaltyrule r ON r.code = m.code
                    JOIN tickets_user agent ON agent.id = m.agent_id
                    JOIN tickets_user lead ON lead.id = m.lead_id
                ) e (key, kind, amount, occurred_at, period, source, reason, created_at, agent_id, created_by_id,
                     department_id, reverses_id, unit_id, rule_id)
                ORDER BY occurred_at""")
            # kpi.services.entry_reverse: an appeal upheld by a supervisor, days later, in the entry's period.
            self._run("INSERT kpi_ledgerentry (reversals)", f"""
                INSERT INTO kpi_ledgerentry (key, kind, amount, occurred_at, period, source, reason, created_at,
                                             agent_id, created_by_id, department_id, reverses_id, unit_id, rule_id,
                                             amount_reason)
                SELECT 'reversal:' || e.id, 'reversal', -e.amount, x.at, e.period, 'ledger_entry:' || e.id,
                       '申诉成立，撤销考核。', x.at, e.agent_id,
                       {supervisors[0]} + e.id % {supervisors[1] - supervisors[0] + 1}, e.department_id, e.id,
                       e.unit_id, e.rule_id, ''
                FROM kpi_ledgerentry e
                CROSS JOIN LATERAL (SELECT LEAST(e.occurred_at + interval '1 day'
                                                 + bench.pct(e.id, 9) * interval '2 hours', {G}) AS at) x
                WHERE e.kind <> 'reversal' AND (hashint8(e.id)::bigint & 2147483647) % {REVERSED_ONE_IN} = 0
                  AND e.occurred_at <= {G} - interval '1 day'
                ORDER BY x.at""")
        # The ledger's hourly totals (kpi.models.LedgerHourTotal): its trigger does not fire under replica_role,
        # so the generated entries are totalled here, as the migration totals the entries it finds.
        self._run("INSERT kpi_ledgerhourtotal (the generated entries' hourly totals)", """
            INSERT INTO kpi_ledgerhourtotal (hour, rule_id, kind, count, amount)
            SELECT date_trunc('hour', occurred_at, 'UTC'), rule_id, kind, count(*), sum(amount)
            FROM kpi_ledgerentry GROUP BY 1, 2, 3""")

    def vacuum(self) -> None:
        pg.run("VACUUM (ANALYZE)")
        pg.run("CHECKPOINT")

    def verify(self) -> None:
        checks, G = self.data.checks, self.G
        fks = pg.rows("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text IN
                  ('tickets_workorder', 'tickets_customer', 'tickets_user', 'tickets_department', 'tickets_unit',
                   'tickets_call', 'tickets_callback', 'kpi_ledgerentry')
            ORDER BY 1, 2""")
        broken = []
        for table, column, ref in fks:
            n = pg.scalar(f"""SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL
                              AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.id = t.{column})""")
            if n:
                broken.append(f"{table}.{column}: {n}")
        checks.append(("every foreign key of the generated rows points at a row",
                       not broken, "; ".join(broken) or f"{len(fks)} foreign keys checked"))
        due = pg.scalar(f"SELECT count(*) FROM tickets_workorder WHERE next_due_at <= {G}")
        checks.append((f"exactly {self.sizes.due:,} orders are due at G", due == self.sizes.due, f"{due:,} due"))
        numbers = pg.scalar("SELECT count(DISTINCT number) FROM tickets_workorder")
        checks.append(("order numbers are unique and set", numbers == self.sizes.orders, f"{numbers:,} distinct"))
        late = {table: pg.scalar(f"SELECT count(*) FROM {table} WHERE {condition} > {G}") for table, condition in (
            ("tickets_workorder", f"GREATEST({', '.join(FACT_COLUMNS)})"),
            ("tickets_call", "GREATEST(ended_at, created_at)"), ("tickets_callback", "made_at"),
            ("kpi_ledgerentry", "GREATEST(occurred_at, created_at)"))}
        early = sum(late.values())
        checks.append(("no fact lies after G (orders, calls, callbacks, ledger)", early == 0,
                       f"{early} rows" + (f" ({', '.join(f'{t}: {n}' for t, n in late.items() if n)}; "
                                          f"G = {self.g.isoformat()})" if early else "")))
        ordered = pg.scalar("""
            SELECT count(*) FROM tickets_workorder
            WHERE NOT (forwarded_at IS NULL OR forwarded_at >= accepted_at)
               OR NOT (dispatched_at IS NULL OR dispatched_at >= coalesce(forwarded_at, accepted_at))
               OR NOT (arrived_at IS NULL OR arrived_at >= dispatched_at)
               OR NOT (investigated_at IS NULL OR investigated_at >= dispatched_at)
               OR NOT (replied_at IS NULL OR replied_at >= coalesce(investigated_at, dispatched_at))
               OR NOT (called_back_at IS NULL OR called_back_at >= resolved_at)
               OR NOT (archived_at IS NULL OR archived_at >= GREATEST(resolved_at, called_back_at))""")
        checks.append(("every order's facts follow its machine's order (forwarded ≥ accepted, … archived last)",
                       ordered == 0, f"{ordered} out of order"))
        closed = pg.scalar("""
            SELECT count(*) FROM tickets_workorder
            WHERE (state = 'archived') <> (archived_at IS NOT NULL)
               OR (state = 'cancelled') <> (cancelled_at IS NOT NULL)
               OR (state = 'cancelled' AND next_due_at IS NOT NULL)
               OR (state = 'archived' AND (resolved_at IS NULL
                   OR (callback_required AND called_back_at IS NULL AND callback_attempts < 3)))
               OR (state = 'called_back') <> (called_back_at IS NOT NULL AND archived_at IS NULL
                                              AND state <> 'cancelled')""")
        checks.append(("archived orders are resolved with their callback settled (reached, or three attempts); "
                       "cancelled ones have nothing pending", closed == 0, f"{closed} orders"))
        on_call = pg.scalar("""
            SELECT count(*) FROM tickets_workorder w LEFT JOIN tickets_call c ON c.id = w.call_id
            WHERE c.id IS NULL OR c.agent_id IS DISTINCT FROM w.owner_id OR c.answered_at IS NULL
               OR c.ring_started_at > w.accepted_at OR c.customer_id IS DISTINCT FROM w.customer_id""")
        checks.append(("every order was accepted on an answered call of its owner, from its customer, that rang "
                       "before", on_call == 0, f"{on_call} orders"))
        callbacks = pg.scalar("""
            SELECT count(*) FROM tickets_workorder w
            LEFT JOIN (SELECT order_id, count(*) AS n, count(*) FILTER (WHERE reached) AS reached,
                              count(*) FILTER (WHERE reached AND satisfied) AS satisfied,
                              max(made_at) FILTER (WHERE reached AND satisfied IS NOT NULL) AS last_reached,
                              count(*) FILTER (WHERE reached = (satisfied IS NULL)) AS inconsistent
                       FROM tickets_callback GROUP BY order_id) c ON c.order_id = w.id
            WHERE coalesce(c.n, 0) <> w.callback_attempts + w.reopen_count
               OR coalesce(c.reached, 0) <> (w.called_back_at IS NOT NULL)::int + w.reopen_count
               OR (w.called_back_at IS NOT NULL AND c.last_reached IS DISTINCT FROM w.called_back_at)
               OR coalesce(c.inconsistent, 0) > 0
               OR (c.n > w.reopen_count AND NOT w.callback_required)""")
        checks.append(("callback rows match their orders: one per attempt (+ the one that reopened it), the last "
                       "reached at called_back_at, satisfied set exactly when reached, only where one was required",
                       callbacks == 0, f"{callbacks} orders differ"))
        checks.extend(self._verify_ledger())
        checks.extend(self._verify_against_app())

    def _verify_ledger(self) -> list[tuple[str, bool, str]]:
        from django.db import transaction

        from kpi import events
        from kpi.models import PenaltyRule, SweepCursor
        from kpi.sweeps import SweepResult

        G, out = self.G, []
        rings, charged = pg.rows(f"""
            SELECT (SELECT count(*) FROM tickets_call c, kpi_penaltyrule r
                    WHERE r.code = 'ring_over_3' AND c.agent_id IS NOT NULL AND c.created_at <= {G}
                      AND (c.ring_seconds > coalesce(r.threshold, 10) OR c.answered_at IS NULL)),
                   (SELECT count(*) FROM kpi_ledgerentry e JOIN kpi_penaltyrule r ON r.id = e.rule_id
                    WHERE r.code = 'ring_over_3' AND e.kind = 'automatic')""")[0]
        # The app's own judges, re-reading the last two days (the cursors moved back, rolled back afterwards):
        # everything they charge must be in the ledger already.
        window = dt.timedelta(days=2)
        with transaction.atomic():
            SweepCursor.objects.filter(name__in=["ring_over_3", "attitude_complaint"]).update(
                position=self.g - window)
            rules = {rule.code: rule for rule in PenaltyRule.objects.filter(enabled=True)}
            result = SweepResult()
            events.judge_calls(now=self.g, rules=rules, result=result)
            events.judge_attitude_findings(now=self.g, rules=rules, result=result)
            transaction.set_rollback(True)
        totals = pg.rows("""
            SELECT (SELECT count(*) FROM kpi_ledgerentry), (SELECT coalesce(sum(count), 0) FROM kpi_ledgerhourtotal),
                   (SELECT coalesce(sum(amount), 0) FROM kpi_ledgerentry),
                   (SELECT coalesce(sum(amount), 0) FROM kpi_ledgerhourtotal)""")[0]
        out.append(("the ledger's hourly totals (the wallboard's source) hold every entry and amount",
                    totals[0] == totals[1] and totals[2] == totals[3],
                    f"{totals[0]:,} entries, {totals[1]:,} in the totals; {totals[2]} vs {totals[3]} yuan"))
        out.append((f"ring_over_3 entries are the {rings:,} calls kpi.events.judge_calls charges, and it finds "
                    f"nothing new to post re-reading the last {window.days} days (attitude findings likewise)",
                    rings == charged and result.entries_posted == 0,
                    f"{charged:,} entries; {result.entries_posted} new"))
        reversals = pg.scalar("""
            SELECT count(*) FROM kpi_ledgerentry r JOIN kpi_ledgerentry e ON e.id = r.reverses_id
            WHERE r.kind = 'reversal' AND (r.period <> e.period OR r.amount <> -e.amount OR e.kind = 'reversal'
                                           OR r.occurred_at < e.occurred_at OR r.rule_id <> e.rule_id)""")
        out.append(("every reversal undoes one penalty of its period, after it", reversals == 0,
                    f"{reversals} differ"))
        wanted = max(1, REPORT_ENTRIES * self.sizes.orders // Sizes().orders)
        period = self.data.report_period
        in_month = pg.scalar("SELECT count(*) FROM kpi_ledgerentry WHERE period = %s", [period])
        out.append((f"the report month {period} holds at least {wanted:,} ledger entries", in_month >= wanted,
                    f"{in_month:,} entries"))
        return out

    def _verify_against_app(self, sample: int = 1000) -> list[tuple[str, bool, str]]:
        """Recompute, with the app's own code, the due columns (``tickets.sla``) and the breaches the
        sweep would have posted up to G (``kpi.sweeps``) for a sample of orders, and compare.

        The due columns of an order that is closed now were set while it was open (a consultation answered on
        the call excepted: closed at once); a cancelled order was judged until its cancellation."""
        from kpi.models import LedgerEntry, PenaltyRule
        from kpi.periods import period_of
        from kpi.sweeps import ORDER_COLUMNS, _judge_order
        from tickets import sla
        from tickets.models import Department, State, WorkOrder

        ids = [i for (i,) in pg.rows(f"""SELECT id FROM tickets_workorder TABLESAMPLE BERNOULLI (5) REPEATABLE (7)
                                         WHERE next_due_at IS NULL OR next_due_at > {self.G} LIMIT {sample}""")]
        due_mismatch = 0
        for order in WorkOrder.objects.filter(id__in=ids):
            stored = [getattr(order, c) for c in (*DUE_COLUMNS, "callback_required")]
            closed_at_once = order.state == State.ARCHIVED and order.kind == "consultation" and not order.dispatched_at
            if not order.is_open and not closed_at_once:
                order.__dict__["state"] = State.ACCEPTED  # in memory only (FSM-protected): as when its clocks started
            order.next_due_at = None
            sla.recompute_deadlines(order)
            due_mismatch += stored != [getattr(order, c) for c in (*DUE_COLUMNS, "callback_required")]
        rules = {rule.code: rule for rule in PenaltyRule.objects.filter(enabled=True)}
        units = dict(Department.objects.values_list("id", "unit_id"))
        expected = {
            (b.key, b.agent_id, b.department_id, b.unit_id, b.rule.amount, period_of(b.occurred_at))
            for order in WorkOrder.objects.filter(id__in=ids).only(*ORDER_COLUMNS, "cancelled_at")
            for b in _judge_order(order, order.cancelled_at or self.g, rules, units)
        }
        posted = set(
            LedgerEntry.objects.filter(source__in=[f"work_order:{i}" for i in ids], kind="automatic")
            .exclude(rule__code="attitude_complaint")
            .values_list("key", "agent_id", "department_id", "unit_id", "amount", "period")
        )
        states = pg.rows("SELECT state, count(*) FROM tickets_workorder WHERE id = ANY(%s) GROUP BY 1 ORDER BY 2 DESC",
                         [ids])
        mix = ", ".join(f"{state} {n}" for state, n in states)
        return [
            (f"due columns of {len(ids):,} sampled orders ({mix}) equal what tickets.sla.recompute_deadlines sets",
             due_mismatch == 0, f"{due_mismatch} differ"),
            (f"ledger history of those orders equals what kpi.sweeps judges at G ({len(expected):,} breaches)",
             expected == posted, f"{len(expected - posted)} missing, {len(posted - expected)} extra"),
        ]

    def describe(self) -> None:
        from kpi.reports.figures import month_bounds

        data, G = self.data, self.G
        for table in ("tickets_unit", "tickets_department", "tickets_user", "tickets_customer", "tickets_workorder",
                      "tickets_call", "tickets_callback", "kpi_ledgerentry"):
            data.counts[table] = pg.scalar(f"SELECT count(*) FROM {table}")
        data.mix = pg.rows("""SELECT kind, state, count(*), count(next_due_at)
                              FROM tickets_workorder GROUP BY kind, state ORDER BY kind, min(
                                  array_position(ARRAY['accepted','forwarded','dispatched','arrived','restored',
                                  'investigated','replied','informed','called_back','archived','cancelled'],
                                  state::text))""")
        data.sizes_on_disk = pg.rows("""
            SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_class c
            WHERE c.relname IN ('tickets_workorder', 'tickets_workorder_pkey', 'wo_next_due_idx', 'tickets_customer',
                                'tickets_call', 'tickets_callback', 'kpi_ledgerentry')
            ORDER BY pg_relation_size(c.oid) DESC""")

        def pct(numerator, denominator) -> str:
            return f"{100 * numerator / denominator:.1f} %" if denominator else "–"

        orders = pg.rows("""SELECT count(*), count(*) FILTER (WHERE state = 'archived'),
                                   count(*) FILTER (WHERE state = 'cancelled'), count(*) FILTER (WHERE reopen_count > 0)
                            FROM tickets_workorder""")[0]
        calls = pg.rows("""SELECT count(*), count(*) FILTER (WHERE answered_at IS NOT NULL),
                                  count(*) FILTER (WHERE answered_at IS NOT NULL AND ring_seconds > 10),
                                  count(*) FILTER (WHERE outcome = 'abandoned'),
                                  count(*) FILTER (WHERE outcome IN ('silent', 'wrong_number', 'harassment'))
                           FROM tickets_call""")[0]
        surveyed = pg.rows("SELECT count(*) FILTER (WHERE reached), count(*) FILTER (WHERE satisfied) "
                           "FROM tickets_callback")[0]
        # Deadlines that came before G, judged like the ledger (cancelled orders excepted).
        missed = pg.rows(f"""
            SELECT count(*) FILTER (WHERE kind = 'repair' AND arrival_due_at <= {G}),
                   count(*) FILTER (WHERE kind = 'repair' AND arrival_due_at <= {G}
                                    AND (arrived_at IS NULL OR arrived_at > arrival_due_at)),
                   count(*) FILTER (WHERE kind <> 'repair' AND reply_due_at <= {G}),
                   count(*) FILTER (WHERE kind <> 'repair' AND reply_due_at <= {G}
                                    AND coalesce(replied_at, resolved_at, {G} + interval '1 day') > reply_due_at),
                   count(*) FILTER (WHERE callback_due_at <= {G}),
                   count(*) FILTER (WHERE callback_due_at <= {G}
                                    AND (called_back_at IS NULL OR called_back_at > callback_due_at))
            FROM tickets_workorder WHERE state <> 'cancelled'""")[0]
        data.shape = [
            ("orders archived / open / cancelled",
             f"{pct(orders[1], orders[0])} / {pct(orders[0] - orders[1] - orders[2], orders[0])} / "
             f"{pct(orders[2], orders[0])}"),
            ("orders reopened by an unsatisfied callback", pct(orders[3], orders[0])),
            ("calls per order", f"{calls[0] / max(orders[0], 1):.2f}"),
            ("answered calls that rang longer than 10 s", pct(calls[2], calls[1])),
            ("calls abandoned / silent, wrong number or harassing",
             f"{pct(calls[3], calls[0])} / {pct(calls[4], calls[0])}"),
            ("reached callbacks satisfied", pct(surveyed[1], surveyed[0])),
            ("repair arrivals late (due before G)", pct(missed[1], missed[0])),
            ("replies late (due before G)", pct(missed[3], missed[2])),
            ("callbacks late or missing (due before G)", pct(missed[5], missed[4])),
        ]
        start, end = month_bounds(data.report_period)
        month = pg.rows("""
            SELECT (SELECT count(*) FROM tickets_workorder WHERE accepted_at >= %(s)s AND accepted_at < %(e)s
                                                             AND state <> 'cancelled'),
                   (SELECT count(*) FROM tickets_call WHERE ring_started_at >= %(s)s AND ring_started_at < %(e)s),
                   (SELECT count(*) FROM tickets_callback WHERE made_at >= %(s)s AND made_at < %(e)s),
                   (SELECT count(*) FROM kpi_ledgerentry WHERE period = %(p)s),
                   (SELECT count(*) FROM kpi_ledgerentry WHERE period = %(p)s AND kind = 'manual'),
                   (SELECT count(*) FROM kpi_ledgerentry WHERE period = %(p)s AND kind = 'reversal'),
                   (SELECT sum(amount) FROM kpi_ledgerentry WHERE period = %(p)s)""",
                        {"s": start, "e": end, "p": data.report_period})[0]
        data.month = [
            ("orders accepted (not cancelled)", f"{month[0]:,}"),
            ("calls that rang", f"{month[1]:,}"),
            ("callbacks made", f"{month[2]:,}"),
            ("ledger entries of the period", f"{month[3]:,} ({month[4]:,} manual, {month[5]:,} reversals)"),
            ("ledger net total", f"{month[6] or 0:,.2f} yuan"),
        ]
