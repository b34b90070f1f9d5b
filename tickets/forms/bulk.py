"""The bulk-action form 批量操作 of the queue and the search page: the orders ticked, the action and its input. It
parses; ``services.work_orders_bulk`` decides, order by order."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contactcenter.drf import MAX_ID
from contactcenter.forms import ServiceForm

from ..models import Department
from ..serializers import NOTE_MAX
from ..services.workorders import BULK_MAX
from .labels import SERVICE_CODES

BULK_LABELS = [
    ("dispatch", pgettext_lazy("work order transition", "Dispatch")),
    ("reassign", pgettext_lazy("work order transition", "Reassign to another department")),
    ("urge", pgettext_lazy("work order transition", "Urge")),
    ("add_note", pgettext_lazy("work order transition", "Add a note")),
    ("cancel", pgettext_lazy("work order transition", "Cancel as duplicate")),
]


class IdListField(forms.Field):
    """Ticked checkboxes: a list of ids (at most BULK_MAX)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if not values:
            raise forms.ValidationError(_("Tick at least one work order."), code="required")
        if len(values) > BULK_MAX:
            raise forms.ValidationError(_("At most %(count)s work orders at once.") % {"count": BULK_MAX})
        ids = []
        for raw in values:
            if not str(raw).isdigit() or not 0 < int(raw) <= MAX_ID:
                raise forms.ValidationError(_("Invalid list of orders."))
            if int(raw) not in ids:
                ids.append(int(raw))
        return ids


class BulkForm(ServiceForm):
    service_messages = SERVICE_CODES

    orders = IdListField(label=_("Work orders"))
    action = forms.ChoiceField(label=_("Action"), choices=BULK_LABELS)
    department = forms.ModelChoiceField(label=_("Department"), required=False,
                                        queryset=Department.objects.order_by("kind", "name"))
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, required=False)
