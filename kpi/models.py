"""The judge: penalty rules (data) and the append-only ledger 考核台账."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcenter.history import AuditedRecords


class ChargedTo(models.TextChoices):
    AGENT = "agent", _("Agent")
    DEPARTMENT = "department", _("Department")


class PenaltyRule(models.Model):
    """A rule and the amount a breach costs (defaults from seed 000 考核). Editable by a supervisor."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    charged_to = models.CharField(_("charged to"), max_length=20, choices=ChargedTo.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    threshold = models.PositiveIntegerField(
        _("threshold"), null=True, blank=True,
        help_text=_("Rule-specific limit, e.g. the ring limit in seconds for ring_over_3"),
    )
    manual = models.BooleanField(_("manual"), default=False, help_text=_("Posted by a lead, not found by the system"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    history = AuditedRecords()  # audit trail (kpi.audit): amount, on/off, threshold changes

    class Meta:
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")
        ordering = ["code"]
        permissions = [
            ("post_manual_entry", _("Can post a manual ledger entry")),
            ("view_audit", _("Can view the audit trail")),
            ("view_wallboard", _("Can view the wallboard")),  # 监控大屏: kpi.wallboard
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class EntryKind(models.TextChoices):
    AUTOMATIC = "automatic", _("Found by the system")
    MANUAL = "manual", _("Manual")
    REVERSAL = "reversal", _("Reversal")


class LedgerEntry(models.Model):
    """One penalty (or the reversal of one). Append-only: never updated, never deleted.

    ``key`` is unique: one breach (rule + source + occurrence) can be posted only once, however many
    sweeps, workers or restarts try. A reversal points at the entry it reverses; ``reverses`` is
    unique, so an entry is reversed at most once.
    """

    key = models.CharField(_("key"), max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    rule = models.ForeignKey(PenaltyRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="entries")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("agent"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="ledger_entries")
    department = models.ForeignKey("tickets.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="ledger_entries")
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="ledger_entries")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    occurred_at = models.DateTimeField(_("occurred at"))
    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY-MM in Asia/Shanghai"))
    source = models.CharField(_("source"), max_length=100, help_text=_("What caused it, e.g. work_order:42"))
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    reason = models.TextField(_("reason"), blank=True)
    # A manual entry of an amount other than the rule's (a supervisor's decision) says why.
    amount_reason = models.TextField(_("why this amount"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-occurred_at", "-id"]
        permissions = [
            ("reverse_ledgerentry", _("Can reverse a ledger entry")),
            ("set_entry_amount", _("Can post a manual entry of an amount other than the rule's")),
        ]
        indexes = [
            models.Index(fields=["period", "rule"], name="ledger_period_rule_idx"),
            models.Index(fields=["agent", "period"], name="ledger_agent_period_idx"),
            models.Index(fields=["department", "period"], name="ledger_department_period_idx"),
            models.Index(fields=["unit", "period"], name="ledger_unit_period_idx"),
            # kpi.wallboard: today's penalties (entries by the time they occurred).
            models.Index(fields=["occurred_at"], name="ledger_occurred_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$"), name="ledger_period_format"),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="ledger_reversal_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.rule.code} {self.amount}"


class LedgerHourTotal(models.Model):
    """The ledger's entries totalled by the hour they occurred in (UTC, truncated), rule and kind — written by the
    database itself at every insert into the ledger (kpi migration 0008: a statement trigger on PostgreSQL, a row
    trigger on SQLite), so it holds exactly the entries that were inserted, whichever code inserted them, and a
    conflict-skipped duplicate adds nothing. Append-only like the ledger: one row per inserting statement, hour,
    rule and kind, never updated; a storm posting 100,000 entries in batches adds a few hundred rows.

    Read by the wallboard's "penalties today" (``selectors.ledger_totals_between``): Asia/Shanghai's day starts on
    a whole UTC hour, so a day is a run of whole hours."""

    hour = models.DateTimeField(_("hour"))
    rule = models.ForeignKey(PenaltyRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    count = models.PositiveIntegerField(_("entries"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("ledger hourly total")
        verbose_name_plural = _("ledger hourly totals")
        default_permissions = ()  # nobody edits it: the database writes it
        indexes = [models.Index(fields=["hour"], name="ledger_hour_total_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.rule_id} {self.kind} {self.count} {self.amount}"


class SweepCursor(models.Model):
    """How far an event rule has looked (e.g. calls logged up to this time). Re-read with overlap."""

    name = models.SlugField(max_length=60, unique=True)
    position = models.DateTimeField()

    class Meta:
        verbose_name = _("sweep cursor")
        verbose_name_plural = _("sweep cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class ReportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportRun(models.Model):
    """One monthly assessment report asked for (by a person, or by beat on the 1st) and its file.

    The row is the outbox: it is written before anything is sent to the broker, so a report asked for while the
    broker is down is still queued here and goes out when it is back (``kpi.tasks.dispatch_reports``). Runs are
    kept: who asked, when, for what, and the file, downloadable again.
    """

    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY-MM in Asia/Shanghai"))
    unit = models.ForeignKey("tickets.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="report_runs", help_text=_("Empty: the whole center"))
    format = models.CharField(_("format"), max_length=4, choices=ReportFormat.choices)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    scheduled = models.BooleanField(_("scheduled"), default=False, help_text=_("Produced by beat on the 1st"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-requested_at", "-id"]
        permissions = [("export_report", _("Can export the monthly assessment report"))]
        indexes = [models.Index(fields=["status", "requested_at"], name="report_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(period__regex=r"^\d{4}-(0[1-9]|1[0-2])$"), name="report_period_format"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_max"),
            # Beat's report for a unit and month exists once, however often the schedule fires.
            models.UniqueConstraint(fields=["period", "unit", "format"], condition=Q(scheduled=True),
                                    name="report_scheduled_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit or '-'} {self.format} ({self.status})"
