"""Reads of the organisation tree."""

from ..models import Unit


def unit_subtree_ids(unit: Unit) -> list[int]:
    """The unit and every unit below it (reports roll up the tree; a company's customers are its subtree's)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Unit.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    ids, stack = [], [unit.pk]
    while stack:
        pk = stack.pop()
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


