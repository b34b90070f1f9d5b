"""The working-day calendar: China's public holidays and make-up working days (调休).

Only exceptions are stored; any other day is a working day from Monday to Friday. A year is official
when it has a ``CalendarYear`` row; any other year gets a provisional calendar (``tickets.calendar``). Seeded from the
``chinese-calendar`` package; the State Council publishes the next year's arrangement late in the year before, and a
supervisor enters it (admin, or ``manage.py import_holidays FILE``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from contactcenter.history import AuditedRecords


class CalendarYear(models.Model):
    """A year whose official arrangement (the State Council's notice) is entered: its exceptions are the
    ``CalendarDay`` rows of that year. A year without a row gets a provisional calendar (``tickets.calendar``)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # The outbox of the recomputation: set when the year is entered (or its days change), cleared by
    # tickets.tasks.recompute_provisional_deadlines once every provisional deadline has been recomputed on it.
    recompute_pending = models.BooleanField(_("provisional deadlines to recompute"), default=True, editable=False)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"), help_text=_("Off: a holiday; on: a make-up working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    history = AuditedRecords()  # audit trail (kpi.audit)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("make-up working day") if self.is_working_day else _("holiday")
        return f"{self.date} {kind} {self.name}".strip()
