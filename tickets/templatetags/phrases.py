"""Service language on the pages: the standard phrases 规范用语 of a situation and the live
forbidden-phrase check 服务禁语 (static/js/phrase-check.js).

    {% load phrases %}
    {% standard_phrases "complaint_accept" as phrases %}
    {% include "tickets/_phrases.html" with situation="complaint_accept" target="#id_reply_text" %}
    <textarea id="id_reply_text" name="reply_text" data-phrase-check></textarea>
"""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tickets.models import Situation, StandardPhrase

register = template.Library()

# The few rules the script needs; emitted with it so the partial works on any page (app.css has none).
STYLE = """
[data-phrase-warning]:empty { display: none; }
[data-phrase-warning] { margin: 4px 0 0; padding: 6px 8px; border-left: 3px solid var(--danger, #b42318);
  background: var(--warn-bg, #fff4e5); color: var(--danger, #b42318); }
[data-phrase-warning] .phrase-check-copy { margin: 4px 0 0; color: var(--ink, #1f2933); white-space: pre-wrap;
  max-height: 8em; overflow: auto; }
[data-phrase-warning] mark { background: #fbd5d1; color: inherit; font-weight: 600; }
[data-phrase-check][aria-invalid="true"] { border-color: var(--danger, #b42318);
  outline-color: var(--danger, #b42318); }
.phrase-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
.phrase-list button { text-align: left; width: 100%; cursor: pointer; }
"""


@register.simple_tag
def standard_phrases(situation: str) -> list[StandardPhrase]:
    """The active standard phrases of ``situation`` (a ``Situation`` value), in their order."""
    return list(StandardPhrase.objects.filter(active=True, situation=situation).order_by("order", "id"))


@register.simple_tag
def situation_label(situation: str) -> str:
    """The translated name of a situation (问候, 投诉受理 …)."""
    return str(dict(Situation.choices).get(situation, situation))


@register.simple_tag(takes_context=True)
def phrase_check_script(context) -> str:
    """The live check's script tag (and its few styles), once per page however many partials include it."""
    request = context.get("request")
    if request is not None:
        if getattr(request, "_phrase_check_script", False):
            return ""
        request._phrase_check_script = True
    else:  # rendered without a request: once per context
        if context.dicts[0].get("_phrase_check_script"):
            return ""
        context.dicts[0]["_phrase_check_script"] = True
    return format_html(
        '<style>{}</style>\n<script src="{}" defer data-url="{}" data-label-found="{}" data-label-instead="{}" '
        'data-label-copy="{}"></script>',
        mark_safe(STYLE),  # a constant of this module  # noqa: S308
        static("js/phrase-check.js"),
        reverse("phrase-check"),
        _("Forbidden phrase — the reply will be refused:"),
        _("Say instead:"),
        _("In your text:"),
    )
