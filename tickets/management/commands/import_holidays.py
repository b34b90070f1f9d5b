"""``manage.py import_holidays FILE``: enter a year's official holiday arrangement (the State Council's notice).

The file is UTF-8 text, one day per line — the date, ``holiday`` or ``workday`` (a make-up working day, 调休), and
the name — separated by commas or whitespace; ``#`` starts a comment; a first line ``# source: …`` (or
``--source``) says where it comes from. For example::

    # source: 国务院办公厅关于2027年部分节假日安排的通知
    2027-01-01,holiday,元旦
    2027-02-06,holiday,春节
    2027-02-14,workday,春节调休

Every date must lie in one year. The year's exceptions are replaced, the year becomes official, and the open
deadlines counted on its provisional calendar are recomputed at once (in small committed batches).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contactcenter.errors import DomainError
from tickets.models import User
from tickets.services.calendar import calendar_year_enter, deadlines_recompute_provisional, parse_arrangement


class Command(BaseCommand):
    help = "Enter a year's official holiday arrangement from FILE and recompute the provisional deadlines."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="", help="Where the arrangement comes from (else the file's "
                                                         "'# source:' line)")
        parser.add_argument("--by", default="", help="Username recorded in the audit trail as who entered it")

    def handle(self, *args, file: Path, source: str, by: str, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        try:
            days, found_source = parse_arrangement(text)
        except DomainError as error:
            raise CommandError(error.detail) from None
        years = {day.date.year for day in days}
        if len(years) != 1:
            raise CommandError(f"the file mixes years: {sorted(years)}; give one year per file")
        actor = None
        if by:
            actor = User.objects.filter(username=by).first()
            if actor is None:
                raise CommandError(f"no user {by!r}")
        year = years.pop()
        try:
            calendar_year_enter(year=year, days=days, source=source or found_source or f"import_holidays {file.name}",
                                actor=actor)
        except DomainError as error:
            raise CommandError(error.detail) from None
        holidays = sum(1 for day in days if not day.is_working_day)
        self.stdout.write(f"{year}: {holidays} holidays and {len(days) - holidays} make-up working days entered.")
        recomputed = deadlines_recompute_provisional()
        self.stdout.write(f"Recomputed the provisional deadlines of {recomputed} work orders.")
