"""FORM_RENDERER draws forms with the project's templates, where templates/django/forms/widgets/select.html writes
each option of a <select> in place: the HTML must be exactly Django's own, whatever the select holds."""

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer

from tickets.models import Department


class _OptionWithTemplate(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"  # another option template: still included


class _Everything(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a", "甲 <b>&</b>"), ("b", 'B "quoted"'), (3, 3)], initial="b")
    grouped = forms.ChoiceField(required=False, choices=[
        ("", "—"), ("营销部", [("u1", "张三"), ("u2", "李四")]), ("抢修班", [("u3", "王五")]), ("x", "其他")])
    many = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二"), ("3", "三")], initial=["1", "3"])
    attrs = forms.ChoiceField(choices=[("1", "一")], widget=forms.Select(attrs={
        "class": "wide", "disabled": True, "data-x": 0, "hidden": False, "aria-label": "选择 <x>"}))
    nullable = forms.NullBooleanField()
    typed = forms.TypedChoiceField(choices=[(1, "一"), (2, "二")], coerce=int, initial=2)
    other_option = forms.ChoiceField(choices=[("1", "一"), ("2", "二")], widget=_OptionWithTemplate)
    department = forms.ModelChoiceField(queryset=Department.objects.order_by("name"), required=False)


def _html(form: forms.Form, renderer) -> dict[str, str]:
    form.renderer = renderer
    for field in form.fields.values():
        field.widget.renderer = renderer
    return {name: str(form[name]) for name in form.fields}


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"plain": "a", "grouped": "u3", "many": ["2"], "typed": "1",
                                         "nullable": "false", "other_option": "2"}])
def test_the_select_template_draws_what_djangos_draws(org, data):
    ours, django = _html(_Everything(data), get_default_renderer()), _html(_Everything(data), DjangoTemplates())
    used = get_default_renderer().get_template("django/forms/widgets/select.html").origin.name
    assert used == str(settings.BASE_DIR / "templates/django/forms/widgets/select.html")  # ours, not Django's
    for name in ours:
        assert ours[name] == django[name], name
    assert ours["department"].count("<option") == Department.objects.count() + 1
    assert 'selected' in ours["plain"] and "&lt;b&gt;&amp;&lt;/b&gt;" in ours["plain"]
