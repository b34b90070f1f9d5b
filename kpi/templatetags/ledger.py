"""Display helpers of the ledger pages."""

from django import template

from kpi.forms import rule_name as _rule_name

register = template.Library()


@register.filter
def rule_name(rule) -> str:
    """``{{ entry.rule|rule_name }}`` or ``{{ row|rule_name }}`` for a totals row: the name in the current language."""
    return _rule_name(rule)
