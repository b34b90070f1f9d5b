"""``manage.py seed_demo``: the demo center of the design (units, departments, users, customers,
calls and work orders in every state), built through ``tickets.services``.

Idempotent: reference data is keyed on codes, usernames and account numbers; calls and orders are
made once (skipped when the marker customer DEMO0001 already has orders). Everything runs in one
transaction, so a failed run leaves nothing half made.
"""

import datetime as dt
import inspect

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, DateTimeField
from django.utils import timezone

from shifts.models import Handover, Shift, ShiftTemplate
from shifts.services import handover_open, shift_create
from tickets.models import (
    AreaType,
    Call,
    Callback,
    Customer,
    Department,
    DepartmentKind,
    Kind,
    OutageKind,
    OutageNotice,
    Role,
    Unit,
    UnitKind,
    User,
    WorkOrder,
    WorkOrderTransition,
)
from tickets.services import call_log, outage_receive, outage_transition, work_order_create, work_order_transition

MARKER_ACCOUNT = "DEMO0001"

# (code, name, kind, parent code)
UNITS = [
    ("group", "国网示范集团", UnitKind.GROUP, None),
    ("city", "示范市供电公司", UnitKind.CITY, "group"),
    ("county", "示范县供电公司", UnitKind.COUNTY, "city"),
    ("service-center", "95598客户服务中心", UnitKind.SERVICE_CENTER, "city"),
]

# (code, name, kind, unit code)
DEPARTMENTS = [
    ("repair-1", "抢修一班", DepartmentKind.REPAIR_CREW, "city"),
    ("repair-2", "抢修二班", DepartmentKind.REPAIR_CREW, "county"),
    ("marketing", "营销部", DepartmentKind.MARKETING, "city"),
    ("supervision", "监察室", DepartmentKind.SUPERVISION, "city"),
    ("operations", "运检部", DepartmentKind.OPERATIONS, "city"),
]

# (username, last name, first name, role, unit code, department code, seat, staff)
USERS = [
    ("agent1", "王", "芳", Role.AGENT, "service-center", None, "8001", False),
    ("agent2", "李", "娜", Role.AGENT, "service-center", None, "8002", False),
    ("lead1", "张", "伟", Role.SHIFT_LEAD, "service-center", None, "", False),
    ("lead2", "钱", "军", Role.SHIFT_LEAD, "service-center", None, "", False),
    # The supervisor configures the rules (SLA policies, KPI rules) in the admin.
    ("supervisor1", "刘", "洋", Role.SUPERVISOR, "service-center", None, "", True),
    ("manager1", "陈", "静", Role.MANAGER, "city", None, "", False),
    ("repair1", "赵", "强", Role.DEPARTMENT_HANDLER, "city", "repair-1", "", False),
    ("repair2", "孙", "磊", Role.DEPARTMENT_HANDLER, "county", "repair-2", "", False),
    ("marketing1", "周", "敏", Role.DEPARTMENT_HANDLER, "city", "marketing", "", False),
    ("supervision1", "吴", "刚", Role.DEPARTMENT_HANDLER, "city", "supervision", "", False),
    # The telephony system's service account: logs the calls of every seat through the API with its token (no pages).
    ("telephony", "", "呼叫中心交换机", Role.TELEPHONY, "service-center", None, "", False),
]

# (account number, name, phone, address, area type)
CUSTOMERS = [
    ("DEMO0001", "杨建国", "13812340001", "示范市城关区人民路88号3栋2单元501室", AreaType.URBAN),
    ("DEMO0002", "黄秀英", "13912340002", "示范市城关区解放街12号院1号楼302室", AreaType.URBAN),
    ("DEMO0003", "何志明", "13812340003", "示范市示范县青山镇李家村五组18号", AreaType.RURAL),
    ("DEMO0004", "林晓燕", "13912340004", "示范市高新区科技大道66号创业园B座1208室", AreaType.URBAN),
    ("DEMO0005", "郭建华", "13812340005", "示范市示范县白云乡高山村三组", AreaType.REMOTE),
    ("DEMO0006", "马丽", "13912340006", "示范市城关区东风路155号2单元101室", AreaType.URBAN),
    ("DEMO0007", "罗海涛", "13812340007", "示范市示范县河口镇新街村七组6号", AreaType.RURAL),
    ("DEMO0008", "梁淑芬", "13912340008", "示范市城关区建设路9号小区4栋602室", AreaType.URBAN),
    ("DEMO0009", "宋志强", "13812340009", "示范市示范县石门乡双龙村一组", AreaType.REMOTE),
    ("DEMO0010", "郑桂兰", "13912340010", "示范市城关区滨江路201号1栋1103室", AreaType.URBAN),
    ("DEMO0011", "谢文博", "13812340011", "示范市示范县城北镇杨柳村二组23号", AreaType.RURAL),
    ("DEMO0012", "韩雪", "13912340012", "示范市经开区长江路8号金融中心A座", AreaType.URBAN),
]

