"""consultation_reply_late (no seed figure: a configurable placeholder policy of 5 working days, 20 yuan): a
consultation that went to a department and was not answered by the 5th working day (Labour Day holidays and the 调休
Saturday counted by hand) charges that department once, AT the limit and not a minute before; one answered in time
is not charged; one nobody dispatched is still charged to someone."""


import pytest

from ..conftest import at, entries
from .working_days import charged_at_the_fifth_working_day, replied_in_time_is_not_charged

pytestmark = pytest.mark.django_db

WORKING_DAY_CASES = [
    # Wed 4/29 10:00 → Thu 4/30, Wed 5/6, Thu 5/7, Fri 5/8, Sat 5/9 (调休).
    ("consultation", at(2026, 4, 29, 10, 0), at(2026, 5, 9, 10, 0)),
]


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_limits_in_working_days_fire_at_the_limit(hotline, org, kind, accepted, due):
    charged_at_the_fifth_working_day(hotline, org, kind, accepted, due)


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_in_working_days_in_time_is_not_charged(hotline, org, kind, accepted, due):
    replied_in_time_is_not_charged(hotline, org, kind, accepted, due)


# The complaint case (complaint_reply_late) is in tests/kpi/rules/test_complaint_reply_late.py.
@pytest.mark.parametrize("kind", ["consultation"])
def test_a_reply_late_with_no_department_is_still_charged_to_someone(hotline, kind):
    accepted = at(2026, 6, 1, 9, 0)  # Mon; consultation: 5 working days → Mon 6/8 (no holiday in between)
    hotline.move_to(accepted)
    order = hotline.create(kind)  # nobody forwarded / dispatched it
    hotline.move_to(at(2026, 6, 8, 9, 0))
    hotline.sweep_twice()
    [entry] = entries(order)
    assert entry.agent_id is not None or entry.department_id is not None
