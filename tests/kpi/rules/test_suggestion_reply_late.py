"""suggestion_reply_late (no seed figure: a configurable placeholder policy of 5 working days, 20 yuan): a
suggestion 意见建议 dispatched to a department and not replied by the 5th working day (the 调休 Saturday counted by
hand) charges that department once, AT the limit and not a minute before; one replied in time is not charged."""


import pytest

from ..conftest import at
from .working_days import charged_at_the_fifth_working_day, replied_in_time_is_not_charged

pytestmark = pytest.mark.django_db

WORKING_DAY_CASES = [
    # Fri 5/8 09:00 → Sat 5/9, Mon 5/11, Tue 5/12, Wed 5/13, Thu 5/14.
    ("suggestion", at(2026, 5, 8, 9, 0), at(2026, 5, 14, 9, 0)),
]


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_limits_in_working_days_fire_at_the_limit(hotline, org, kind, accepted, due):
    charged_at_the_fifth_working_day(hotline, org, kind, accepted, due)


@pytest.mark.parametrize(("kind", "accepted", "due"), WORKING_DAY_CASES)
def test_reply_in_working_days_in_time_is_not_charged(hotline, org, kind, accepted, due):
    replied_in_time_is_not_charged(hotline, org, kind, accepted, due)
