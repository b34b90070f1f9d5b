import re
import unicodedata

from django.db import transaction

from contactcenter.errors import InvalidInput

from ..models import AreaType, Customer, Unit

_PHONE = re.compile(r"\+?[0-9]{3,20}", re.ASCII)


def normalize_phone(raw: str) -> str:
    """Any Unicode decimal digit (full-width １, Arabic-Indic ١ …) becomes ASCII; spaces, dashes, dots and
    brackets go (agents type them all). Anything else is not a phone number."""
    phone = unicodedata.normalize("NFKC", raw or "")
    phone = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in phone)
    phone = re.sub(r"[\s\-().]", "", phone)
    if not _PHONE.fullmatch(phone):
        raise InvalidInput(f"{raw!r} is not a phone number", code="invalid_phone", extra={"field": "caller_number"})
    return phone


@transaction.atomic
def customer_find_or_create(
    *, phone: str, account_number: str = "", area_type: str = "", unit: Unit | None = None
) -> Customer:
    """The customer file 一户一档 for a caller: by account number, else by phone, else a new record."""
    if account_number:
        customer = Customer.objects.filter(account_number=account_number).first()
        if customer is None:
            raise InvalidInput(f"No customer with account number {account_number}", code="unknown_account")
        return customer
    customer = Customer.objects.filter(phone=phone).order_by("-id").first()
    if customer is not None:
        return customer
    return Customer.objects.create(phone=phone, area_type=area_type or AreaType.URBAN, unit=unit)
