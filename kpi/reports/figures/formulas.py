"""Each figure's formula in words (``FORMULAS``): written into the report's notes (XLSX notes sheet, CSV, PDF)
and into the README. The counts are in ``counts``, the rates in ``buckets.RATES``: change them together."""

from typing import Any

from django.utils.translation import gettext_lazy as _

FORMULAS: list[tuple[Any, Any]] = [
    (_("Month"), _("From 00:00 on the 1st to 00:00 on the 1st of the next month, Asia/Shanghai.")),
    (_("Calls offered"), _("Calls that rang in the month, answered or not; by the agent whose seat rang (a call "
                            "abandoned before it reached a seat counts only in its unit and the total).")),
    (_("Calls answered"), _("Calls that rang in the month and were answered (answered_at set), by answering agent.")),
    (_("Answered within 3 rings"), _("Answered calls whose ring time ≤ the ring_over_3 rule's threshold (10 s = "
                                     "3 rings); rate = within 3 rings ÷ calls offered (a call never answered "
                                     "was not answered within 3 rings).")),
    (_("Abandoned"), _("Calls that rang in the month and were never answered (outcome abandoned).")),
    (_("Orders accepted"), _("Work orders accepted in the month, by kind, not counting those cancelled as "
                             "duplicates; by first-question owner.")),
    (_("Callbacks due / done"), _("Orders whose callback fell due in the month / of those, the ones called back "
                                  "(at any time before the report); rate = done ÷ due.")),
    (_("Complaint replies on time"), _("Complaints whose reply fell due in the month; on time = replied (or "
                                       "resolved) no later than the due time; rate = on time ÷ due.")),
    (_("Complaint handling rate"), _("Complaints accepted in the month (not cancelled) that have been replied ÷ "
                                     "complaints accepted in the month; target 100 %. By current department.")),
    (_("Repair arrival on time"), _("Repairs whose arrival fell due in the month; on time = crew arrived no "
                                    "later than the due time; rate = on time ÷ due. By repair crew.")),
    (_("Satisfaction"), _("Callbacks made in the month that reached the customer; rate = satisfied ÷ those "
                          "callbacks. By the order's owner, current department and unit.")),
    (_("Penalties"), _("Ledger entries of the month's period (not reversals), in yuan, by rule. Reversals are the "
                       "appeals granted (negative). Net = penalties + reversals; equals the ledger's total for "
                       "the same period and unit.")),
    (_("Units"), _("Each unit's row adds up the unit and every unit below it; rates are recomputed from the "
                   "added counts, not averaged.")),
    (_("Rates"), _("A rate with nothing to divide by is left empty.")),
]
