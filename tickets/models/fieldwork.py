"""What a repair crew records when it restores supply (issue 21): the fault's cause 故障原因 and the
materials used 用料. Both are lists an administrator edits in the admin, seeded by migration 0030
(电缆故障, 变压器故障 …; 熔断器, 电缆接头 …). The restore transition keeps the name a crew chose in its history row
(``WorkOrderTransition.data``), so renaming or retiring an entry later never rewrites what was
recorded."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldList(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0, help_text=_("Smaller first"))
    active = models.BooleanField(_("active"), default=True, help_text=_("Offered to the crews"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class FaultCause(FieldList):
    """故障原因: the cause a crew records when it restores supply."""

    class Meta(FieldList.Meta):
        verbose_name = _("fault cause")
        verbose_name_plural = _("fault causes")


class Material(FieldList):
    """用料: a material a crew may record as used in a repair, counted in its unit (只, 米 …)."""

    unit = models.CharField(_("unit of measure"), max_length=10, blank=True, help_text=_("E.g. 只, 米, 套"))

    class Meta(FieldList.Meta):
        verbose_name = _("material")
        verbose_name_plural = _("materials")
