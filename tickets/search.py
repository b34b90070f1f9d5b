"""What a search 工单查询 finds, defined once: the text of an order that a search matches, and how a query is read.

An order's searchable text is kept with the order (``WorkOrder.search_text``, written by every service that
changes it): the order's own words (title, description, address, answer, reply, findings, notes), its customer's
name, account number and address, and the phone numbers *as masked* (``139****0001``) — what every role sees.
The whole numbers are kept apart (``WorkOrder.search_phones``) and searched only for the roles that see them
(``tickets.phones.sees_whole_phones``): a masked role finds a customer by the visible digits, never by the hidden
ones. The order number is matched in its own column (it ends with the row's id, known only once inserted).

A query is split on white space into terms; every term must match (any part of the number, of a phone, of the text:
Chinese by any substring of 2 characters or more — 停电, 3栋). Terms of one character are ignored: they would
match nearly everything. On PostgreSQL a term with Chinese characters is served by a GIN index over the text's
character bigrams (``tickets_bigrams(search_text)``), an ASCII term by pg_trgm indexes over the text, the number and
the phones (migration 0020; BENCHMARKS.md says why); elsewhere by LIKE.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

from contactcenter.errors import InvalidInput

from .phones import mask_phone

MIN_TERM = 2  # characters
MAX_QUERY = 200  # characters: longer is refused (400), not truncated — a pasted page is not a query
MAX_TERMS = 8

# The order's own words that a search finds (the replies and findings included).
ORDER_TEXT_FIELDS = ("title", "description", "address", "answer", "reply_text", "finding_note", "escalation_note",
                     "cancel_reason", "return_reason")


def normalize(text: str) -> str:
    """One form for stored and typed text: full-width to half-width (NFKC: ３栋 → 3栋, ＡＢ → ab), lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


def query_terms(query: str) -> list[str]:
    """The terms of a query. 400 when it is too long or has no term of 2 characters or more."""
    if len(query) > MAX_QUERY:
        raise InvalidInput(_("A search is at most %(limit)s characters long.") % {"limit": MAX_QUERY},
                           extra={"field": "q"})
    terms = []
    for term in normalize(query).split():
        term = "".join(ch for ch in term if unicodedata.category(ch)[0] != "C")  # control and format characters
        if len(term) >= MIN_TERM and term not in terms:
            terms.append(term)
    if not terms:
        raise InvalidInput(_("Type at least %(count)s characters to search.") % {"count": MIN_TERM},
                           extra={"field": "q"})
    return terms[:MAX_TERMS]


def bigrams(term: str) -> list[str]:
    """The character pairs of a term (what the PostgreSQL index holds of the text), each once."""
    return list(dict.fromkeys(term[i:i + 2] for i in range(len(term) - 1)))


def order_search_text(order, customer) -> str:
    """The searchable text of an order (see the module): normalized, one line per source."""
    parts = [getattr(order, name) or "" for name in ORDER_TEXT_FIELDS]
    if customer is not None:
        parts += [customer.name, customer.account_number, customer.address, mask_phone(customer.phone)
                  if customer.phone else ""]
    parts.append(mask_phone(order.caller_number) if order.caller_number else "")
    return normalize("\n".join(part for part in parts if part))


def order_search_phones(order, customer) -> str:
    """The whole phone numbers of an order (the caller's, the customer's): searched only by the roles that see them."""
    numbers = [order.caller_number, customer.phone if customer is not None else ""]
    return " ".join(dict.fromkeys(n for n in numbers if n))


def refresh(order, customer=None) -> list[str]:
    """Recompute the order's search columns in hand; the names of those that changed (for ``save(update_fields=)``)."""
    customer = customer if customer is not None else order.customer
    changed = []
    for name, value in (("search_text", order_search_text(order, customer)),
                        ("search_phones", order_search_phones(order, customer))):
        if getattr(order, name) != value:
            setattr(order, name, value)
            changed.append(name)
    return changed