# Outage notices 停电信息, each made once (keyed on its cause): a fault in progress covering DEMO0008's community
# (建设路9号小区) with a repair call linked to it, and planned maintenance published only 3 days ahead (under the
# 7-day lead time, so flagged announced late).
FAULT_CAUSE = "10kV建设线电缆故障"
FAULT_AREA = "建设路9号小区\n建设路11号小区"
PLANNED_CAUSE = "10kV滨江线计划检修，更换柱上开关"
PLANNED_AREA = "滨江路\n解放街"

# The three shifts of a date in their order: 夜班 0:00–8:00, 早班 8:00–16:00, 中班 16:00–0:00.
ROSTER_TEMPLATES = ("night", "early", "middle")

GOOD_CALLBACK = {"reached": True, "satisfied": True, "attitude": "good", "quality": "good"}


class Command(BaseCommand):
    help = (
        "Build the demo center: unit tree, departments, users (agent1, agent2, lead1, lead2, supervisor1, "
        "manager1, repair1, repair2, marketing1, supervision1, the telephony service account and the superuser "
        "admin), customers DEMO0001-DEMO0012, "
        "calls and work orders of every kind in various states, today's and tomorrow's three shifts of the "
        "service center and the draft handover of the shift on duty, a published fault outage with a linked repair "
        "call and a planned outage announced late. Idempotent: existing rows are kept and "
        "calls/orders are made only once. Passwords are settings.DEMO_PASSWORD (env DEMO_PASSWORD, default "
        "demo12345); on a re-run a demo user's password is set again only if it no longer matches "
        "DEMO_PASSWORD, so changing DEMO_PASSWORD takes effect."
    )

    def handle(self, *args, **options):
        users = self._seed()
        self._summary(users)

    @transaction.atomic
    def _seed(self) -> dict[str, User]:
        units = self._units()
        departments = self._departments(units)
        users = self._users(units, departments)
        customers = self._customers(units)
        if WorkOrder.objects.filter(customer__account_number=MARKER_ACCOUNT).exists():
            self.stdout.write("Demo calls and orders exist already; not adding more.")
        else:
            _DemoOrders(users=users, departments=departments, customers=customers).build()
        self._outages(users, customers, departments)  # before the roster: the handover carries its repair call
        self._roster(units, users)
        return users

    # --- reference data ---------------------------------------------------------------------------

    def _units(self) -> dict[str, Unit]:
        units: dict[str, Unit] = {}
        for code, name, kind, parent in UNITS:
            units[code], _ = Unit.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "parent": units.get(parent)}
            )
        return units

    def _departments(self, units: dict[str, Unit]) -> dict[str, Department]:
        departments: dict[str, Department] = {}
        for code, name, kind, unit in DEPARTMENTS:
            departments[code], _ = Department.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "unit": units[unit]}
            )
        return departments

    def _users(self, units: dict[str, Unit], departments: dict[str, Department]) -> dict[str, User]:
        password = settings.DEMO_PASSWORD
        users: dict[str, User] = {}
        rows = [*USERS, ("admin", "", "", None, "service-center", None, "", True)]
        for username, last, first, role, unit, department, seat, staff in rows:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "last_name": last,
                    "first_name": first,
                    "unit": units[unit],
                    "department": departments.get(department),
                    "seat": seat,
                    "is_staff": staff,
                    "is_superuser": username == "admin",
                    "email": f"{username}@demo.invalid",
                },
            )
            if created or not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
            if role is not None:
                user.groups.add(Group.objects.get(name=role))  # the groups exist after migrate
            users[username] = user
        return users

    def _customers(self, units: dict[str, Unit]) -> dict[str, Customer]:
        customers: dict[str, Customer] = {}
        for account, name, phone, address, area in CUSTOMERS:
            customers[account], _ = Customer.objects.get_or_create(
                account_number=account,
                defaults={
                    "name": name,
                    "phone": phone,
                    "address": address,
                    "area_type": area,
                    "unit": units["city" if area == AreaType.URBAN else "county"],
                },
            )
        return customers

    def _roster(self, units: dict[str, Unit], users: dict[str, User]) -> None:
        """Today's and tomorrow's three shifts of the service center: lead1 (with agent1 and agent2) leads the
        shift on duty now and every other one, lead2 the others; the shift on duty has its draft handover.
        Shifts are keyed on unit, template and date, so a re-run on the same day adds nothing."""

        center, now = units["service-center"], timezone.now()
        today, tz = timezone.localdate(now), timezone.get_current_timezone()
        templates = {t.code: t for t in ShiftTemplate.objects.filter(code__in=ROSTER_TEMPLATES)}
        slots = [(today + dt.timedelta(days=n), templates[code]) for n in (0, 1) for code in ROSTER_TEMPLATES]
        current = next(i for i, (day, template) in enumerate(slots)
                       if template.bounds(day, tz)[0] <= now < template.bounds(day, tz)[1])
        shifts = []
        for i, (day, template) in enumerate(slots):
            shift = Shift.objects.filter(unit=center, template=template, date=day).first()
            if shift is None:
                ours = (i - current) % 2 == 0
                shift = shift_create(
                    unit=center, template=template, date=day, lead=users["lead1" if ours else "lead2"],
                    members=[users["agent1"], users["agent2"]] if ours else [], actor=users["supervisor1"],
                )
            shifts.append(shift)
        handover_open(shift=shifts[current])

    def _outages(self, users: dict[str, User], customers: dict[str, Customer],
                 departments: dict[str, Department]) -> None:
        """Through the services only: received, published (then the repair call that links to the fault)."""
        now = timezone.now().replace(second=0, microsecond=0)
        agent = users["agent1"]
        if not OutageNotice.objects.filter(cause=FAULT_CAUSE).exists():
            starts_at = now - dt.timedelta(minutes=40)
            fault = outage_receive(
                kind=OutageKind.FAULT, area=FAULT_AREA, cause=FAULT_CAUSE, starts_at=starts_at,
                expected_restore_at=starts_at + dt.timedelta(hours=4), actor=agent,
                source_department=departments["operations"], received_at=now - dt.timedelta(minutes=30),
            )
            outage_transition(notice=fault, name="publish", actor=agent)
            caller = customers["DEMO0008"]
            ring = now - dt.timedelta(minutes=5)
            call = call_log(caller_number=caller.phone, ring_started_at=ring, customer=caller,
                            answered_at=ring + dt.timedelta(seconds=4), ended_at=ring + dt.timedelta(minutes=2),
                            agent=users["agent2"], logged_by=users["agent2"])
            work_order_create(kind=Kind.REPAIR, description="整栋楼停电，家里冰箱不制冷。", title="小区停电",
                              caller_number=caller.phone, customer=caller, call=call, actor=users["agent2"])
        if not OutageNotice.objects.filter(cause=PLANNED_CAUSE).exists():
            day = timezone.localdate(now) + dt.timedelta(days=3)
            starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
            planned = outage_receive(
                kind=OutageKind.PLANNED, area=PLANNED_AREA, cause=PLANNED_CAUSE, starts_at=starts_at,
                expected_restore_at=starts_at + dt.timedelta(hours=10), actor=agent,
                source_department=departments["operations"],
            )
            outage_transition(notice=planned, name="publish", actor=agent)

    # --- report ------------------------------------------------------------------------------------

    def _summary(self, users: dict[str, User]) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS("Demo center ready."))
        out.write(
            f"Units: {Unit.objects.count()}  departments: {Department.objects.count()}  "
            f"customers: {Customer.objects.count()}  calls: {Call.objects.count()}  "
            f"orders: {WorkOrder.objects.count()}  history rows: {WorkOrderTransition.objects.count()}  "
            f"callbacks: {Callback.objects.count()}"
        )

        out.write(f"Shifts: {Shift.objects.count()}  handovers: {Handover.objects.count()}")
        out.write(f"Outage notices: {OutageNotice.objects.count()}  "
                  f"linked repair calls: {WorkOrder.objects.filter(outage__isnull=False).count()}")
        out.write("Work orders by kind and state:")
        rows = WorkOrder.objects.values("kind", "state").annotate(n=Count("id")).order_by("kind", "state")
        for row in rows:
            out.write(f"  {row['kind']:<13} {row['state']:<13} {row['n']}")
        out.write("Users:")
        for user in users.values():
            roles = ", ".join(g.name for g in user.groups.all()) or (
                "superuser" if user.is_superuser else "-"
            )
            where = user.department or user.unit or ""
            out.write(f"  {user.username:<13} {user.last_name + user.first_name:<5} {roles:<19} {where}")
        hint = (
            "demo12345 (the default)"
            if settings.DEMO_PASSWORD == "demo12345"
            else "the value of DEMO_PASSWORD"
        )
        out.write(f"Password for every demo user: {hint}")


