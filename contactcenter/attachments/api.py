"""Attachments over the API: an object's list and upload (``/api/v1/work-orders/{id}/attachments/``, the same under
``outages/`` and ``handovers/``: each app adds the URL with ``attachment_urls``), one attachment (GET, DELETE) and its
file (``/api/v1/attachments/{id}/download/``)."""

from django.http import FileResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from ..drf import ERRORS, ErrorSerializer, MethodsFirst, ModelSerializer
from ..errors import NotFound, NotPermitted
from ..middleware import accepts_uploads
from ..models import Attachment
from . import files, registry, selectors, services

# The download's own headers: the file is never run or rendered as a page of this site, whatever its bytes.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


class AttachmentSerializer(ModelSerializer):
    """One attached file. A deleted one stays listed (who deleted it, when) without its file."""

    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()
    deleted_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    may_delete = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "media_type", "size", "uploaded_by", "uploaded_by_name", "uploaded_at", "deleted_at",
                  "deleted_by", "download_url", "may_delete"]
        read_only_fields = fields

    def get_uploaded_by_name(self, attachment: Attachment) -> str:
        user = attachment.uploaded_by
        return user.get_full_name() or user.username

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, attachment: Attachment) -> str | None:
        if attachment.deleted_at is not None:
            return None
        url = reverse("attachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_may_delete(self, attachment: Attachment) -> bool:
        request = self.context.get("request")
        return request is not None and services.may_delete(attachment, request.user)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The file (multipart/form-data, field ``file``): a photo (JPEG, PNG, WebP, HEIC), a PDF, a Word, "
                  "Excel or PowerPoint file, or a recording (MP3, WAV, M4A/AAC, AMR), recognised by its content; at "
                  "most ATTACHMENT_MAX_MB (20) MB. Photos of non-staff users are stored without their EXIF data.")


TOO_LARGE = OpenApiResponse(ErrorSerializer, description="The file is larger than ATTACHMENT_MAX_MB (code "
                                                         "file_too_large); nothing is stored")


class ObjectAttachments(MethodsFirst, APIView):
    """附件: the files attached to the object, and attaching one."""

    parent_kind = ""  # given by as_view: the kind the app registered
    http_method_names = ["get", "post", "head", "options"]

    def _parent(self, pk: int):
        kind = registry.by_kind(self.parent_kind)
        return registry.visible_object(kind, self.request.user, pk)

    @extend_schema(responses={200: AttachmentSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, pk: int):
        """The object's attachments, oldest first, deleted ones included (without their file)."""
        rows = selectors.attachments_of(self._parent(pk))
        return Response(AttachmentSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, **ERRORS, 413: TOO_LARGE,
                   415: OpenApiResponse(ErrorSerializer, description="The body is not multipart/form-data")},
    )
    def post(self, request, pk: int):
        """Attach a file (multipart/form-data, field ``file``). Refused with 400 when its content is not an accepted
        type (a renamed program, an archive, a web page), 413 when it is too large."""
        parent = self._parent(pk)
        kind = registry.by_kind(self.parent_kind)
        if not kind.may_attach(request.user, parent):  # before the body is read: may not is 403, even without a file
            raise NotPermitted(_("You may not attach files to this."))
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        attachment = services.attachment_add(parent=parent, upload=upload, given_name=upload.name, actor=request.user)
        body = AttachmentSerializer(attachment, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class AttachmentDetail(MethodsFirst, APIView):
    """One attachment: read it, or delete it (the uploader within ATTACHMENT_DELETE_MINUTES, a supervisor any time;
    the row stays with who deleted it and when, the file is removed)."""

    http_method_names = ["get", "delete", "head", "options"]

    @extend_schema(responses={200: AttachmentSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    def get(self, request, pk: int):
        attachment, _parent, _obj = selectors.visible_attachment(request.user, pk)
        return Response(AttachmentSerializer(attachment, context={"request": request}).data)

    @extend_schema(responses={200: AttachmentSerializer, 403: ERRORS[403], 404: ERRORS[404],
                              409: OpenApiResponse(ErrorSerializer, description="Already deleted")})
    def delete(self, request, pk: int):
        attachment, _parent, _obj = selectors.visible_attachment(request.user, pk)
        attachment = services.attachment_delete(attachment=attachment, actor=request.user)
        return Response(AttachmentSerializer(attachment, context={"request": request}).data)


class ErrorsAsJson(DefaultContentNegotiation):
    """The download answers with the file whatever the client accepts (a browser's link sends text/html); only its
    errors are rendered, as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AttachmentDownload(MethodsFirst, APIView):
    http_method_names = ["get", "head", "options"]
    content_negotiation_class = ErrorsAsJson

    # Content-Type is the file's own (one of files.MEDIA_TYPES). application/octet-stream comes first so that generic
    # clients (openapi-python-client reads one binary type) read any of them as bytes.
    @extend_schema(responses={
        **{(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file, as an attachment")
           for media_type in ["application/octet-stream", *files.MEDIA_TYPES]},
        403: ERRORS[403], 404: ERRORS[404],
    })
    def get(self, request, pk: int):
        """The file, saved under its name (``Content-Disposition: attachment``), never shown inline; 404 once it has
        been deleted."""
        attachment, _parent, _obj = selectors.visible_attachment(request.user, pk)
        if attachment.deleted_at is not None or not attachment.file:
            raise NotFound(_("This file has been deleted."), code="deleted")
        try:
            stored = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("The file is missing from the storage."), code="missing") from None
        response = FileResponse(stored, as_attachment=True, filename=attachment.name,
                                content_type=attachment.media_type)
        response["Content-Security-Policy"] = DOWNLOAD_CSP  # django-csp leaves a policy already set alone
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        patch_cache_control(response, private=True, no_cache=True)  # the next one who signs in on the phone
        return response


def attachment_urls(prefix: str, kind: str) -> list:
    """An app's API URL for its objects' attachments: ``<prefix>/<pk>/attachments/``, named ``<kind>-attachments``."""
    view = accepts_uploads(ObjectAttachments.as_view(parent_kind=kind))
    return [path(f"{prefix}/<int:pk>/attachments/", view, name=f"{kind}-attachments")]


urlpatterns = [
    path("attachments/<int:pk>/", AttachmentDetail.as_view(), name="attachment-detail"),
    path("attachments/<int:pk>/download/", AttachmentDownload.as_view(), name="attachment-download"),
]
