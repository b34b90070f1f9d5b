"""The data set: a realistic center built with set-based SQL (``INSERT … SELECT generate_series``), not the ORM.

Everything is relative to ``G``, the moment of generation. Every order is open; its facts (accepted,
dispatched, arrived … at) follow its kind's machine, and its due columns are computed from those facts with
the active default SLA policies read from the database (so they are what ``tickets.sla`` would have set,
working days included). ``next_due_at`` is what the minutely sweep leaves behind: the earliest due time
still ahead of ``G`` (NULL when nothing is pending).

Exactly ``sizes.due`` orders (every ``orders/due``-th id) are *due*: one of their deadlines passed within the
hour before ``G`` and was not met, and ``next_due_at`` still points at it (as if the sweep had not run since).
Each has exactly one breach to post: a repair crew not on site (never, or late), a complaint not replied,
or a complaint / report / suggestion not called back. Their ids, ``next_due_at`` and the deadline column it
points at are kept in ``bench.due_orders`` so that the sweep suite can make them due again.

The ledger holds what the past sweeps posted (every deadline judged before G that was missed, every valid
attitude finding up to the event cursors, which stand at G).

Bench-only helpers live in the schema ``bench`` of the bench database (never in the app's tables).
"""

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from . import pg
from .config import Sizes
from .measure import Stopwatch

LOCAL_TZ = "Asia/Shanghai"
DUE_WINDOW = dt.timedelta(minutes=60)  # the due orders came due within this window before G
# OFFSET 0 keeps PostgreSQL from pulling a subquery up into its parent: each level's columns are then
# computed once per row instead of their expressions being copied into every reference above.
FENCE = "OFFSET 0"
SEED = 0.42  # setseed(): the same data on every run (relative to G)
FIXED_PASSWORD = "bench-only"

