from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contactcenter.drf import MAX_ID, ModelSerializer

from ..models import ReportFormat, ReportRun, ReportStatus


class ReportRequestSerializer(serializers.Serializer):
    """What a report is asked for with; the service checks the month and the unit."""

    period = serializers.CharField(max_length=20, help_text="YYYY-MM (Asia/Shanghai); not after the current month")
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.XLSX)
    unit = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
                                    help_text="A unit's id (the unit and every unit below it); empty: the whole center")


class ReportRunSerializer(ModelSerializer):
    url = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = ["id", "url", "period", "unit", "unit_name", "format", "language", "status", "progress", "scheduled",
                  "requested_by", "requested_at", "started_at", "finished_at", "size", "error", "download_url"]
        read_only_fields = fields

    def _absolute(self, name: str, run: ReportRun) -> str:
        # Built here rather than with DRF's reverse, which would carry ?format= (a filter of this list) along.
        path = reverse(name, kwargs={"pk": run.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.URLField())
    def get_url(self, run: ReportRun) -> str:
        return self._absolute("report-run-detail", run)

    @extend_schema_field(serializers.URLField(allow_null=True, help_text="The file, once the run is done"))
    def get_download_url(self, run: ReportRun) -> str | None:
        if run.status != ReportStatus.DONE or not run.file:
            return None
        return self._absolute("report-run-download", run)
