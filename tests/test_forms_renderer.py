"""FORM_RENDERER draws Django's form templates with the "forms" engine (Jinja2, Django's own django/forms/jinja2
templates) and everything else with the Django templates: the HTML must be exactly what Django's Django-template
renderer draws, whatever the form holds, and the admin's own widgets still render."""

import pytest
from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime, FilteredSelectMultiple
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Jinja2
from pytest_django.asserts import assertHTMLEqual

from tickets.models import Department


class _OptionWithTemplate(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"  # another option template


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
    text = forms.CharField(max_length=20, initial='a "<quoted>" & text', help_text="帮助")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, initial="<script>x</script>")
    when = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    count = forms.IntegerField(min_value=0, initial=3)
    flag = forms.BooleanField(required=False, initial=True)
    radio = forms.ChoiceField(choices=[("y", "是"), ("n", "否")], widget=forms.RadioSelect, initial="n")
    boxes = forms.MultipleChoiceField(choices=[("1", "一"), ("2", "二")], widget=forms.CheckboxSelectMultiple,
                                      required=False)
    secret = forms.CharField(widget=forms.HiddenInput, initial="h")
    upload = forms.FileField(required=False)


def _html(form: forms.Form, renderer) -> dict[str, str]:
    form.renderer = renderer
    for field in form.fields.values():
        field.widget.renderer = renderer
    html = {name: str(form[name]) for name in form.fields}
    html["errors"] = str(form.errors) if form.is_bound else ""
    html["form"] = str(form)
    return html


def test_the_form_templates_come_from_the_jinja2_engine():
    template = get_default_renderer().get_template("django/forms/widgets/select.html")
    assert isinstance(template.backend, Jinja2)
    assert "django/forms/jinja2" in template.origin.name
    # any other name is the Django templates'
    assert "templates" in get_default_renderer().get_template("admin/widgets/split_datetime.html").origin.name


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"plain": "a", "grouped": "u3", "many": ["2"], "typed": "1",
                                         "nullable": "false", "other_option": "2", "text": "x" * 30,
                                         "count": "-1", "radio": "y", "boxes": ["2"], "note": "<b>"}])
def test_forms_draw_exactly_what_djangos_templates_draw(org, data):
    ours, django = _html(_Everything(data), get_default_renderer()), _html(_Everything(data), DjangoTemplates())
    assert ours.keys() == django.keys()
    for name in ours:  # the same elements, attributes and text (Jinja2's leave out some blank lines)
        assertHTMLEqual(ours[name], django[name], name)
    assert ours["department"].count("<option") == Department.objects.count() + 1
    assert 'selected' in ours["plain"] and "&lt;b&gt;&amp;&lt;/b&gt;" in ours["plain"]
    assert "&lt;script&gt;" in ours["note"] or data


def test_the_admins_widgets_still_render():
    renderer = get_default_renderer()
    split = AdminSplitDateTime().render("when", None, renderer=renderer)
    assert 'name="when_0"' in split and 'name="when_1"' in split
    filtered = FilteredSelectMultiple("组", False).render("groups", ["1"], renderer=renderer)
    assert filtered.count("<option") == 0 and 'multiple' in filtered
