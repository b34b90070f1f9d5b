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
from django.utils.translation import gettext as _

from tickets.models import Situation, StandardPhrase
from tickets.reference import active_phrases

register = template.Library()

@register.simple_tag
def standard_phrases(situation: str) -> list[StandardPhrase]:
    """The active standard phrases of ``situation`` (a ``Situation`` value), in their order."""
    return active_phrases(situation)


@register.simple_tag
def situation_label(situation: str) -> str:
    """The translated name of a situation (问候, 投诉受理 …)."""
    return str(dict(Situation.choices).get(situation, situation))


@register.simple_tag(takes_context=True)
def phrase_check_script(context) -> str:
    """The live check's script tag (and its stylesheet), once per page however many partials include it."""
    request = context.get("request")
    if request is not None:
        if getattr(request, "phrase_check_script_shown", False):
            return ""
        request.phrase_check_script_shown = True
    else:  # rendered without a request: once per context
        if context.dicts[0].get("phrase_check_script_shown"):
            return ""
        context.dicts[0]["phrase_check_script_shown"] = True
    # Its few styles come with it, so the partial works on any page (app.css has none); a static file, not an
    # inline <style>: the Content-Security-Policy allows styles from our static files only.
    return format_html(
        '<link rel="stylesheet" href="{}">\n<script src="{}" defer data-url="{}" data-label-found="{}" '
        'data-label-warned="{}" data-label-instead="{}" data-label-copy="{}"></script>',
        static("css/phrase-check.css"),
        static("js/phrase-check.js"),
        reverse("phrase-check"),
        _("Forbidden phrase — the reply will be refused:"),
        _("Words to avoid — kept only if you tick “Keep the highlighted words”:"),
        _("Say instead:"),
        _("In your text:"),
    )
