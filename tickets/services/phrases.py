"""The forbidden-phrase check 服务禁语 (design "Service language"; seed 000 细则 3, seed 001 §9, seed 004 §4.2.9, §6.5).

Every text written to a customer goes through ``ensure_no_forbidden_phrases`` on the server (the work-order
transitions call it before anything changes); the console checks live through ``forbidden_phrases_in``.

Matching is on a normalised copy of both texts: NFKC (full-width → half-width), casefolded, with spaces,
punctuation, symbols and control characters left out, so "你 去，投诉 好了" and "ＮＯ" are caught. Each
character of the copy remembers the original character it came from, so matches are reported as
``[start, end)`` offsets (code points) in the ORIGINAL text.

The active phrases are compiled once per process and recompiled when the table changes: the cache key is
(row count, latest ``updated_at``), read with one aggregate query per check, so a supervisor's edit in the
admin takes effect at once in every process without signals. Measured on SQLite with the 44 seeded rows: a
check of a short reply takes ~0.2 ms with the cache (most of it the key query), ~0.85 ms loading and
compiling the phrases every time. Edit the rows through ``save()`` (the admin does): a queryset ``update()``
leaves ``updated_at`` alone and the cache would not notice.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from contactcenter.errors import InvalidInput

from ..models import ForbiddenPhrase, Severity

# "××" (also xx, **, ……) in a phrase stands for a few words: 我不知道，你去问×× .
PLACEHOLDER = re.compile(r"[×xX*＊]{2,}|…+|\.{3,}")
PLACEHOLDER_MAX_CHARS = 12


@dataclass(frozen=True)
class Match:
    phrase: str
    start: int
    end: int
    suggestion: str = ""
    severity: str = Severity.BLOCK


def _ignored(ch: str) -> bool:
    """Spaces, punctuation, symbols and control characters do not count between the characters of a phrase."""
    return unicodedata.category(ch)[0] in "PZSC"


def normalise(text: str) -> tuple[str, list[int]]:
    """The text as compared, and for each of its characters the index of the original character."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).casefold():
            if not _ignored(folded):
                chars.append(folded)
                origin.append(index)
    return "".join(chars), origin


def _pattern(phrase: str) -> re.Pattern | None:
    parts = [normalise(part)[0] for part in PLACEHOLDER.split(phrase)]
    parts = [part for part in parts if part]  # a leading or trailing placeholder adds nothing
    if not parts:
        return None
    gap = f".{{1,{PLACEHOLDER_MAX_CHARS}}}?"
    return re.compile(gap.join(re.escape(part) for part in parts), re.DOTALL)


@dataclass(frozen=True)
class _Compiled:
    text: str
    suggestion: str
    pattern: re.Pattern
    allowed: tuple[re.Pattern, ...]
    row: ForbiddenPhrase  # its context (kinds, texts) and severity


# (cache key, compiled phrases), replaced as a whole so a reader never sees a key with other phrases.
_cache: tuple[tuple | None, tuple[_Compiled, ...]] = (None, ())


def _active_phrases() -> tuple[_Compiled, ...]:
    global _cache
    stamp = ForbiddenPhrase.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    key = (stamp["n"], stamp["at"])
    cached_key, phrases = _cache
    if cached_key == key:
        return phrases
    compiled = []
    for row in ForbiddenPhrase.objects.filter(active=True).order_by("id"):
        pattern = _pattern(row.text)
        if pattern is None:
            continue
        allowed = tuple(p for p in map(_pattern, row.allowed_expressions) if p is not None)
        compiled.append(_Compiled(row.text, row.note, pattern, allowed, row))
    _cache = (key, tuple(compiled))
    return _cache[1]


def forbidden_phrases_in(text: str, *, kind: str | None = None, context: str | None = None) -> list[Match]:
    """Every occurrence of an active forbidden phrase in ``text`` — written to the customer as ``context`` (a
    ``CustomerText``) of an order of ``kind`` — by position (offsets in ``text``). A phrase limited to some kinds or
    texts is looked for only there (unknown context: only the phrases that apply everywhere)."""
    if not text:
        return []
    phrases = [p for p in _active_phrases() if p.row.applies_to(kind=kind, text=context)]
    if not phrases:
        return []
    folded, origin = normalise(text)
    matches = []
    for phrase in phrases:
        allowed_spans = [m.span() for pattern in phrase.allowed for m in pattern.finditer(folded)]
        for found in phrase.pattern.finditer(folded):
            start, end = found.span()
            if any(a <= start and end <= b for a, b in allowed_spans):
                continue  # part of an expression that is fine to say (不能办理 for 不能办)
            matches.append(Match(phrase.text, origin[start], origin[end - 1] + 1, phrase.suggestion,
                                 phrase.row.severity))
    matches.sort(key=lambda m: (m.start, -m.end, m.phrase))
    return matches


def ensure_no_forbidden_phrases(text: str, *, field: str, kind: str | None = None, context: str | None = None,
                                confirmed: bool = False) -> list[str]:
    """The check of a text to a customer before anything changes. A phrase that blocks: 400 ``forbidden_phrase``
    naming the phrases and where they are. A phrase that warns (seed 004 七 3.5: 大概 / 可能 / 也许): 400
    ``phrase_needs_confirmation`` unless the agent ``confirmed`` keeping it; returns the warned phrases kept (the
    caller records them in the history)."""
    matches = forbidden_phrases_in(text, kind=kind, context=context)
    blocking = [m for m in matches if m.severity == Severity.BLOCK]
    if blocking:
        phrases = list(dict.fromkeys(m.phrase for m in blocking))
        raise InvalidInput(
            _("The text contains a forbidden phrase: %(phrases)s") % {"phrases": "、".join(phrases)},
            code="forbidden_phrase",
            extra={"field": field, "phrases": phrases, "spans": [[m.start, m.end] for m in blocking]},
        )
    warned = list(dict.fromkeys(m.phrase for m in matches))
    if warned and not confirmed:
        raise InvalidInput(
            _("The text contains words to avoid: %(phrases)s. Rephrase it, or confirm that you keep them.")
            % {"phrases": "、".join(warned)},
            code="phrase_needs_confirmation",
            extra={"field": field, "phrases": warned, "spans": [[m.start, m.end] for m in matches]},
        )
    return warned
