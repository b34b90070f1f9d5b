"""Searching orders 工单查询: every order the user may see, in any state, by any part of its number, its phones (as the
user may see them), its customer and its words (``tickets.search`` defines what is searchable).

Ranked: orders whose number, phone or account *is* the query come first; then every other match, newest first. The
two are read apart so that the second is read in the order of the ``accepted_at`` index and stops at the page's end
— a sort of every match (a common word matches a third of a million orders) is what would make a search slow.
The count stops at ``COUNT_LIMIT``: "more than 1,000" is all a person needs to know to narrow it down.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Func, Q, QuerySet, TextField

from .. import search
from ..models import Customer, User, WorkOrder
from ..phones import sees_whole_phones

COUNT_LIMIT = 1000


class Bigrams(Func):
    """``tickets_bigrams(text)``: the character pairs of a text (PostgreSQL; migration 0020 indexes it)."""

    function = "tickets_bigrams"
    output_field = ArrayField(TextField())


def term_q(term: str, *, whole_phones: bool) -> Q:
    """The orders a term matches: any part of the searchable text; an ASCII term also any part of the number (letters
    and digits) and of a whole phone number (digits; only for the roles that see them whole). On PostgreSQL a term
    with Chinese characters is served by the bigram index (its pairs must all be there, LIKE keeps only true
    substrings), an ASCII one by the pg_trgm indexes — each condition on its own index, none re-computed per row."""
    if not term.isascii():
        text = Q(search_text__contains=term)
        if connection.vendor == "postgresql":
            text &= Q(search_bigrams__contains=search.bigrams(term))
        return text
    matched = Q(search_text__contains=term)
    if term.isalnum():
        matched |= Q(number__contains=term.upper())
    if whole_phones and term.isdigit():
        matched |= Q(search_phones__contains=term)
    return matched


def exact_q(term: str, *, whole_phones: bool) -> Q:
    """The orders a single term names exactly: its number, its customer's account number, a whole phone number. Each
    an index of the orders' table (the customers are looked up first)."""
    customers = Customer.objects.filter(Q(account_number=term) | Q(phone=term) if whole_phones else
                                        Q(account_number=term))
    named = Q(number=term.upper()) | Q(customer_id__in=list(customers.values_list("id", flat=True)[:50]))
    if whole_phones:
        named |= Q(caller_number=term)
    return named


@dataclass
class Results:
    """A Paginator's object list: the exact matches, then the rest newest first. ``count()`` stops at COUNT_LIMIT."""

    exact: list[WorkOrder]
    rest: QuerySet
    limited: bool = field(default=False, init=False)

    @cached_property
    def _rest_count(self) -> int:
        counted = self.rest[:COUNT_LIMIT + 1].count()
        self.limited = counted > COUNT_LIMIT
        return min(counted, COUNT_LIMIT)

    def count(self) -> int:
        return len(self.exact) + self._rest_count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop
        head = self.exact[start:stop]
        rest_start = max(start - len(self.exact), 0)
        rest_stop = None if stop is None else max(stop - len(self.exact), 0)
        if rest_stop is not None and rest_stop <= rest_start:
            return head
        return head + list(self.rest[rest_start:rest_stop])


def search_work_orders(user: User, orders: QuerySet[WorkOrder], query: str) -> Results:
    """``orders`` (the user's visible orders, already filtered) that match every term of ``query``, ranked. 400 (from
    ``tickets.search.query_terms``) for a query too long or without a term of 2 characters."""
    terms = search.query_terms(query)
    whole_phones = sees_whole_phones(user)
    if connection.vendor == "postgresql" and not all(term.isascii() for term in terms):
        orders = orders.alias(search_bigrams=Bigrams(F("search_text")))
    for term in terms:
        orders = orders.filter(term_q(term, whole_phones=whole_phones))
    exact = []
    if len(terms) == 1 and terms[0].isascii() and terms[0].isalnum():  # a number, an account, a phone
        exact = list(orders.filter(exact_q(terms[0], whole_phones=whole_phones)).order_by("-accepted_at", "-id")[:20])
    rest = orders.exclude(pk__in=[order.pk for order in exact]) if exact else orders
    return Results(exact, rest.order_by("-accepted_at", "-id"))
