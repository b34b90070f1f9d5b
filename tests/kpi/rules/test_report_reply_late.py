"""report_reply_late (no seed figure: a configurable placeholder policy of 5 working days, 20 yuan): a report
举报 dispatched to a department and not replied by the 5th working day (Labour Day holidays and the 调休 Saturday
counted by hand) charges that department once, AT the limit and not a minute before; one replied in time is not
charged."""


import pytest

from ..conftest import at
from .working_days import charged_at_the_fifth_working_day, replied_in_time_is_not_charged

pytestmark = pytest.mark.django_db

WORKING_DAY_CASES = [
    # Thu 4/30 15:00 → Wed 5/6, Thu 5/7, Fri 5/8, Sat 5/9, Mon 5/11.
    ("report", at(2026, 4, 30, 15, 0), at(2026, 5, 11, 15, 0)),
]


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_limits_in_working_days_fire_at_the_limit(hotline, org, kind, accepted, due):
    charged_at_the_fifth_working_day(hotline, org, kind, accepted, due)


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_in_working_days_in_time_is_not_charged(hotline, org, kind, accepted, due):
    replied_in_time_is_not_charged(hotline, org, kind, accepted, due)