class _DemoOrders:
    """Calls and work orders, made only through the services with the actor each step needs."""

    def __init__(self, *, users, departments, customers) -> None:
        self.u, self.d, self.c = users, departments, customers
        self.now = timezone.now()

    # --- helpers -----------------------------------------------------------------------------------

    def call(
        self,
        customer: Customer,
        agent: User | None,
        *,
        minutes_ago: float,
        ring: int,
        answered: bool = True,
        talk_minutes: float = 4,
    ) -> Call:
        start = self.now - dt.timedelta(minutes=minutes_ago)
        answered_at = start + dt.timedelta(seconds=ring) if answered else None
        ended_at = (
            (answered_at + dt.timedelta(minutes=talk_minutes))
            if answered
            else start + dt.timedelta(seconds=ring)
        )
        if ended_at > self.now:
            ended_at = None  # still talking
        return call_log(
            caller_number=customer.phone,
            ring_started_at=start,
            answered_at=answered_at,
            ended_at=ended_at,
            agent=agent if answered else None,
            logged_by=self.u["telephony"],  # calls reach the system from the switch
            customer=customer,
        )

    def create(
        self,
        kind: str,
        account: str,
        agent: str,
        description: str,
        *,
        title: str = "",
        call: Call | None = None,
        answer: str = "",
    ) -> WorkOrder:
        customer = self.c[account]
        return work_order_create(
            kind=kind,
            description=description,
            title=title,
            caller_number=customer.phone,
            customer=customer,
            call=call,
            actor=self.u[agent],
            answer=answer,
        )

    def fire(
        self, order: WorkOrder, name: str, actor: str, *, note: str = "", call: Call | None = None, **params
    ) -> WorkOrder:
        """Fire a transition. ``note`` goes to the history row, and to the transition too when it takes
        one (escalate's escalation note, investigate's finding note)."""
        if note and "note" in inspect.signature(getattr(order, name)).parameters:
            params["note"] = note
        return work_order_transition(
            order=order, name=name, actor=self.u[actor], params=params, note=note, call=call
        )

    def callback_and_archive(self, order: WorkOrder, agent: str) -> WorkOrder:
        order = self.fire(order, "callback", agent, **GOOD_CALLBACK)
        return self.fire(order, "archive", agent)

    def age(self, order: WorkOrder, delta: dt.timedelta) -> WorkOrder:
        """Demo data only: move an order's timestamps (facts and deadlines alike), its history, its
        callbacks and its call back by ``delta``, so its deadlines have passed. ``state`` is untouched."""
        columns = [
            f.attname
            for f in WorkOrder._meta.concrete_fields
            if isinstance(f, DateTimeField) and f.attname != "updated_at"
        ]
        row = WorkOrder.objects.filter(pk=order.pk).values(*columns).get()
        WorkOrder.objects.filter(pk=order.pk).update(
            **{column: value - delta for column, value in row.items() if value is not None}
        )
        for history in WorkOrderTransition.objects.filter(order=order):
            WorkOrderTransition.objects.filter(pk=history.pk).update(at=history.at - delta)
        for callback in Callback.objects.filter(order=order):
            Callback.objects.filter(pk=callback.pk).update(made_at=callback.made_at - delta)
        if order.call_id:
            call = Call.objects.get(pk=order.call_id)
            Call.objects.filter(pk=call.pk).update(
                ring_started_at=call.ring_started_at - delta,
                answered_at=call.answered_at and call.answered_at - delta,
                ended_at=call.ended_at and call.ended_at - delta,
            )
        fresh = WorkOrder.objects.get(pk=order.pk)  # the number carries the acceptance date
        WorkOrder.objects.filter(pk=order.pk).update(number=fresh.assign_number())
        return WorkOrder.objects.get(pk=order.pk)

    # --- the demo ------------------------------------------------------------------------------------

    def build(self) -> None:
        self.repairs()
        self.consultations()
        self.complaints()
        self.reports_and_suggestions()
        self.other_calls()

    def repairs(self) -> None:
        crew1, crew2 = self.d["repair-1"].pk, self.d["repair-2"].pk

        # Dispatched and overdue: the crew should have been on site 75 minutes ago; the customer urges.
        first_call = self.call(self.c["DEMO0001"], self.u["agent1"], minutes_ago=3, ring=6)
        late = self.create(
            Kind.REPAIR,
            "DEMO0001",
            "agent1",
            "家中全部停电，邻居家有电，总闸无法合上。",
            title="单户停电",
            call=first_call,
        )
        late = self.fire(late, "dispatch", "agent1", department=crew1, handler="repair1")
        late = self.age(late, dt.timedelta(hours=2))
        urge_call = self.call(self.c["DEMO0001"], self.u["agent2"], minutes_ago=1, ring=5, talk_minutes=1)
        self.fire(late, "urge", "agent2", note="客户再次来电催促抢修人员到场。", call=urge_call)

        # Duplicate of the order above, cancelled by the shift lead.
        duplicate = self.create(
            Kind.REPAIR, "DEMO0001", "agent2", "客户家中停电，请尽快派人处理。", title="单户停电"
        )
        self.fire(duplicate, "cancel", "lead1", reason=f"重复工单：同一故障已由 {late.number} 受理。")

        # Accepted, not yet dispatched.
        self.create(Kind.REPAIR, "DEMO0003", "agent2", "村里变压器有异响，并伴有焦糊味。", title="变压器异响")

        # Arrived (county crew, rural customer).
        arrived = self.create(
            Kind.REPAIR, "DEMO0007", "agent2", "门口电线杆上的电线被大风刮断，垂到地面。", title="线路断线"
        )
        arrived = self.fire(arrived, "dispatch", "agent2", department=crew2, handler="repair2")
        self.fire(arrived, "arrive", "repair2")

        # Restored, waiting for the (sampled) callback.
        restored = self.create(
            Kind.REPAIR, "DEMO0006", "agent1", "楼道灯和家里插座都没电，电表显示欠压。", title="电压异常"
        )
        restored = self.fire(restored, "dispatch", "agent1", department=crew1, handler="repair1")
        restored = self.fire(restored, "arrive", "repair1")
        self.fire(restored, "restore", "repair1", note="更换表后开关，已恢复供电。")

        # Archived after a callback.
        done = self.create(
            Kind.REPAIR, "DEMO0010", "agent1", "空开频繁跳闸，无法正常用电。", title="频繁跳闸"
        )
        done = self.fire(done, "dispatch", "agent1", department=crew1, handler="repair1")
        done = self.fire(done, "arrive", "repair1")
        done = self.fire(done, "restore", "repair1", note="户内线路老化短路，已协助处理。")
        self.callback_and_archive(done, "agent1")

        # Returned 退单 by the county crew: the address is outside its area.
        returned = self.create(
            Kind.REPAIR, "DEMO0004", "agent1", "办公室所在楼层整层停电。", title="楼层停电"
        )
        returned = self.fire(returned, "dispatch", "agent1", department=crew2, handler="repair2")
        self.fire(
            returned,
            "return_to_sender",
            "repair2",
            reason="地址位于高新区，不属于本班组抢修范围，请改派抢修一班。",
        )

    def consultations(self) -> None:
        marketing = self.d["marketing"].pk

        # Answered on the call, closed at once (the one call that rang 15 s: over 3 rings).
        slow_call = self.call(self.c["DEMO0002"], self.u["agent2"], minutes_ago=40, ring=15)
        self.create(
            Kind.CONSULTATION,
            "DEMO0002",
            "agent2",
            "咨询阶梯电价第二档的起止电量。",
            title="阶梯电价咨询",
            call=slow_call,
            answer="年用电量2161至4200千瓦时执行第二档电价，每千瓦时加价0.05元。",
        )

        # Dispatched to marketing, and overdue (5 working days passed long ago).
        waiting = self.create(
            Kind.CONSULTATION,
            "DEMO0008",
            "agent1",
            "咨询峰谷分时电价的申请条件和办理流程。",
            title="峰谷电价咨询",
        )
        waiting = self.fire(waiting, "dispatch", "agent1", department=marketing, handler="marketing1")
        self.age(waiting, dt.timedelta(days=10))

        # Replied by marketing, the agent has not told the customer yet.
        replied = self.create(
            Kind.CONSULTATION,
            "DEMO0012",
            "agent2",
            "企业新装315千伏安专变需要准备哪些资料？",
            title="新装业务咨询",
        )
        replied = self.fire(replied, "dispatch", "agent2", department=marketing, handler="marketing1")
        self.fire(
            replied,
            "reply",
            "marketing1",
            answer="需营业执照、法人身份证明、用电地址产权证明及用电设备清单，可在网上国网App提交。",
        )

        # Customer informed.
        informed = self.create(
            Kind.CONSULTATION, "DEMO0011", "agent1", "咨询农村户表改造是否收费。", title="户表改造咨询"
        )
        informed = self.fire(informed, "dispatch", "agent1", department=marketing, handler="marketing1")
        informed = self.fire(
            informed, "reply", "marketing1", answer="户表改造由供电公司出资，不向客户收取费用。"
        )
        self.fire(
            informed, "inform", "agent1", reply_text="您好，户表改造不收取任何费用，施工前会提前通知您。"
        )

    def complaints(self) -> None:
        marketing, supervision = self.d["marketing"].pk, self.d["supervision"].pk

        # Accepted, not yet forwarded.
        self.create(
            Kind.COMPLAINT,
            "DEMO0004",
            "agent2",
            "营业厅工作人员办理业务时推诿，让我跑了三趟。",
            title="营业厅推诿",
        )

        # Forwarded to the supervision office 监察室.
        forwarded = self.create(
            Kind.COMPLAINT, "DEMO0009", "agent1", "抄表员长期不上门，电费按估抄收取。", title="估抄电费"
        )
        self.fire(forwarded, "forward", "agent1")

        # Dispatched to marketing and overdue: accepted six days ago, no first contact, no reply; escalated.
        overdue = self.create(
            Kind.COMPLAINT,
            "DEMO0005",
            "agent2",
            "计划停电未提前通知，家中冰箱食物全部变质。",
            title="停电未通知",
        )
        overdue = self.fire(overdue, "forward", "agent2")
        overdue = self.fire(overdue, "dispatch", "supervision1", department=marketing, handler="marketing1")
        overdue = self.age(overdue, dt.timedelta(days=6))
        self.fire(overdue, "escalate", "lead1", note="投诉超期未答复，已上报中心主任。")

        # Investigated: not valid.
        investigated = self.create(
            Kind.COMPLAINT,
            "DEMO0011",
            "agent1",
            "认为本月电费比上月高出一倍，怀疑电表不准。",
            title="电费异常",
        )
        investigated = self.fire(investigated, "forward", "agent1")
        investigated = self.fire(
            investigated, "dispatch", "supervision1", department=marketing, handler="marketing1"
        )
        self.fire(
            investigated,
            "investigate",
            "marketing1",
            valid=False,
            note="现场校验电表误差合格，电量增加系客户新增空调所致。",
        )

        # Replied two days ago; the callback (due within 1 day) is overdue.
        replied = self.create(
            Kind.COMPLAINT,
            "DEMO0008",
            "agent2",
            "抢修人员到场后态度冷淡，未说明停电原因。",
            title="抢修人员态度",
        )
        replied = self.fire(replied, "forward", "agent2")
        replied = self.fire(replied, "dispatch", "supervision1", department=marketing, handler="marketing1")
        replied = self.fire(
            replied,
            "investigate",
            "marketing1",
            valid=True,
            cause="attitude",
            note="已对抢修人员进行批评教育。",
        )
        replied = self.fire(
            replied,
            "reply",
            "agent2",
            reply_text="您好，经核实情况属实，我们已对相关人员进行批评教育，感谢您的监督。",
        )
        self.age(replied, dt.timedelta(days=2))

        # The whole way to archived: valid, the attitude of agent2, who took the customer's second call about it.
        call = self.call(self.c["DEMO0006"], self.u["agent1"], minutes_ago=90, ring=4)
        archived = self.create(
            Kind.COMPLAINT,
            "DEMO0006",
            "agent1",
            "客户反映报修进度时，客服人员语气生硬。",
            title="客服态度",
            call=call,
        )
        second = self.call(self.c["DEMO0006"], self.u["agent2"], minutes_ago=80, ring=3, talk_minutes=1)
        archived = self.fire(archived, "urge", "agent2", call=second, note="客户再次来电，反映接线员中途挂断电话")
        archived = self.fire(archived, "forward", "agent1", department=supervision)
        archived = self.fire(archived, "dispatch", "supervision1", department=marketing, handler="marketing1")
        archived = self.fire(
            archived,
            "investigate",
            "marketing1",
            valid=True,
            cause="attitude",
            responsible="agent2",
            note="调取录音核实，客服代表服务态度不佳。",
        )
        archived = self.fire(
            archived,
            "reply",
            "agent1",
            reply_text="您好，经核实情况属实，已对相关客服代表进行考核和培训，向您致歉。",
        )
        self.callback_and_archive(archived, "agent1")

        # Reopened: the customer was not satisfied with the reply; back with marketing.
        reopened = self.create(
            Kind.COMPLAINT, "DEMO0003", "agent2", "业扩报装超过承诺时限仍未接电。", title="报装超时"
        )
        reopened = self.fire(reopened, "forward", "agent2")
        reopened = self.fire(reopened, "dispatch", "supervision1", department=marketing, handler="marketing1")
        reopened = self.fire(
            reopened, "investigate", "marketing1", valid=True, cause="timeliness", note="因线路改造延误。"
        )
        reopened = self.fire(
            reopened, "reply", "agent2", reply_text="您好，因线路改造延误，预计本周内完成接电。"
        )
        self.fire(
            reopened,
            "callback",
            "agent2",
            reached=True,
            satisfied=False,
            attitude="fair",
            quality="poor",
            suggestions="仍未接电，要求给出明确的接电日期。",
        )

    def reports_and_suggestions(self) -> None:
        marketing = self.d["marketing"].pk

        # Report 举报, forwarded to the supervision office.
        report = self.create(
            Kind.REPORT, "DEMO0007", "agent1", "举报村内有人私拉乱接电线窃电。", title="窃电举报"
        )
        self.fire(report, "forward", "agent1")

        # Suggestion 意见建议, replied.
        suggestion = self.create(
            Kind.SUGGESTION, "DEMO0012", "agent2", "建议营业厅周末也开放办理业务。", title="营业时间建议"
        )
        suggestion = self.fire(suggestion, "forward", "agent2")
        suggestion = self.fire(
            suggestion, "dispatch", "supervision1", department=marketing, handler="marketing1"
        )
        suggestion = self.fire(
            suggestion,
            "investigate",
            "marketing1",
            valid=True,
            cause="other",
            note="建议合理，城关营业厅试行周六上午营业。",
        )
        self.fire(
            suggestion, "reply", "agent2", reply_text="感谢您的建议，城关营业厅自下月起试行周六上午营业。"
        )

    def other_calls(self) -> None:
        # Abandoned: rang 25 s, the caller hung up before an agent answered.
        self.call(self.c["DEMO0010"], None, minutes_ago=25, ring=25, answered=False)
        # Answered within 3 rings, no order (the customer asked for the hotline's hours).
        self.call(self.c["DEMO0002"], self.u["agent1"], minutes_ago=20, ring=3, talk_minutes=2)
