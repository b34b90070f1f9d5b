"""What a monthly assessment is made of: the ``Assessment`` of a month and unit, its ``Section``s (a title,
``Column``s, rows and a 合计 row) and the value formats (``Fmt``) the writers render. Plain data: no queries."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tickets.models import Unit


class Fmt:
    TEXT = "text"
    INT = "int"
    PERCENT = "percent"  # a Decimal fraction 0…1 (4 places), or None when there is nothing to divide by
    MONEY = "money"  # a Decimal in yuan
    DATETIME = "datetime"  # an aware datetime, shown in Asia/Shanghai


@dataclass(frozen=True)
class Column:
    key: str
    title: Any  # a lazy translation: the headers are in the report's language (Chinese by default)
    fmt: str = Fmt.INT
    width: int = 10  # in characters, for the XLSX and PDF writers


@dataclass
class Section:
    key: str
    title: Any
    columns: list[Column]
    rows: list[dict] | Iterator[dict]  # the ledger detail is streamed (an iterator), the others are lists
    total: dict | None = None  # the 合计 row, when the section has one
    streamed: bool = False  # too long for the PDF (which states that it leaves it out)


@dataclass
class Assessment:
    period: str
    unit: Unit | None
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    ring_limit: int
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)
