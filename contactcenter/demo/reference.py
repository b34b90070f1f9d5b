"""The demo center's reference data (units, departments, users, customers), its roster and its outage notices,
made through the services; each row keyed on its code, username or account number, so a re-run adds nothing."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from shifts.models import Shift, ShiftTemplate
from shifts.services import handover_open, shift_create
from tickets.models import (
    AreaType,
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
)
from tickets.services import call_log, outage_publish, outage_receive, work_order_create

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


def seed_units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, name, kind, parent in UNITS:
        units[code], _ = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "parent": units.get(parent)}
        )
    return units


def seed_departments(units: dict[str, Unit]) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for code, name, kind, unit in DEPARTMENTS:
        departments[code], _ = Department.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "unit": units[unit]}
        )
    return departments


def seed_users(units: dict[str, Unit], departments: dict[str, Department]) -> dict[str, User]:
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


def seed_customers(units: dict[str, Unit]) -> dict[str, Customer]:
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


def seed_roster(units: dict[str, Unit], users: dict[str, User]) -> None:
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


def seed_outages(users: dict[str, User], customers: dict[str, Customer],
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
        outage_publish(notice=fault, actor=agent)
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
        outage_publish(notice=planned, actor=agent)

# --- report ------------------------------------------------------------------------------------
