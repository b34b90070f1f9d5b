"""The reference data in the admin, each with its change history: SLA policies, the working-day calendar, outage
lead times, standard and forbidden phrases."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from contactcenter.errors import InvalidInput

from ..models import (
    CalendarDay,
    CalendarYear,
    ForbiddenPhrase,
    OutageLeadTime,
    SlaPolicy,
    StandardPhrase,
    SurgeRule,
)

# --- Service levels --------------------------------------------------------------------------------


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "order_kind",
        "deadline",
        "area_type",
        "unit",
        "amount",
        "measure",
        "sample_percent",
        "scheme",
        "active",
    ]
    list_editable = ["amount", "active"]
    list_filter = ["order_kind", "deadline", "scheme", "active", "unit"]
    search_fields = ["source", "scheme"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


# --- Working-day calendar ---------------------------------------------------------------------------


class CalendarYearForm(forms.ModelForm):
    """The year's official arrangement in one text, as ``manage.py import_holidays`` reads it: one day per line —
    the date, holiday or workday (a make-up working day 调休), and its name."""

    arrangement = forms.CharField(
        label=_("Arrangement"), widget=forms.Textarea(attrs={"rows": 24, "cols": 60}),
        help_text=_("One day per line: 2027-01-01, holiday, 元旦 — or 2027-02-14, workday, 春节调休. Saving "
                    "replaces the year's exceptions and recomputes the provisional deadlines."))

    class Meta:
        model = CalendarYear
        fields = ["year", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
            days = CalendarDay.objects.filter(date__year=self.instance.year).order_by("date")
            self.initial["arrangement"] = "\n".join(
                f"{day.date}, {'workday' if day.is_working_day else 'holiday'}, {day.name}".rstrip(", ")
                for day in days)

    def clean(self):
        from ..services.calendar import parse_arrangement

        data = super().clean()
        try:
            self.days, _source = parse_arrangement(data.get("arrangement") or "")
        except InvalidInput as error:
            raise forms.ValidationError({"arrangement": error.detail}) from None
        year = data.get("year") or self.instance.year
        outside = sorted({str(day.date) for day in self.days if day.date.year != year})
        if outside:
            raise forms.ValidationError({"arrangement": _("Dates outside %(year)s: %(dates)s") % {
                "year": year, "dates": ", ".join(outside)}})
        return data


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """A year's official arrangement (the State Council's notice). Until a year is here, working-day deadlines
    reaching into it are counted on a provisional calendar and recomputed once it is entered."""

    form = CalendarYearForm
    list_display = ["year", "source", "recompute_pending"]
    readonly_fields = ["recompute_pending"]

    def save_model(self, request, obj, form, change):
        from ..services.calendar import calendar_year_enter

        saved = calendar_year_enter(year=form.cleaned_data.get("year") or obj.year, days=form.days,
                                    source=form.cleaned_data.get("source") or "", actor=request.user)
        obj.pk, obj.recompute_pending = saved.pk, saved.recompute_pending


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "is_working_day", "name"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["name"]


# --- Outage lead times -----------------------------------------------------------------------------


@admin.register(OutageLeadTime)
class OutageLeadTimeAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "hours", "source"]


# --- Service language -------------------------------------------------------------------------------


@admin.register(SurgeRule)
class SurgeRuleAdmin(admin.ModelAdmin):
    """Surge detection 突发集中报修: how many repair calls within how many minutes propose an outage notice."""

    list_display = ["calls", "minutes", "active", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SurgeRule.objects.exists()  # one rule

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StandardPhrase)
class StandardPhraseAdmin(SimpleHistoryAdmin):
    """规范用语 shown beside the console's forms, by situation; supervisors edit them."""

    list_display = ["text", "situation", "order", "active", "source"]
    list_editable = ["order", "active"]
    list_filter = ["situation", "active"]
    search_fields = ["text", "source"]
    readonly_fields = ["updated_at"]


@admin.register(ForbiddenPhrase)
class ForbiddenPhraseAdmin(SimpleHistoryAdmin):
    """服务禁语: a text written to a customer that contains an active one is refused (at once, every process)."""

    list_display = ["text", "active", "note", "source"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["text", "note", "source"]
    readonly_fields = ["updated_at"]
