import re
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactcenter.errors import InvalidInput
from contactcenter.rows import insert, newest

from .. import search
from ..models import AreaType, Customer, Unit, WorkOrder
from ..phones import is_mobile

_PHONE = re.compile(r"\+?[0-9]{3,20}", re.ASCII)
_DROPPED = set("().")  # after NFKC: full-width （）．are these too
NOT_A_PHONE = gettext_lazy("Not a phone number: give its digits, optionally with +86, spaces, dashes or brackets.")


def normalize_phone(raw: str, *, field: str = "caller_number") -> str:
    """A phone number as it is stored and looked up: ASCII digits, Chinese numbers in their national form.

    * Any Unicode decimal digit (full-width １, Arabic-Indic ١ …) becomes ASCII; full-width ＋（）become +().
    * Spaces of every kind (the ideographic space U+3000 included), dashes of every kind (- － ‐ – — −), dots,
      brackets and invisible format characters go: agents type and paste them all.
    * China's country code goes: ``+86``/``0086`` 138 0013 8000 → 13800138000; a landline keeps its trunk 0
      (+86 10 6512 3456 → 01065123456). Another country's ``00`` prefix becomes ``+`` (00852… → +852…).

    Anything else — a letter, nothing left — is not a phone number: ``InvalidInput`` on ``field``.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    kept = []
    for ch in text:
        if ch.isdecimal():
            kept.append(str(unicodedata.decimal(ch)))
        elif ch.isspace() or ch in _DROPPED or unicodedata.category(ch) in ("Pd", "Cf") or ch == "\u2212":
            continue
        else:
            kept.append(ch)
    phone = "".join(kept)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if phone.startswith("+86") and len(phone) > 3:
        national = phone[3:]
        if is_mobile(national) or national.startswith("0") or len(national) <= 6:
            phone = national  # a mobile, a landline written with its trunk 0, a short service number
        else:
            phone = "0" + national  # a landline: area code and number
    if not _PHONE.fullmatch(phone):
        raise InvalidInput(str(NOT_A_PHONE), code="invalid_phone", extra={"field": field})
    return phone


# No savepoint of its own inside a caller's transaction (work_order_create): nothing here is worth undoing alone.
@transaction.atomic(savepoint=False)
def customer_find_or_create(
    *, phone: str, account_number: str = "", area_type: str = "", unit: Unit | None = None, address: str = ""
) -> Customer:
    """The customer file 一户一档 for a caller: by account number, else by phone, else a new record — with the address
    the agent asked an unknown caller for (the console says to)."""
    if account_number:
        customer = Customer.objects.filter(account_number=account_number).first()
        if customer is None:
            raise InvalidInput(_("No customer with account number %(number)s") % {"number": account_number},
                               code="unknown_account")
        return customer
    customer = newest(Customer, phone=phone)  # the most recent file with the number (as filter().first())
    if customer is not None:
        return customer
    return insert(Customer(phone=phone, area_type=area_type or AreaType.URBAN, unit=unit,
                           address=(address or "").strip()[:300]))


@transaction.atomic
def customer_update(*, customer: Customer, changes: dict) -> Customer:
    """Change a customer's file (name, account, phone, address …); their orders are found by the new words from now
    on (``tickets.search``): their search columns are rewritten in the same transaction."""
    if "phone" in changes:
        changes["phone"] = normalize_phone(changes["phone"], field="phone")
    for name, value in changes.items():
        setattr(customer, name, value)
    customer.save()
    orders = list(WorkOrder.objects.filter(customer=customer).only(
        "id", "caller_number", "search_text", "search_phones", *search.ORDER_TEXT_FIELDS))
    stale = [order for order in orders if search.refresh(order, customer)]
    WorkOrder.objects.bulk_update(stale, ["search_text", "search_phones"], batch_size=500)
    return customer
