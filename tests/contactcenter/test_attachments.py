"""Attachments 附件 (issue 21, item 3): photos, PDFs, office files and recordings on work orders, outage notices and
handovers — the type decided by the content, the size limit, photos cleaned of their EXIF (GPS) unless staff, safe
names, who may see / attach / delete (the objects' own rules), the download's headers, the pages' section, and the
S3 backend against an S3-compatible server over HTTP (marker ``s3``)."""

import datetime as dt
import io
import os
import socket
import subprocess
import sys
import wave
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from contactcenter.attachments import files
from contactcenter.models import Attachment
from shifts import services as shift_services
from shifts.models import ShiftTemplate
from tests.actions import act
from tests.factories import UserFactory
from tickets.models import WorkOrder
from tickets.services import outage_receive, work_order_create

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- Files made by the libraries that make them ---------------------------------------------------------------


def png(size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps(size=(40, 20), orientation: int | None = None) -> bytes:
    """A photo as a phone takes it: EXIF with where (GPS) and, optionally, how it was held (Orientation)."""
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(100, 750, "Repair report")
    page.save()
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "材料"
    book.save(out)
    return out.getvalue()


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"  # a .docm's


def docx(main: str = WORD_MAIN) -> bytes:
    """A minimal Word file: a zip whose [Content_Types].xml declares a WordprocessingML main part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/'
            f'document.xml" ContentType="{main}"/></Types>'))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def plain_zip(**entries: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in (entries or {"readme.txt": "hello"}).items():
            archive.writestr(name, text)
    return out.getvalue()


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 400
AMR = b"#!AMR\n" + b"\x3c" + b"\x00" * 300
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


# --- The objects and people -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Files stored under a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def order(people, org, customer) -> WorkOrder:
    made = work_order_create(kind="repair", description="变压器冒烟", caller_number=customer.phone, customer=customer,
                             actor=people.agent)
    act(order=made, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    return WorkOrder.objects.get(pk=made.pk)


@pytest.fixture
def staff(org):
    return UserFactory(username="staffer", unit=org.center, role="agent", is_staff=True)


def attach(api, user, order, name="现场.png", content=None, **extra):
    url = reverse("work-order-attachments", args=[order.pk])
    return api(user).post(url, {"file": upload(name, png() if content is None else content), **extra},
                          format="multipart")


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# --- Type by content ----------------------------------------------------------------------------------------------

ACCEPTED = [
    ("photo.png", png, "image/png", "photo.png"),
    ("IMG_0001.JPEG", lambda: jpeg_with_gps(), "image/jpeg", "IMG_0001.jpeg"),
    ("report.pdf", pdf, "application/pdf", "report.pdf"),
    ("材料清单.xlsx", xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "材料清单.xlsx"),
    ("答复.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "答复.docx"),
    ("通话录音.wav", wav, "audio/wav", "通话录音.wav"),
    ("voice.mp3", lambda: MP3, "audio/mpeg", "voice.mp3"),
    ("voice", lambda: AMR, "audio/amr", "voice.amr"),  # no extension: the type's
    ("scan.exe", pdf, "application/pdf", "scan.pdf"),  # a PDF called .exe: named for what it is
]


@pytest.mark.parametrize(("name", "make", "media_type", "saved_as"), ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_accepted_types_are_recognised_by_their_content(api, people, order, media, name, make, media_type, saved_as):
    response = attach(api, people.repair, order, name=name, content=make())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["media_type"] == media_type
    assert body["name"] == saved_as
    assert body["uploaded_by"] == "repair"
    row = Attachment.objects.get()
    assert row.parent == order and row.size == body["size"]
    assert default_storage.exists(row.file.name)
    assert saved_as not in row.file.name  # the storage key is random: the uploader's name is not part of it


REFUSED = [
    ("setup.exe", EXE, "type_refused", "程序文件"),
    ("photo.jpg", EXE, "type_refused", "程序文件"),  # a renamed program
    ("install.png", ELF, "type_refused", "程序文件"),
    ("archive.zip", plain_zip(), "type_refused", "zip"),
    ("fake.docx", plain_zip(**{"word/document.xml": "<x/>"}), "type_refused", "zip"),  # no [Content_Types].xml
    ("page.html", HTML, "type_unknown", "无法根据内容识别"),
    ("drawing.svg", SVG, "type_unknown", "无法根据内容识别"),
    ("empty.pdf", b"", "empty_file", "empty"),
]


@pytest.mark.parametrize(("name", "content", "code", "says"), REFUSED, ids=[row[0] for row in REFUSED])
def test_other_content_is_refused_whatever_its_name(api, people, order, media, name, content, code, says):
    response = attach(api, people.agent, order, name=name, content=content)

    assert response.status_code == 400, response.content
    body = response.json()
    if code == "empty_file":  # DRF's own check of an empty upload
        assert "file" in body
    else:
        assert body["code"] == code
        assert says in body["detail"]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_macro_enabled_word_file_is_refused(api, people, order):
    response = attach(api, people.agent, order, name="letter.docx", content=docx(main=WORD_MACRO_MAIN))

    assert response.status_code == 400
    assert response.json()["code"] == "type_refused"


# --- Size -------------------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(api, people, order, media, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = PNG_SIGNATURE + b"\x00" * (1024 * 1024 + 200 * 1024)

    response = attach(api, people.agent, order, name="big.png", content=big)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert "1 MB" in response.json()["detail"]
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_a_file_just_over_the_limit_is_refused_with_413(api, people, order, media, settings):
    settings.ATTACHMENT_MAX_MB = 1
    just_over = PNG_SIGNATURE + b"\x00" * (1024 * 1024 + 100)  # the body fits the form's allowance, the file not

    response = attach(api, people.agent, order, name="big.png", content=just_over)

    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert not Attachment.objects.exists() and stored_files(media) == []


def test_the_page_says_the_file_is_too_large(client, people, order, settings, media):
    settings.ATTACHMENT_MAX_MB = 1
    client.force_login(people.agent)
    url = reverse("attachment-upload", args=["work-order", order.pk])

    response = client.post(url, {"file": upload("big.png", PNG_SIGNATURE + b"\x00" * (1024 * 1024 + 100))})

    assert response.status_code == 413
    assert "1 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_other_urls_keep_their_body_limit(api, people):
    response = api(people.agent).generic("POST", reverse("call-list"), b"x" * (2 * 1024 * 1024),
                                         content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


# --- Photos: EXIF (GPS) stripped unless staff ----------------------------------------------------------------------


def _stored_image(row: Attachment) -> Image.Image:
    with row.file.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_an_agents_photo_loses_its_location_and_keeps_its_orientation(api, people, order):
    original = jpeg_with_gps(size=(40, 20), orientation=6)  # held upright: shown 20 wide, 40 high

    response = attach(api, people.agent, order, name="fault.jpg", content=original)

    assert response.status_code == 201, response.content
    image = _stored_image(Attachment.objects.get())
    assert image.format == "JPEG"
    assert image.size == (20, 40)  # the orientation applied to the pixels
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif and ExifTags.Base.Orientation not in exif


def test_a_staff_members_photo_is_stored_as_sent(api, staff, order):
    original = jpeg_with_gps()

    response = attach(api, staff, order, name="fault.jpg", content=original)

    assert response.status_code == 201, response.content
    row = Attachment.objects.get()
    with row.file.open("rb") as stored:
        assert stored.read() == original
    assert _stored_image(row).getexif().get_ifd(ExifTags.IFD.GPSInfo)


def test_a_damaged_image_is_refused(api, people, order):
    response = attach(api, people.agent, order, name="broken.png", content=PNG_SIGNATURE + b"\x00" * 64)

    assert response.status_code == 400
    assert response.json()["code"] == "image_unreadable"


# --- Names --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [
    ("../../etc/passwd", "passwd.png"),
    ("..\\..\\windows\\system.ini", "system.png"),
    ("/var/www/index.php", "index.png"),
    ("现场照片 1.PNG", "现场照片_1.png"),
    ("<script>.png", "script.png"),
    ("..", "attachment.png"),
    ("", "attachment.png"),
    (".hidden.png", "hidden.png"),
])
def test_names_are_made_safe(given, expected):
    """The name as a client may send it (Django's own upload parser drops folders too; a name must be safe here
    whatever reads it)."""
    assert files.safe_name(given, files.PNG) == expected


@pytest.mark.parametrize(("given", "expected"), [("现场照片 1.PNG", "现场照片_1.png"), ("<b>.png", "b.png"),
                                                 ("../../etc/passwd", "passwd.png")])
def test_uploaded_names_are_made_safe(api, people, order, given, expected):
    response = attach(api, people.agent, order, name=given)

    assert response.status_code == 201, response.content
    assert response.json()["name"] == expected


def test_a_long_name_is_cut_keeping_its_extension(api, people, order):
    response = attach(api, people.agent, order, name="照" * 300 + ".png")

    assert response.status_code == 201
    name = response.json()["name"]
    assert len(name) <= 120 and name.endswith(".png") and name.startswith("照照照")


# --- Listing and downloading ----------------------------------------------------------------------------------


def test_the_download_is_an_attachment_that_is_never_sniffed(api, people, order):
    content = png()
    created = attach(api, people.repair, order, name="现场 照片.png", content=content).json()

    listed = api(people.agent).get(reverse("work-order-attachments", args=[order.pk]))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [created["id"]]
    assert listed.json()[0]["download_url"].endswith(reverse("attachment-download", args=[created["id"]]))

    response = Client().get(created["download_url"], HTTP_ACCEPT="text/html")  # anonymous: refused
    assert response.status_code == 401
    client = Client()
    client.force_login(people.agent)
    response = client.get(reverse("attachment-download", args=[created["id"]]), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA_%E7%85%A7%E7%89%87.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


# --- Who may see, attach, delete ------------------------------------------------------------------------------


def test_a_crew_of_another_department_finds_nothing(api, people, order):
    created = attach(api, people.repair, order).json()
    other = api(people.repair2)

    assert other.get(reverse("work-order-attachments", args=[order.pk])).status_code == 404
    assert attach(api, people.repair2, order).status_code == 404
    assert other.get(reverse("attachment-download", args=[created["id"]])).status_code == 404
    assert other.get(reverse("attachment-detail", args=[created["id"]])).status_code == 404
    assert other.delete(reverse("attachment-detail", args=[created["id"]])).status_code == 404
    assert Attachment.objects.filter(deleted_at=None).count() == 1


def test_the_anonymous_are_asked_to_sign_in(api, order):
    assert api().get(reverse("work-order-attachments", args=[order.pk])).status_code == 401
    assert attach(api, None, order).status_code == 401
    response = Client().post(reverse("attachment-upload", args=["work-order", order.pk]), {"file": upload("a.png",
                                                                                                           png())})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Attachment.objects.exists()


def test_a_manager_reads_but_does_not_attach(api, people, order):
    attach(api, people.agent, order)

    assert api(people.manager).get(reverse("work-order-attachments", args=[order.pk])).status_code == 200
    response = attach(api, people.manager, order)
    assert response.status_code == 403
    assert Attachment.objects.count() == 1


def test_roles_without_the_objects_permission_are_refused(api, people, order, org):
    assert api(people.telephony).get(reverse("work-order-attachments", args=[order.pk])).status_code == 403
    notice = outage_receive(kind="fault", area="中山路", cause="线路故障", starts_at=timezone.now(),
                            expected_restore_at=timezone.now() + dt.timedelta(hours=2), actor=people.agent)
    outage_url = reverse("outage-attachments", args=[notice.pk])
    assert api(people.repair).get(outage_url).status_code == 403  # crews do not read outage notices
    assert api(people.manager).get(outage_url).status_code == 200
    response = api(people.agent).post(outage_url, {"file": upload("通知.pdf", pdf())}, format="multipart")
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().parent == notice


def test_a_handovers_leads_attach_to_it(api, people, org):
    template = ShiftTemplate.objects.get(code="early")
    shift = shift_services.shift_create(unit=org.center, template=template, date=timezone.localdate(),
                                        lead=people.lead, members=[people.agent], actor=people.supervisor)
    handover = shift_services.handover_open(shift=shift, actor=people.lead)
    url = reverse("handover-attachments", args=[handover.pk])

    assert api(people.lead).post(url, {"file": upload("设备.png", png())}, format="multipart").status_code == 201
    assert api(people.agent).get(url).status_code == 403  # agents do not read handovers
    assert api(people.manager).get(url).status_code == 200
    assert api(people.manager).post(url, {"file": upload("x.png", png())}, format="multipart").status_code == 403


# --- Deletion -----------------------------------------------------------------------------------------------------


def test_the_uploader_deletes_within_ten_minutes_and_the_row_stays(api, people, order, media,
                                                                   django_capture_on_commit_callbacks):
    created = attach(api, people.repair, order).json()
    stored = Attachment.objects.get().file.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        response = api(people.repair).delete(reverse("attachment-detail", args=[created["id"]]))

    assert response.status_code == 200, response.content
    row = Attachment.objects.get()
    assert row.deleted_by == people.repair and row.deleted_at is not None
    assert response.json()["deleted_by"] == "repair" and response.json()["download_url"] is None
    assert not default_storage.exists(stored)
    assert stored_files(media) == []
    assert api(people.agent).get(reverse("attachment-download", args=[row.pk])).status_code == 404
    listed = api(people.agent).get(reverse("work-order-attachments", args=[order.pk])).json()
    assert listed[0]["deleted_by"] == "repair"  # the history row is listed
    assert api(people.repair).delete(reverse("attachment-detail", args=[row.pk])).status_code == 409


def test_after_ten_minutes_only_a_supervisor_deletes(api, people, order, time_machine,
                                                     django_capture_on_commit_callbacks):
    time_machine.move_to(timezone.now(), tick=False)
    created = attach(api, people.repair, order).json()
    url = reverse("attachment-detail", args=[created["id"]])
    time_machine.shift(dt.timedelta(minutes=11))

    refused = api(people.repair).delete(url)
    assert refused.status_code == 403
    assert "10" in refused.json()["detail"]
    assert api(people.agent).delete(url).status_code == 403  # not theirs
    with django_capture_on_commit_callbacks(execute=True):
        assert api(people.supervisor).delete(url).status_code == 200
    assert Attachment.objects.get().deleted_by == people.supervisor


def test_someone_else_may_not_delete_even_at_once(api, people, order):
    created = attach(api, people.repair, order).json()

    assert api(people.agent).delete(reverse("attachment-detail", args=[created["id"]])).status_code == 403
    assert Attachment.objects.get().deleted_at is None


# --- The pages ----------------------------------------------------------------------------------------------------


def test_the_order_page_uploads_lists_and_deletes(client, people, order, django_capture_on_commit_callbacks, media):
    client.force_login(people.repair)
    page = reverse("tickets:order-detail", args=[order.pk])
    before = client.get(page).content.decode()
    assert 'id="attachment-upload"' in before and 'capture="environment"' in before

    response = client.post(reverse("attachment-upload", args=["work-order", order.pk]),
                           {"photo": upload("现场.jpg", jpeg_with_gps())})
    assert response.status_code == 302 and response["Location"] == f"{page}#attachments"
    row = Attachment.objects.get()
    shown = client.get(page).content.decode()
    assert "现场.jpg" in shown and reverse("attachment-download", args=[row.pk]) in shown
    assert reverse("attachment-delete", args=[row.pk]) in shown

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("attachment-delete", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.deleted_by == people.repair and stored_files(media) == []


def test_the_page_reads_the_attachments_with_their_people_in_constant_queries(api, client, people, order,
                                                                             django_capture_on_commit_callbacks):
    """An order without attachments (most) costs one plain query for them, no join; with some, uploaded and one
    deleted, one query more for the uploaders and one for who deleted, however many rows; the names are shown."""
    client.force_login(people.repair)
    page = reverse("tickets:order-detail", args=[order.pk])
    client.get(page)  # warm-up

    def read() -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as captured:
            content = client.get(page).content.decode()
        return [q["sql"] for q in captured.captured_queries], content

    sqls, _ = read()
    mine = [sql for sql in sqls if '"contactcenter_attachment"' in sql]
    assert len(mine) == 1 and "JOIN" not in mine[0], mine
    user_reads = sum('FROM "tickets_user"' in sql for sql in sqls)

    people.repair.first_name, people.repair.last_name = "芳", "王"
    people.repair.save()
    for _ in range(2):
        assert attach(api, people.repair, order).status_code == 201
    first = Attachment.objects.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("attachment-delete", args=[first.pk])).status_code == 302
    read()  # the rename made the users' directory stale (tickets.reference): read again once, then kept
    sqls, content = read()
    assert sum('"contactcenter_attachment"' in sql for sql in sqls) == 1
    assert sum('FROM "tickets_user"' in sql for sql in sqls) == user_reads + 2  # the uploaders, the deleters
    assert "王芳" in content and content.count('class="attachment') >= 2
    for _ in range(3):
        assert attach(api, people.repair, order).status_code == 201
    more, _ = read()
    assert len(more) == len(sqls), "\n".join(more)


@pytest.mark.parametrize(("next_url", "back"), [
    ("/m/orders/{pk}/", "/m/orders/{pk}/"),  # the phone's page the form was on
    ("https://evil.example/phish", None),  # another site: the order page instead
])
def test_the_form_returns_to_the_page_it_came_from(client, people, order, next_url, back):
    client.force_login(people.repair)
    response = client.post(reverse("attachment-upload", args=["work-order", order.pk]),
                           {"file": upload("a.png", png()), "next": next_url.format(pk=order.pk)})

    expected = back.format(pk=order.pk) if back else reverse("tickets:order-detail", args=[order.pk])
    assert response.status_code == 302 and response["Location"] == f"{expected}#attachments"


def test_a_refused_file_gets_a_page_that_says_why(client, people, order):
    client.force_login(people.agent)

    response = client.post(reverse("attachment-upload", args=["work-order", order.pk]),
                           {"file": upload("tool.pdf", EXE)})

    assert response.status_code == 400
    assert "Programs are not accepted" in response.content.decode() or "程序" in response.content.decode()
    assert reverse("tickets:order-detail", args=[order.pk]) in response.content.decode()


def test_a_manager_sees_the_list_without_the_form(client, people, order, api):
    attach(api, people.agent, order, name="现场.png")
    client.force_login(people.manager)

    page = client.get(reverse("tickets:order-detail", args=[order.pk])).content.decode()

    assert "现场.png" in page and 'id="attachment-upload"' not in page
    assert client.post(reverse("attachment-upload", args=["work-order", order.pk]),
                       {"file": upload("a.png", png())}).status_code == 403


def test_the_outage_and_handover_pages_have_the_section(client, people, org):
    notice = outage_receive(kind="fault", area="中山路", cause="线路故障", starts_at=timezone.now(),
                            expected_restore_at=timezone.now() + dt.timedelta(hours=2), actor=people.agent)
    client.force_login(people.agent)
    assert 'id="attachments"' in client.get(reverse("tickets:outage-detail", args=[notice.pk])).content.decode()

    template = ShiftTemplate.objects.get(code="early")
    shift = shift_services.shift_create(unit=org.center, template=template, date=timezone.localdate(),
                                        lead=people.lead, members=[people.agent], actor=people.supervisor)
    handover = shift_services.handover_open(shift=shift, actor=people.lead)
    client.force_login(people.lead)
    page = client.get(reverse("shifts:handover", args=[handover.pk])).content.decode()
    assert 'id="attachments"' in page and 'id="attachment-upload"' in page


# --- S3-compatible object storage -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def s3_server():
    """moto's S3-compatible server (an emulator of the S3 REST API) on a free port, over HTTP."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.s3
def test_files_are_stored_in_s3_compatible_object_storage(api, people, order, settings, s3_server, media,
                                                          django_capture_on_commit_callbacks):
    import boto3

    credentials = {"aws_access_key_id": "contactcenter", "aws_secret_access_key": "contactcenter-secret"}
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **credentials)
    s3.create_bucket(Bucket="attachments")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "attachments", "endpoint_url": s3_server, "access_key": credentials["aws_access_key_id"],
        "secret_key": credentials["aws_secret_access_key"], "region_name": "us-east-1", "addressing_style": "path",
        "signature_version": "s3v4", "default_acl": None, "file_overwrite": False}}}
    content = pdf()

    created = attach(api, people.repair, order, name="报告.pdf", content=content).json()

    key = Attachment.objects.get().file.name
    assert s3.get_object(Bucket="attachments", Key=key)["Body"].read() == content
    assert stored_files(media) == []  # nothing on the local disk
    download = api(people.agent).get(reverse("attachment-download", args=[created["id"]]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    with django_capture_on_commit_callbacks(execute=True):
        assert api(people.repair).delete(reverse("attachment-detail", args=[created["id"]])).status_code == 200
    assert s3.list_objects_v2(Bucket="attachments").get("KeyCount", 0) == 0


def _settings_in_a_process(tmp_path, **env) -> subprocess.CompletedProcess:
    code = "import contactcenter.settings as s; d = s.STORAGES['default']; print(d['BACKEND'], d.get('OPTIONS', {}))"
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
                   "VAR_DIR": str(tmp_path / "var"), "DEBUG": "1", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], env=environment,
                          capture_output=True, text=True, timeout=120)


def test_media_storage_chooses_the_backend(tmp_path):
    default = _settings_in_a_process(tmp_path)
    s3 = _settings_in_a_process(tmp_path, MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="attachments",
                                AWS_S3_ENDPOINT_URL="http://minio:9000")
    missing_bucket = _settings_in_a_process(tmp_path, MEDIA_STORAGE="s3")
    unknown = _settings_in_a_process(tmp_path, MEDIA_STORAGE="ftp")

    assert default.stdout.startswith("django.core.files.storage.FileSystemStorage"), default.stderr
    assert s3.stdout.startswith("storages.backends.s3.S3Storage"), s3.stderr
    assert "'bucket_name': 'attachments'" in s3.stdout and "'endpoint_url': 'http://minio:9000'" in s3.stdout
    assert missing_bucket.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in missing_bucket.stderr
    assert unknown.returncode != 0 and "MEDIA_STORAGE must be" in unknown.stderr
