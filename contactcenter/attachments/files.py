"""What an attachment may be, decided by its content — never by its name or the type the client claims: a renamed
program, an archive, a web page or an SVG (which runs scripts in a browser) is refused with a clear message.

Accepted: photos (JPEG, PNG, WebP, HEIC), PDF, office files (Word, Excel, PowerPoint: the OOXML zip's
``[Content_Types].xml`` names its main part; the old OLE files by their own signature) and recordings (MP3, WAV,
M4A/AAC, AMR — what phones and the call recorder produce). The content is recognised by ``filetype`` (pure Python,
magic numbers); the office zips are opened with ``zipfile`` and only that one small entry is read.

A photo from anyone but staff is re-encoded with Pillow (its orientation applied), which drops its EXIF metadata —
the GPS position of where it was taken, the phone's serial number. A HEIC photo, which Pillow cannot read, is then
refused with how to send it instead.
"""

import dataclasses
import io
import posixpath
import unicodedata
import warnings
import zipfile

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework import status

from ..errors import DomainError, InvalidInput
from ..middleware import FILE_TOO_LARGE, max_file_bytes
from ..models import ATTACHMENT_NAME_MAX

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@dataclasses.dataclass(frozen=True)
class Accepted:
    media_type: str  # what the download says it is
    extension: str  # the name's extension, whatever the uploader called it
    aliases: frozenset[str] = frozenset()  # other extensions kept as the uploader wrote them ("jpeg")


def _accepted(media_type: str, extension: str, *aliases: str) -> Accepted:
    return Accepted(media_type, extension, frozenset({extension, *aliases}))


JPEG = _accepted("image/jpeg", "jpg", "jpeg", "jpe")
PNG = _accepted("image/png", "png")
WEBP = _accepted("image/webp", "webp")
HEIC = _accepted("image/heic", "heic", "heif")
IMAGES = {JPEG.media_type: JPEG, PNG.media_type: PNG, WEBP.media_type: WEBP, HEIC.media_type: HEIC}
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}

# filetype's MIME type of a recognised file → what is accepted.
ACCEPTED: dict[str, Accepted] = {
    **IMAGES,
    "application/pdf": _accepted("application/pdf", "pdf"),
    "application/msword": _accepted("application/msword", "doc"),
    "application/vnd.ms-excel": _accepted("application/vnd.ms-excel", "xls"),
    "application/vnd.ms-powerpoint": _accepted("application/vnd.ms-powerpoint", "ppt"),
    "audio/mpeg": _accepted("audio/mpeg", "mp3"),
    "audio/x-wav": _accepted("audio/wav", "wav"),
    "audio/mp4": _accepted("audio/mp4", "m4a", "mp4"),
    "audio/aac": _accepted("audio/aac", "aac"),
    "audio/amr": _accepted("audio/amr", "amr"),
}
# An OOXML file's main part, as its [Content_Types].xml declares it → the file. Macro-enabled variants (.docm) are
# not among them: their main part has another content type.
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": _accepted(DOCX, "docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": _accepted(XLSX, "xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": _accepted(PPTX, "pptx"),
}
ZIP_TYPES = {"application/zip", DOCX, XLSX, PPTX}
PROGRAMS = {"application/x-msdownload", "application/x-executable", "application/x-shockwave-flash",
            "application/wasm", "application/x-deb", "application/x-rpm", "application/vnd.android.package-archive"}
CONTENT_TYPES_MAX = 1024 * 1024  # a real [Content_Types].xml is a few kB: a larger one is not read (a zip bomb)

# The file input's hint to the browser (the server decides by content all the same).
ACCEPT = "image/*,application/pdf,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,audio/*,.amr,.m4a"
# Every type a download may carry, for the API schema.
MEDIA_TYPES = sorted({accepted.media_type for accepted in (*ACCEPTED.values(), *OFFICE_MAIN_PARTS.values())})


class FileTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "file_too_large"


@dataclasses.dataclass(frozen=True)
class Checked:
    """An upload that passed: what to store, under which name, of which type and size."""

    content: File
    name: str
    media_type: str
    size: int


