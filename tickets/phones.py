"""Who sees a customer's phone number whole: the one rule the API, the pages, the console and the filters read.

Those who call customers — the front office (agents, leads, supervisors) and the departments that handle their
orders — see it whole; the others (managers) see ``139****0001``, and cannot search by it.
"""

import re


def sees_whole_phones(user) -> bool:
    return user.has_perm("tickets.take_calls") or user.has_perm("tickets.handle_department")


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def phone_for(user, phone: str) -> str:
    """The number as ``user`` may see it."""
    return phone if not phone or sees_whole_phones(user) else mask_phone(phone)


MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)  # a mainland mobile number in its national form: 13800138000


def is_mobile(phone: str) -> bool:
    """Can the number receive a text message? (A landline, a short service number or a foreign one cannot.)"""
    return bool(MOBILE.fullmatch(phone or ""))