KIND_MIX = [("repair", 0.50), ("consultation", 0.20), ("complaint", 0.15), ("report", 0.05), ("suggestion", 0.10)]
COMPLAINT_LIKE = ("complaint", "report", "suggestion")
CHAINS = {
    "repair": ["accepted", "dispatched", "arrived", "restored", "called_back"],
    "consultation": ["accepted", "dispatched", "replied", "informed", "called_back"],
    **{k: ["accepted", "forwarded", "dispatched", "investigated", "replied", "called_back"] for k in COMPLAINT_LIKE},
}
STATE_MIX = {
    "repair": [0.05, 0.20, 0.15, 0.45, 0.15],
    "consultation": [0.05, 0.35, 0.20, 0.35, 0.05],
    **{k: [0.05, 0.10, 0.25, 0.20, 0.30, 0.10] for k in COMPLAINT_LIKE},
}
# Which fact each step of a chain stamps (step k happens d_k after step k-1).
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

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)


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
        self.data = DataSet(generated_at=self.g, sizes=sizes)

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

    def build(self) -> DataSet:
        pg.run("SET synchronous_commit = off")
        pg.run("SET maintenance_work_mem = '256MB'")
        pg.run("SET work_mem = '64MB'")
        pg.run(f"SELECT setseed({SEED})")
        self._step("helpers (schema bench, working-day table)", self.helpers)
        self._step("units and departments", self.org, "tickets_department")
        self._step("agents", self.agents, "tickets_user")
        self._step("customers", self.customers, "tickets_customer")
        self._step("work orders", self.work_orders, "tickets_workorder")
        self._step("sweep cursors, due set bookkeeping", self.bookkeeping, "bench.due_orders")
        self._step("ledger: the breaches past sweeps posted", self.ledger_history, "kpi_ledgerentry")
        self._step("VACUUM ANALYZE, CHECKPOINT", self.vacuum)
        self._step("checks (foreign keys, due set)", self.verify)
        pg.run("RESET work_mem")
        pg.run("RESET maintenance_work_mem")
        pg.run("RESET synchronous_commit")
        self.describe()
        return self.data

    # --- steps ----------------------------------------------------------------------------------------

    def helpers(self) -> None:
        from django.utils import timezone

        from tickets.calendar import CalendarNotCovered, add_working_days

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
        start = timezone.localtime(self.g).date() - dt.timedelta(days=200)
        end = timezone.localtime(self.g).date() + dt.timedelta(days=2)
        values, fallback = [], 0
        for n in sorted(Policies().working_day_amounts()):
            day = start
            while day <= end:
                local = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
                try:
                    due = add_working_days(local, n).date()
                except CalendarNotCovered:
                    # The calendar ends before the due date; count weekdays (the app would refuse).
                    due, counted = day, 0
                    while counted < n:
                        due += dt.timedelta(days=1)
                        counted += due.weekday() < 5
                    fallback += 1
                values.append(f"('{day}', {n}, '{due}')")
                day += dt.timedelta(days=1)
        if values:
            pg.run("INSERT INTO bench.working_days VALUES " + ", ".join(values))
        if fallback:
            self.data.warnings.append(
                f"{fallback} working-day due dates fall in a year the holiday calendar does not cover; "
                "the bench counted weekdays for them (the app would raise CalendarNotCovered).")
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

        password = make_password(FIXED_PASSWORD, salt="benchsalt0000000")  # one hash for every agent
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
        _reset_identity("tickets_user")

    def customers(self) -> None:
        with replica_role():
            self._customers()
        _reset_identity("tickets_customer")

    def _customers(self) -> None:
        pg.run(f"""
            INSERT INTO tickets_customer (id, account_number, name, phone, address, area_type, created_at, unit_id)
            SELECT i, '70' || lpad(i::text, 9, '0'),
                   substr({_q(SURNAMES)}, 1 + bench.pct(i, 5) % {len(SURNAMES)}, 1)
                       || ({_array(GIVEN)})[1 + bench.pct(i, 6) % {len(GIVEN)}],
                   bench.phone(i), bench.address(i), bench.area(i),
                   {self.G} - interval '5 years' * (1 - i::float8 / {self.sizes.customers}), 6 + i % 20
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
                   random() AS rk, random() AS rs, random() AS rd, random() AS rl,
                   {", ".join(f"random() AS r{k}" for k in range(1, 11))}
            FROM generate_series(1, {s.orders}) i""")
        self._run("kinds, states, durations, numbers", f"CREATE UNLOGGED TABLE bench.wo2 AS {self._plan_sql(pol)}")
        pg.run("DROP TABLE bench.wo1")
        indexes = _secondary_indexes("tickets_workorder")
        for name, _ in indexes:
            pg.run(f'DROP INDEX "{name}"')
        # The foreign keys are valid by construction (and checked after the load): skip the per-row
        # RI triggers, which would queue millions of deferred checks in memory.
        with replica_role():
            self._run("INSERT tickets_workorder", self._insert_sql(pol))
        with Stopwatch() as sw:
            for _, statement in indexes:  # built once over the loaded table: much faster than row by row
                pg.run(statement)
        self.log(f"bench: data:   {len(indexes)} indexes rebuilt: {sw.seconds:.1f} s")
        pg.run("DROP TABLE bench.wo2")
        _reset_identity("tickets_workorder")

    def _plan_sql(self, pol: Policies) -> str:
        """Per order: kind, state (as ``rank`` in its kind's chain), step durations d1…d5, accepted_at, number."""
        G = self.G
        kind_case = _cumulative_case("rk", [(_q(k), w) for k, w in KIND_MIX])
        rank_case = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN {_cumulative_case('rs', [(str(r), w) for r, w in enumerate(STATE_MIX[k])])}"
            for k in CHAINS) + " END"
        arrival = pol.limit("repair", "arrival")
        durations = {
            "repair": ["interval '2 min' + r1 * interval '13 min'",
                       # due orders of variant 4–5: the crew arrived late, half-way between due and G
                       f"CASE WHEN due THEN {arrival} + late / 2 ELSE {arrival} * (0.3 + r2 * 0.85) END",
                       "interval '20 min' + r3 * interval '280 min'",
                       "interval '1 hour' + r4 * interval '29 hours'"],
            "consultation": ["interval '5 min' + r1 * interval '115 min'",
                             "interval '12 hours' + r2 * interval '7 days'",
                             "interval '10 min' + r3 * interval '24 hours'",
                             "interval '1 hour' + r4 * interval '29 hours'"],
            "complaint": ["interval '5 min' + r1 * interval '55 min'",
                          "interval '1 hour' + r2 * interval '11 hours'",
                          # due orders called back late were investigated and replied in time
                          "CASE WHEN due THEN interval '1 hour' + r3 * interval '23 hours' "
                          "ELSE interval '1 day' + r3 * interval '2 days' END",
                          "CASE WHEN due THEN interval '2 hours' + r4 * interval '22 hours' "
                          "ELSE interval '2 hours' + r4 * interval '46 hours' END",
                          "interval '1 hour' + r5 * interval '29 hours'"],
        }

        def d(k: int) -> str:
            def of(kind: str) -> str:
                steps = durations[kind]
                return steps[k - 1] if k <= len(steps) else "interval '0'"
            return (f"CASE kind WHEN 'repair' THEN {of('repair')} WHEN 'consultation' THEN {of('consultation')} "
                    f"ELSE {of('complaint')} END AS d{k}")

        # An order accepted `age` ago went through its chain's steps until it stalled (the sampled state)
        # or ran out of time: it is in the last state it had time to reach. Ages spread over 180 days,
        # twice as dense at G as on average and thinning out linearly into the past.
        progress = "CASE " + " ".join(
            f"WHEN {' + '.join(f'd{j}' for j in range(1, k + 1))} <= age THEN {k}" for k in range(5, 0, -1)
        ) + " ELSE 0 END"
        # Due orders: the deadline they are due for passed `late` (1 s … 59 min) before G.
        callback_limit = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN {pol.limit(k, 'callback')}" for k in COMPLAINT_LIKE) + " END"
        accepted = f"""CASE
            WHEN NOT due THEN {G} - age
            WHEN v <= 5 THEN {G} - late - {arrival} - d1
            WHEN v <= 7 THEN {G} - late - {pol.limit('complaint', 'reply')}
            ELSE {G} - late - {callback_limit} - (d1 + d2 + d3 + d4) END"""
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
        return f"""
            SELECT n.*, {sampled} AS sampled,
                   -- an order not sampled for a callback is never in state called_back
                   CASE WHEN rank0 = {top} AND NOT {sampled} THEN rank0 - 1 ELSE rank0 END AS rank
            FROM (
                SELECT a.*, {number} AS number
                FROM (
                    SELECT r.*, {accepted} AS accepted_at,
                           CASE WHEN due THEN stall ELSE LEAST(stall, {progress}) END AS rank0
                    FROM (
                        SELECT k.*, {', '.join(d(k) for k in range(1, 6))},
                               interval '180 days' * (1 - sqrt(1 - rd)) AS age,
                               CASE WHEN NOT due THEN {rank_case}
                                    WHEN v <= 3 THEN 1 WHEN v <= 5 THEN 2 WHEN v = 6 THEN 2 WHEN v = 7 THEN 3
                                    ELSE 4 END AS stall
                        FROM (
                            SELECT w.*, bench.area(customer_id) AS area,
                                   interval '1 second' + rl * interval '58 minutes' AS late,
                                   CASE WHEN NOT due THEN {kind_case}
                                        WHEN v <= 5 THEN 'repair' WHEN v <= 8 THEN 'complaint'
                                        WHEN rk < 0.5 THEN 'report' ELSE 'suggestion' END AS kind
                            FROM bench.wo1 w
                            {FENCE}
                        ) k
                        {FENCE}
                    ) r
                    {FENCE}
                ) a
                {FENCE}
            ) n"""

    def _insert_sql(self, pol: Policies) -> str:
        """Facts, due columns and next_due_at from the plan, inserted in one statement."""
        G = self.G

        def event(k: int) -> str:  # time of step k of the chain; NULL if the order has not got there
            return f"CASE WHEN rank >= {k} THEN accepted_at + {' + '.join(f'd{j}' for j in range(1, k + 1))} END"

        fact_cols = sorted({c for cols in STEP_COLUMNS.values() for c in cols})
        facts = ", ".join(
            "CASE kind " + " ".join(f"WHEN {_q(k)} THEN {event(cols.index(col) + 1)}"
                                    for k, cols in STEP_COLUMNS.items() if col in cols) + f" END AS {col}"
            for col in fact_cols)
        states = "CASE kind " + " ".join(
            f"WHEN {_q(k)} THEN ({_array(chain)})[rank + 1]" for k, chain in CHAINS.items()) + " END"
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
        resolved = "CASE kind " + " ".join(f"WHEN {_q(k)} THEN {c}" for k, c in RESOLVED_BY.items()) + " END"
        contact = "dispatched_at + interval '1 hour' + r6 * interval '22 hours'"
        first_contact = f"""CASE WHEN kind IN ('complaint', 'report', 'suggestion') AND dispatched_at IS NOT NULL
            THEN LEAST(investigated_at, CASE WHEN {contact} <= {G} AND (investigated_at IS NOT NULL OR r7 < 0.6)
                                             THEN {contact} END) END"""
        dues = []
        for column, deadline, start in CLOCKS:
            expr = "CASE kind " + " ".join(
                f"WHEN {_q(k)} THEN {pol.due(k, deadline, start)}" for k in CHAINS) + " END"
            if deadline == "callback":
                expr = f"CASE WHEN callback_required THEN {expr} END"
            dues.append(f"{expr} AS {column}")
        # What the minutely sweep leaves: the earliest due time still ahead. Due orders still point at the
        # deadline that passed within the window (the sweep has not looked since).
        threshold = f"CASE WHEN due THEN {G} - interval '{int(DUE_WINDOW.total_seconds())} seconds' ELSE {G} END"
        next_due = "LEAST(" + ", ".join(f"CASE WHEN {c} > {threshold} THEN {c} END" for c in DUE_COLUMNS) + ")"
        columns = {
            "id": "id", "number": "number", "kind": "kind", "state": "state", "title": "title",
            "description": "title || '。客户来电反映，请尽快处理并答复。'", "customer_id": "customer_id",
            "call_id": "NULL", "caller_number": "bench.phone(customer_id)", "area_type": "area",
            "address": "bench.address(customer_id)", "unit_id": "26 + owner_id % 2", "owner_id": "owner_id",
            "department_id": "department_id", "handler_id": "NULL", "accepted_at": "accepted_at",
            **{c: c for c in fact_cols},
            "first_contacted_at": "first_contacted_at", "resolved_at": "resolved_at", "archived_at": "NULL",
            "cancelled_at": "NULL", "escalated_at": "NULL", "reply_started_at": "accepted_at",
            "answer": "CASE WHEN kind = 'consultation' AND rank >= 2 THEN '已答复。' ELSE '' END",
            "reply_text": "CASE WHEN resolved_at IS NOT NULL THEN '已向客户答复处理结果。' ELSE '' END",
            "finding_valid": "finding_valid", "finding_cause": "finding_cause",
            "finding_responsible_id": "CASE WHEN finding_cause = 'attitude' THEN owner_id END",
            "finding_note": "''", "escalation_note": "''", "cancel_reason": "''", "return_reason": "''",
            "urge_count": "0", "reopen_count": "0", "callback_required": "callback_required",
            "callback_attempts": "CASE WHEN called_back_at IS NOT NULL THEN 1 ELSE 0 END",
            **{c: c for c in DUE_COLUMNS}, "next_due_at": next_due, "created_at": "accepted_at",
            "updated_at": f"GREATEST(accepted_at, {', '.join(fact_cols)}, first_contacted_at)",
        }
        from tickets.models import WorkOrder

        columns = with_model_defaults(WorkOrder, columns)
        return f"""
            INSERT INTO tickets_workorder ({', '.join(columns)})
            SELECT {', '.join(columns.values())}
            FROM (
                SELECT e.*, {', '.join(dues)}
                FROM (
                    SELECT f.*, {resolved} AS resolved_at, ({resolved} IS NOT NULL AND sampled) AS callback_required,
                           {first_contact} AS first_contacted_at, accepted_at AS reply_started_at
                    FROM (
                        SELECT id, due, kind, area, customer_id, owner_id, r6, r7, accepted_at, number, sampled,
                               rank, {states} AS state, {titles} AS title, {facts},
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
        """The entries the minutely sweep has posted so far: every deadline judged before G (before the
        window, for the due orders) that was missed, and every valid attitude finding up to the event
        cursor — with the keys, amounts, periods and charged parties ``kpi.sweeps`` gives them."""
        from kpi.sweeps import REPLY_RULES

        G = self.G
        threshold = (f"CASE WHEN d.id IS NULL THEN {G} "
                     f"ELSE {G} - interval '{int(DUE_WINDOW.total_seconds())} seconds' END")
        reply_rule = "CASE w.kind " + " ".join(f"WHEN {_q(k)} THEN {_q(c)}" for k, c in REPLY_RULES.items()) + " END"
        indexes = _secondary_indexes("kpi_ledgerentry")
        for name, _ in indexes:
            pg.run(f'DROP INDEX "{name}"')
        with replica_role():
            self._run("INSERT kpi_ledgerentry", f"""
                INSERT INTO kpi_ledgerentry (key, kind, amount, occurred_at, period, source, reason, created_at,
                                             agent_id, created_by_id, department_id, reverses_id, unit_id, rule_id)
                SELECT b.code || ':work_order:' || w.id || ':'
                           || CASE WHEN b.code = 'attitude_complaint' THEN 'finding' ELSE bench.isoformat(b.due) END,
                       'automatic', r.amount, b.due, to_char(b.due AT TIME ZONE '{LOCAL_TZ}', 'YYYY-MM'),
                       'work_order:' || w.id, '', b.due + interval '30 seconds',
                       CASE WHEN NOT b.to_department THEN b.agent_id END, NULL,
                       CASE WHEN b.to_department THEN w.department_id END, NULL,
                       CASE WHEN b.to_department THEN dep.unit_id ELSE b.agent_unit_id END,
                       r.id
                FROM tickets_workorder w
                LEFT JOIN bench.due_orders d ON d.id = w.id
                LEFT JOIN tickets_department dep ON dep.id = w.department_id
                CROSS JOIN LATERAL (VALUES
                    ({reply_rule}, w.reply_due_at, coalesce(w.replied_at, w.resolved_at), w.owner_id, w.unit_id),
                    (CASE WHEN w.kind = 'repair' THEN 'repair_arrival_late' END, w.arrival_due_at, w.arrived_at,
                     w.owner_id, w.unit_id),
                    (CASE WHEN w.callback_required THEN 'callback_missed' END, w.callback_due_at, w.called_back_at,
                     w.owner_id, w.unit_id),
                    (CASE WHEN w.kind = 'complaint' AND w.finding_valid AND w.finding_cause = 'attitude'
                               AND w.finding_responsible_id IS NOT NULL THEN 'attitude_complaint' END,
                     w.investigated_at, NULL, w.finding_responsible_id, 26 + w.finding_responsible_id % 2)
                ) AS b0(code, due, met, agent_id, agent_unit_id)
                JOIN kpi_penaltyrule r ON r.code = b0.code AND r.enabled
                -- a department's rule charges the department that has the order; none yet: its owner
                CROSS JOIN LATERAL (SELECT b0.*, r.charged_to = 'department' AND w.department_id IS NOT NULL
                                           AS to_department) b
                WHERE b.due <= CASE WHEN b.code = 'attitude_complaint' THEN {G} ELSE {threshold} END
                  AND (b.met IS NULL OR b.met > b.due)
                ORDER BY b.due""")
        with Stopwatch() as sw:
            for _, statement in indexes:
                pg.run(statement)
        self.log(f"bench: data:   {len(indexes)} indexes rebuilt: {sw.seconds:.1f} s")
        _reset_identity("kpi_ledgerentry")

    def vacuum(self) -> None:
        pg.run("VACUUM (ANALYZE)")
        pg.run("CHECKPOINT")

    def verify(self) -> None:
        checks = self.data.checks
        fks = pg.rows("""
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text IN
                  ('tickets_workorder', 'tickets_customer', 'tickets_user', 'tickets_department', 'tickets_unit',
                   'kpi_ledgerentry')
            ORDER BY 1, 2""")
        broken = []
        for table, column, ref in fks:
            n = pg.scalar(f"""SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL
                              AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.id = t.{column})""")
            if n:
                broken.append(f"{table}.{column}: {n}")
        checks.append(("every foreign key of the generated rows points at a row",
                       not broken, "; ".join(broken) or f"{len(fks)} foreign keys checked"))
        due = pg.scalar(f"SELECT count(*) FROM tickets_workorder WHERE next_due_at <= {self.G}")
        checks.append((f"exactly {self.sizes.due:,} orders are due at G", due == self.sizes.due, f"{due:,} due"))
        numbers = pg.scalar("SELECT count(DISTINCT number) FROM tickets_workorder")
        checks.append(("order numbers are unique and set", numbers == self.sizes.orders, f"{numbers:,} distinct"))
        early = pg.scalar(f"""SELECT count(*) FROM tickets_workorder
                              WHERE GREATEST(accepted_at, dispatched_at, arrived_at, restored_at, replied_at,
                                             informed_at, investigated_at, called_back_at) > {self.G}""")
        checks.append(("no fact lies after G", early == 0, f"{early} rows"))
        checks.extend(self._verify_against_app())

    def _verify_against_app(self, sample: int = 1000) -> list[tuple[str, bool, str]]:
        """Recompute, with the app's own code, the due columns (``tickets.sla``) and the breaches the
        sweep would have posted up to G (``kpi.sweeps``) for a sample of orders, and compare."""
        from kpi.models import LedgerEntry, PenaltyRule
        from kpi.services import period_of
        from kpi.sweeps import ORDER_COLUMNS, _judge_order
        from tickets import sla
        from tickets.models import Department, WorkOrder

        ids = [i for (i,) in pg.rows(f"""SELECT id FROM tickets_workorder TABLESAMPLE BERNOULLI (5) REPEATABLE (7)
                                         WHERE next_due_at IS NULL OR next_due_at > {self.G} LIMIT {sample}""")]
        due_mismatch = 0
        for order in WorkOrder.objects.filter(id__in=ids):
            stored = [getattr(order, c) for c in (*DUE_COLUMNS, "callback_required")]
            order.next_due_at = None
            sla.recompute_deadlines(order)
            due_mismatch += stored != [getattr(order, c) for c in (*DUE_COLUMNS, "callback_required")]
        rules = {rule.code: rule for rule in PenaltyRule.objects.filter(enabled=True)}
        units = dict(Department.objects.values_list("id", "unit_id"))
        expected = {
            (b.key, b.agent_id, b.department_id, b.unit_id, b.rule.amount, period_of(b.occurred_at))
            for order in WorkOrder.objects.filter(id__in=ids).only(*ORDER_COLUMNS)
            for b in _judge_order(order, self.g, rules, units)
        }
        posted = set(
            LedgerEntry.objects.filter(source__in=[f"work_order:{i}" for i in ids])
            .exclude(rule__code="attitude_complaint")
            .values_list("key", "agent_id", "department_id", "unit_id", "amount", "period")
        )
        return [
            (f"due columns of {len(ids):,} sampled orders equal what tickets.sla.recompute_deadlines sets",
             due_mismatch == 0, f"{due_mismatch} differ"),
            (f"ledger history of those orders equals what kpi.sweeps judges at G ({len(expected):,} breaches)",
             expected == posted, f"{len(expected - posted)} missing, {len(posted - expected)} extra"),
        ]

    def describe(self) -> None:
        data = self.data
        for table in ("tickets_unit", "tickets_department", "tickets_user", "tickets_customer", "tickets_workorder",
                      "kpi_ledgerentry"):
            data.counts[table] = pg.scalar(f"SELECT count(*) FROM {table}")
        data.mix = pg.rows("""SELECT kind, state, count(*), count(next_due_at)
                              FROM tickets_workorder GROUP BY kind, state ORDER BY kind, min(
                                  array_position(ARRAY['accepted','forwarded','dispatched','arrived','restored',
                                  'investigated','replied','informed','called_back'], state::text))""")
        data.sizes_on_disk = pg.rows("""
            SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid))
            FROM pg_class c
            WHERE c.relname IN ('tickets_workorder', 'tickets_workorder_pkey', 'wo_next_due_idx', 'tickets_customer')
            ORDER BY pg_relation_size(c.oid) DESC""")