def check(upload: File, *, given_name: str, keep_metadata: bool) -> Checked:
    """The upload as it will be stored, or a refusal: 413 over ``ATTACHMENT_MAX_MB``, 400 for an empty file or a type
    not accepted. ``keep_metadata`` (staff): a photo is stored as sent, EXIF included."""
    if upload.size > max_file_bytes():
        raise FileTooLarge(str(FILE_TOO_LARGE % {"limit": settings.ATTACHMENT_MAX_MB}))
    if not upload.size:
        raise InvalidInput(_("The file is empty."), code="empty_file")
    accepted = _recognise(upload)
    content: File = upload
    if accepted.media_type in IMAGES and not keep_metadata:
        content = _without_metadata(upload, accepted)
    name = safe_name(given_name, accepted)
    content.seek(0)
    return Checked(content=content, name=name, media_type=accepted.media_type, size=content.size)


def _recognise(upload: File) -> Accepted:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    media_type = kind.mime if kind else None
    if media_type in ZIP_TYPES:
        return _office_file(upload)
    if media_type in ACCEPTED:
        return ACCEPTED[media_type]
    if media_type in PROGRAMS:
        raise InvalidInput(_("Programs are not accepted as attachments (the file is %(type)s, whatever its name).")
                           % {"type": kind.extension.upper()}, code="type_refused")
    if media_type is not None:
        raise InvalidInput(_("Files of this type (%(type)s) are not accepted. Attach photos, PDF, Word, Excel or "
                             "PowerPoint files, or recordings.") % {"type": kind.extension.upper()},
                           code="type_refused")
    raise InvalidInput(_("The file's type could not be recognised from its content. Attach photos, PDF, Word, Excel "
                         "or PowerPoint files, or recordings."), code="type_unknown")


def _office_file(upload: File) -> Accepted:
    """A zip is accepted only as a Word, Excel or PowerPoint file: its [Content_Types].xml must declare the main part
    of one (read alone, and only when it is small)."""
    refused = InvalidInput(_("Archives (zip) are not accepted; only Word, Excel and PowerPoint files among them."),
                           code="type_refused")
    try:
        with zipfile.ZipFile(upload) as archive:
            try:
                info = archive.getinfo("[Content_Types].xml")
            except KeyError:
                raise refused from None
            if info.file_size > CONTENT_TYPES_MAX:
                raise refused
            declared = archive.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError):
        raise refused from None
    finally:
        upload.seek(0)
    for main_part, accepted in OFFICE_MAIN_PARTS.items():
        if f'ContentType="{main_part}"' in declared:
            return accepted
    raise refused


def _without_metadata(upload: File, accepted: Accepted) -> File:
    """The photo drawn again as the phone showed it (EXIF orientation applied), saved without its metadata."""
    if accepted.media_type not in PILLOW_FORMATS:  # HEIC: nothing here can read it, so nothing can clean it
        raise InvalidInput(_("HEIC photos cannot be cleaned of their location data here. Take the photo with the "
                             "camera button, or send it as JPEG (on an iPhone: Settings → Camera → Formats → Most "
                             "Compatible)."), code="heic_refused")
    unreadable = InvalidInput(_("The image could not be read: it is damaged or not really an image."),
                              code="image_unreadable")
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a huge canvas in a small file
            with Image.open(upload) as image:
                image.load()
                drawn = ImageOps.exif_transpose(image)
                # Colours and transparency are kept; nothing else of the original's metadata is written again.
                options = {name: drawn.info[name] for name in ("icc_profile", "transparency") if name in drawn.info}
                drawn.info = {}
                out = io.BytesIO()
                pillow_format = PILLOW_FORMATS[accepted.media_type]
                if pillow_format in ("JPEG", "WEBP"):
                    options["quality"] = 90
                if pillow_format == "JPEG" and drawn.mode not in ("RGB", "L", "CMYK"):
                    drawn = drawn.convert("RGB")
                drawn.save(out, format=pillow_format, **options)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            SyntaxError, ValueError):
        raise unreadable from None
    return ContentFile(out.getvalue())


def safe_name(given: str, accepted: Accepted) -> str:
    """The name shown and given back on download: no folders (``../../etc/passwd`` → ``passwd``), only letters
    (Chinese too), digits, ``-``, ``_`` and ``.`` (``get_valid_filename``), at most ``ATTACHMENT_NAME_MAX`` characters,
    and the extension of the type found in the content (``report.exe`` that is a PDF → ``report.pdf``)."""
    base = posixpath.basename(unicodedata.normalize("NFC", given or "").replace("\\", "/"))
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = extension.lower() if extension.lower() in accepted.aliases else accepted.extension
    try:
        stem = get_valid_filename(stem).lstrip(".")
    except SuspiciousFileOperation:  # nothing left of it ("..", spaces)
        stem = ""
    stem = (stem or "attachment")[: ATTACHMENT_NAME_MAX - len(extension) - 1]
    return f"{stem}.{extension}"
