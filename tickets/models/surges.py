"""Surge detection 突发集中报修 (issue 18): N repair calls within M minutes from one community with no published outage
propose an outage notice on the console and the lead's pages. Both numbers are data: one row, edited by a
supervisor in the admin."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurgeRule(models.Model):
    calls = models.PositiveSmallIntegerField(_("repair calls"), default=5,
                                             validators=[MinValueValidator(2), MaxValueValidator(1000)],
                                             help_text=_("This many repair calls from one community …"))
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15,
                                               validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
                                               help_text=_("… within this many minutes propose an outage notice."))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("surge rule")
        verbose_name_plural = _("surge rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(calls__gte=2), name="surge_calls_at_least_two"),
            models.CheckConstraint(condition=models.Q(minutes__gte=1), name="surge_minutes_positive"),
        ]

    def __str__(self) -> str:
        return _("%(calls)s repair calls within %(minutes)s minutes") % {"calls": self.calls, "minutes": self.minutes}

    @classmethod
    def current(cls) -> "SurgeRule":
        """The rule in force (the first row; the defaults when there is none)."""
        return cls.objects.order_by("pk").first() or cls()
