"""The monthly assessment report over HTTP: ask for one (202), follow its progress, list, download. Only
supervisors and managers (``kpi.export_report``). Runs are kept: there is no PUT, PATCH or DELETE."""

from types import SimpleNamespace

import django_filters
from django.http import FileResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from contactcenter.drf import ERRORS, ErrorSerializer, FiltersOnListsOnly, MethodsFirst
from tickets.models import Unit

from ..filters import PERIOD
from ..models import ReportFormat, ReportStatus
from . import selectors, services
from .serializers import ReportRequestSerializer, ReportRunSerializer
from .writers import CONTENT_TYPES


class CanExportReports(permissions.BasePermission):
    message = "Only supervisors and managers may use the monthly assessment reports"

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("kpi.export_report"))


class FormatIsAFilter(DefaultContentNegotiation):
    """Here ``?format=xlsx`` filters the runs by their file's format; it is not DRF's renderer override."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


class ErrorsAsJson(FormatIsAFilter):
    """The download answers with the file whatever the client accepts (a browser's link sends text/html…);
    only its errors are rendered, as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReportRunFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(validators=[PERIOD], help_text="YYYY-MM (Asia/Shanghai)")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    format = django_filters.ChoiceFilter(choices=ReportFormat.choices)
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), help_text="Runs for this unit exactly")
    scheduled = django_filters.BooleanFilter(help_text="Produced by beat on the 1st")


LOCATION = OpenApiParameter("Location", OpenApiTypes.URI, OpenApiParameter.HEADER, response=[202],
                            description="The run's URL: GET it for its status, progress and download_url")


@extend_schema_view(
    list=extend_schema(responses={200: ReportRunSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]}),
    retrieve=extend_schema(responses={200: ReportRunSerializer, 403: ERRORS[403], 404: ERRORS[404]}),
)
class ReportRunViewSet(MethodsFirst, FiltersOnListsOnly, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """月度考核: ask for the monthly assessment report of a month (and a unit); a worker generates it."""

    queryset = selectors.report_runs().none()  # for the schema; get_queryset reads them all
    serializer_class = ReportRunSerializer
    permission_classes = [CanExportReports]
    filterset_class = ReportRunFilter
    ordering_fields = ["requested_at", "id", "period"]
    content_negotiation_class = FormatIsAFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.report_runs()

    @extend_schema(
        request=ReportRequestSerializer, parameters=[LOCATION],
        responses={202: OpenApiResponse(ReportRunSerializer, description="Queued: follow the Location"), **ERRORS},
    )
    def create(self, request, *args, **kwargs):
        """Ask for a report: ``{"period": "YYYY-MM", "format": "xlsx"|"csv"|"pdf", "unit": <id, optional>}``.
        Answered at once (202); the run's status and progress tell when its file is ready. The report's
        language is the request's (Accept-Language), Chinese by default."""
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.report_request(
            actor=request.user, period=data.validated_data["period"], unit=data.validated_data["unit"],
            fmt=data.validated_data["format"], language=services.request_language(translation.get_language()),
        )
        run.refresh_from_db()  # a worker may have picked it up already (eager mode runs it on commit)
        body = self.get_serializer(run).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(
        responses={
            **{(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"The {fmt.upper()} file")
               for fmt, media_type in CONTENT_TYPES.items()},
            403: ERRORS[403], 404: ERRORS[404],
            409: OpenApiResponse(ErrorSerializer, description="Not done yet"),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=ErrorsAsJson)
    def download(self, request, pk=None):
        """The report's file, as an attachment named after the month and the unit; 409 until the run is done."""
        file, name, content_type = selectors.report_download(self.get_object())
        return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
