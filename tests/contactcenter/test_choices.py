"""``get_FOO_display()`` of the fields the pages show on every row (contactcenter.choices): the label of the value
in the language active at the call, as Django's shows it — on every model and kind proxy it is put on."""

import pytest
from django.db import models
from django.utils import translation

from tickets.models import (
    KIND_MODELS,
    Callback,
    Customer,
    OutageNotice,
    OutageTransition,
    SmsMessage,
    WorkOrder,
    WorkOrderTransition,
)

FIELDS = [
    (WorkOrder, ["kind", "state", "area_type", "finding_cause"]),
    (WorkOrderTransition, ["source", "target"]),
    (Callback, ["attitude", "quality"]),
    (Customer, ["area_type"]),
    (SmsMessage, ["trigger", "state"]),
    (OutageNotice, ["kind", "state"]),
    (OutageTransition, ["source", "target"]),
]
CASES = [(model, name) for model, names in FIELDS for name in names]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("model", "name"), CASES, ids=[f"{m.__name__}.{n}" for m, n in CASES])
def test_each_value_shows_its_label_in_the_active_language(model, name, language):
    field = model._meta.get_field(name)
    with translation.override(language):
        for value, label in field.choices:
            instance = model(**{field.attname: value})
            shown = getattr(instance, f"get_{name}_display")()
            assert shown == str(label) and isinstance(shown, str), (value, shown)
        for value in ("", "no-such-value"):  # not a choice: the value itself, as Django shows it
            assert getattr(model(**{field.attname: value}), f"get_{name}_display")() == value


def test_the_labels_follow_the_language_of_each_call():
    order = WorkOrder(kind="complaint", state="accepted")
    with translation.override("zh-hans"):
        assert (order.get_kind_display(), order.get_state_display()) == ("投诉", "已受理")
    with translation.override("en"):
        assert (order.get_kind_display(), order.get_state_display()) == ("Complaint", "Accepted")
    with translation.override("zh-hans"):
        assert order.get_state_display() == "已受理"


@pytest.mark.parametrize("kind", sorted(KIND_MODELS))
def test_the_kind_proxies_show_the_same(kind):
    proxy = KIND_MODELS[kind]
    assert issubclass(proxy, WorkOrder) and isinstance(proxy(state="accepted"), models.Model)
    with translation.override("zh-hans"):
        assert proxy(kind=kind, state="accepted").get_state_display() == "已受理"
        assert proxy(kind=kind).get_kind_display() == WorkOrder(kind=kind).get_kind_display() != kind
