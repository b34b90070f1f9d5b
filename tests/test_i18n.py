"""The Chinese (Simplified) catalogue: complete, compiled, and used by default."""
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tickets.models import AreaType, Kind, State, WorkOrder

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """A tiny .po parser: one dict per entry (flags, msgctxt, msgid, msgid_plural, msgstr / msgstr[N]).

    Obsolete entries (#~) are skipped; the header (msgid "") is included.
    """
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += _unquote(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = _unquote(value)
    if entry is not None:
        entries.append(entry)
    return [e for e in entries if "msgid" in e]


def _messages(entries):
    return [e for e in entries if e["msgid"]]


def _translations(entry) -> list[str]:
    return [v for k, v in entry.items() if k.startswith("msgstr")]


# --- labels -------------------------------------------------------------------------------------------


def test_key_labels_are_chinese_by_default():
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert str(Kind.REPAIR.label) == "故障报修"
        assert str(Kind.COMPLAINT.label) == "投诉"
        assert str(State.ACCEPTED.label) == "已受理"
        assert str(State.FORWARDED.label) == "已转监察室"
        assert str(State.CALLED_BACK.label) == "已回访"
        assert str(AreaType.REMOTE.label) == "边远"
        assert str(WorkOrder._meta.verbose_name) == "工单"
        assert str(WorkOrder._meta.get_field("owner").verbose_name) == "首问负责人"
        assert str(WorkOrder._meta.get_field("urge_count").verbose_name) == "催办次数"
        assert str(WorkOrder._meta.get_field("return_reason").verbose_name) == "退单原因"


def test_labels_stay_english_in_english():
    with translation.override("en"):
        assert str(Kind.REPAIR.label) == "Repair"
        assert str(State.ACCEPTED.label) == "Accepted"
        assert str(WorkOrder._meta.verbose_name) == "work order"
        assert str(WorkOrder._meta.get_field("owner").verbose_name) == "first-question owner"


# --- the catalogue ------------------------------------------------------------------------------------


def test_po_header():
    header = next(e for e in parse_po(PO) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    assert "Language: zh_Hans\n" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]


def test_every_message_is_translated_and_not_fuzzy():
    entries = _messages(parse_po(PO))
    assert len(entries) > 100
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not all(_translations(e))]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"
    plural = [e["msgid"] for e in entries
              if "msgid_plural" in e and {k for k in e if k.startswith("msgstr")} != {"msgstr[0]"}]
    assert not plural, f"zh has one plural form only: {plural}"


def test_placeholders_are_kept():
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}|%[sd]")
    for entry in _messages(parse_po(PO)):
        expected = sorted(pattern.findall(entry["msgid"]))
        for translated in _translations(entry):
            assert sorted(pattern.findall(translated)) == expected, entry["msgid"]


def test_mo_is_compiled_from_the_current_po():
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    stale = []
    for entry in _messages(parse_po(PO)):
        ctx, msgid = entry.get("msgctxt"), entry["msgid"]
        if "msgid_plural" in entry:
            got = (catalog.npgettext(ctx, msgid, entry["msgid_plural"], 1) if ctx
                   else catalog.ngettext(msgid, entry["msgid_plural"], 1))
            want = entry["msgstr[0]"]
        else:
            got = catalog.pgettext(ctx, msgid) if ctx else catalog.gettext(msgid)
            want = entry["msgstr"]
        if got != want:
            stale.append(msgid)
    assert not stale, f"run `make messages`: the .mo lacks or differs on {stale}"


# --- pages --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_is_chinese_by_default(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body
    assert "Log in" not in body


@pytest.mark.django_db
def test_admin_login_is_english_on_request(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Log in" in body
    assert "登录" not in body


@pytest.mark.django_db
def test_admin_index_shows_our_chinese_labels(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert "话务与工单" in body  # the tickets app's verbose name
    assert "工单" in body
