"""The queue's second tab, which the shifts app adds: the orders of the shift on duty 本班工单.

``tickets`` records facts and never imports ``shifts``; the shifts app registers its reader here when it starts
(``ShiftsConfig.ready``), as apps register with the admin. Without it the queue shows the user's own orders only.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q


@dataclass(frozen=True)
class OnDuty:
    """The shifts a user is on now, their members, and which orders are the shift's."""

    shifts: list = field(default_factory=list)
    members: list = field(default_factory=list)
    orders: Q | None = None  # None: no shift on duty, no order


_shift_orders: Callable[[object, dt.datetime], OnDuty] | None = None


def register_shift_orders(reader: Callable[[object, dt.datetime], OnDuty]) -> None:
    global _shift_orders
    _shift_orders = reader


def shift_orders(user, now: dt.datetime) -> OnDuty:
    return _shift_orders(user, now) if _shift_orders is not None else OnDuty()
