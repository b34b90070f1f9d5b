"""Whom this app's events tell (``contactcenter.notifications``): a ledger entry tells the person it charges (an
agent), or the handlers of the department it charges — with a link to the ledger for those who may read it (an agent
reads their own entries through the API, not on the ledger page)."""

from django.urls import reverse

from contactcenter.models import NoticeKind
from contactcenter.notifications import Notice, register, users_with_perm
from tickets.notices import department_handlers

from .models import PenaltyRule


def charged(events) -> list[Notice]:
    """ledger.posted: the agent charged, or the charged department's handlers."""
    rules = {rule.code: rule for rule in PenaltyRule.objects.filter(code__in={e.payload.get("rule") for e in events})}
    handlers = department_handlers({e.payload["department_id"] for e in events if e.payload.get("department_id")})
    people_of = {e.key: [e.payload["agent_id"]] if e.payload.get("agent_id") else
                 handlers.get(e.payload.get("department_id"), []) for e in events}
    everyone = {person for found in people_of.values() for person in found}
    readers = set(users_with_perm("kpi.view_ledgerentry", pk__in=everyone)) if everyone else set()
    notices = []
    for e in events:
        rule = rules.get(e.payload.get("rule"))
        data = {"rule": e.payload.get("rule"), "amount": str(e.payload.get("amount", "")),
                "rule_names": {"zh-hans": rule.name_zh, "en": rule.name_en} if rule else {}}
        notices += [Notice(user, NoticeKind.LEDGER, e.key, reverse("kpi:ledger") if user in readers else "", data)
                    for user in people_of[e.key]]  # a link only for those who may open the ledger
    return notices


def register_recipients() -> None:
    register("ledger.posted", charged)
