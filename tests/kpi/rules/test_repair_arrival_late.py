"""repair_arrival_late (seed 000 细则 6 "对拖延抢修时间部门进行考核", State Grid commitment; 20 yuan): a repair crew
not on site within the limit of the area (urban 45 min, rural 90 min, remote 2 h from the dispatch) charges the
crew's department once, AT the limit and not a minute before — also when the crew returned the order before the
sweep ran; a crew on site in time is not charged."""

import datetime as dt

import pytest

from ..conftest import at, entries
from .conftest import assert_charged

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


@pytest.mark.parametrize(("area", "limit"), [
    ("urban", dt.timedelta(minutes=45)), ("rural", dt.timedelta(minutes=90)), ("remote", dt.timedelta(hours=2)),
])
def test_repair_arrival_late_by_area_is_charged_to_the_crews_department(hotline, org, area, limit):
    hotline.move_to(at(2026, 7, 1, 22, 10))
    order = hotline.create("repair", area_type=area)
    dispatched = at(2026, 7, 1, 22, 14)
    hotline.move_to(dispatched)
    hotline.fire(order, "dispatch", department=org.repair2.pk)

    hotline.move_to(dispatched + limit - MINUTE)
    hotline.sweep_twice()
    assert not entries(order).exists()

    hotline.move_to(dispatched + limit)
    hotline.sweep_twice()
    [entry] = entries(order)
    assert_charged(entry, rule="repair_arrival_late", amount="20.00", occurred_at=dispatched + limit,
                   period="2026-07", department=org.repair2, unit=org.repair2.unit)

    hotline.move_to(dispatched + limit + MINUTE)
    hotline.fire(order, "arrive")  # late arrival does not undo it, nor post again
    hotline.move_to(dispatched + dt.timedelta(days=2))
    hotline.sweep_twice()
    assert entries(order, "repair_arrival_late").count() == 1


def test_a_crew_on_site_in_time_is_not_charged(hotline, org):
    dispatched = at(2026, 7, 1, 22, 14)
    hotline.move_to(dispatched)
    order = hotline.create("repair", area_type="urban")
    hotline.fire(order, "dispatch", department=org.repair.pk)
    hotline.move_to(dispatched + dt.timedelta(minutes=44))
    hotline.fire(order, "arrive")

    for moment in (dispatched + dt.timedelta(minutes=45), dispatched + dt.timedelta(hours=5)):
        hotline.move_to(moment)
        hotline.sweep_twice()
    assert not entries(order, "repair_arrival_late").exists()


def test_a_late_crew_is_charged_even_if_it_returns_the_order_before_the_sweep_runs(hotline, org):
    dispatched = at(2026, 7, 1, 22, 0)
    hotline.move_to(dispatched)
    order = hotline.create("repair", area_type="urban")
    hotline.fire(order, "dispatch", department=org.repair.pk)
    hotline.move_to(dispatched + dt.timedelta(minutes=50))  # 5 minutes late, no sweep since
    hotline.fire(order, "return_to_sender", reason="不在本班辖区")
    hotline.move_to(dispatched + dt.timedelta(minutes=55))
    hotline.sweep_twice()
    [entry] = entries(order, "repair_arrival_late")
    assert (entry.occurred_at, entry.department_id) == (dispatched + dt.timedelta(minutes=45), org.repair.pk)
