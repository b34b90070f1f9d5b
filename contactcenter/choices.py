"""A model's ``get_FOO_display()`` for the fields that pages show on every row (states, kinds, …), read from a
dictionary of the field's choices built once per field.

Django's own builds that dictionary at each call and hashes every label of the field to do so, which translates all
of them (a label is a lazy translation): 12 translations to show one state, on every history row of the order page
and every row of a list. Here each call makes one lookup and translates one label, in the language active when it
is called (the dictionary holds the lazy labels, never a translated text: nothing built once carries a language).
Django lets a model define its own ``get_FOO_display()``; this puts it on the model after the fact, the same way.
"""

from collections.abc import Callable
from typing import Any

from django.db import models


def quick_display(*names: str) -> Callable[[type[models.Model]], type[models.Model]]:
    """Class decorator: ``get_<name>_display()`` for each named field with choices, as Django's shows it."""

    def decorate(model: type[models.Model]) -> type[models.Model]:
        for name in names:
            field = model._meta.get_field(name)
            labels: dict[Any, Any] = {}
            for value, label in field.choices:
                if isinstance(label, (list, tuple)):  # a named group of choices
                    labels.update(label)
                else:
                    labels[value] = label
            setattr(model, f"get_{name}_display", _display(field.attname, labels))
        return model

    return decorate


def _display(attname: str, labels: dict[Any, Any]) -> Callable[[models.Model], Any]:
    def display(self: models.Model) -> Any:
        value = getattr(self, attname)
        label = labels.get(value)
        return value if label is None else str(label)

    display.__name__ = f"get_{attname}_display"
    return display
