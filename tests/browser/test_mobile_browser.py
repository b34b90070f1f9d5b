"""Phones and paper (issue 21) in a real browser (Debian's Chromium through Playwright, against ``live_server``), at
390×844 with touch, as a phone:

* a repair crew member signs in on the phone, is sent to ``/m/``, sees the dispatched repair, taps "on site" (the
  phone's position goes with it) and "restored" with the fault's cause and the materials; the crew page is installable
  (its service worker shows the offline page when the network is down);
* every page of the access matrix's page list (tests/test_access_matrix.py, the PAGE rows with a GET), for each role
  allowed to open it, is no wider than the screen at 390 px, and axe-core (vendored: static/vendor/axe-core, injected
  by the test only) finds no serious or critical WCAG 2 A/AA violation on it;
* a typical order printed (print media, A4) is one page without the navigation.

``SCREENSHOTS=1`` also writes docs/screenshots/mobile-*.png (390×844), docs/screenshots/order-print.pdf and
docs/screenshots/order-print.png (the print layout at A4 width, as Chromium lays it out for the PDF)."""

import io
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from contactcenter.models import Attachment
from tests import test_access_matrix as matrix
from tests.actions import act
from tickets.models import FaultCause, Material, State, WorkOrder, WorkOrderTransition
from tickets.services import MaterialUse, work_order_create, work_order_restore

from . import test_handover_browser as handover

browser, plain_cookies = handover.browser, handover.plain_cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
               "Mobile Safari/537.36")
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
SITE = (31.2304, 121.4737)  # where the crew's phone says it is


def shooting() -> bool:
    return os.environ.get("SCREENSHOTS") == "1"


def shoot(page, name: str, **kwargs) -> None:
    if shooting():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), **kwargs)


def phone_context(browser, **kwargs):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2,
                                  user_agent=PHONE_AGENT, locale="zh-CN", **kwargs)
    context.set_default_timeout(handover.TIMEOUT_MS)
    return context


def wider_than_the_screen(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
        e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e =>
        e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")


def seed_lists():
    if not FaultCause.objects.exists():  # seeded by migration 0030; an earlier transactional test flushed them
        import importlib

        from django.apps import apps

        importlib.import_module("tickets.migrations.0030_fault_causes_materials").seed(apps, None)


# --- the crew's phone ------------------------------------------------------------------------------------------------


def photo_with_gps() -> bytes:
    """A camera's JPEG with a GPS position in its EXIF."""
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (113.0, 56.0, 0.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 40)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_crew_member_takes_a_repair_from_arrival_to_restored_on_the_phone(live_server, browser, plain_cookies,
                                                                            people, org, customer, settings,
                                                                            tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the photo is stored here
    seed_lists()
    order = work_order_create(kind="repair", description="家里停电，闻到焦糊味", caller_number=customer.phone,
                              customer=customer, address="示范市中山路1号3栋", actor=people.agent)
    order = act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    base = live_server.url
    context = phone_context(browser, permissions=["geolocation"],
                            geolocation={"latitude": SITE[0], "longitude": SITE[1], "accuracy": 15})
    page = context.new_page()

    # Signs in on the phone: "/" sends a department handler to the crew page.
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "repair")
    page.fill("input[name=password]", handover.PASSWORD)
    page.tap("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base}/m/")
    card = page.locator(f"#crew-order-{order.pk}")
    assert order.number in card.inner_text() and "中山路1号3栋" in card.inner_text()
    assert page.locator(f"#crew-order-{order.pk} [data-countdown]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "mobile-list.png")

    # Taps the order: what, where (map links), who (tap to call), the deadline, the steps.
    card.tap()
    page.wait_for_url(f"{base}/m/orders/{order.pk}/")
    assert page.locator("#map-app").get_attribute("href").startswith("geo:0,0?q=")
    assert page.locator("#map-web").get_attribute("href").startswith("https://uri.amap.com/search?keyword=")
    assert page.locator("#call-customer").get_attribute("href") == f"tel:{customer.phone}"
    assert page.locator("#crew-due [data-countdown]").count() == 1
    arrive = page.locator("#crew-arrive-form button[type=submit]")
    box = arrive.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a large button, a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "mobile-order.png", full_page=True)

    # On site: the phone's position goes with the arrival (the user allowed it).
    arrive.tap()
    page.wait_for_selector("#crew-restore-form")
    assert WorkOrder.objects.get(pk=order.pk).state == State.ARRIVED
    location = WorkOrderTransition.objects.get(order=order, name="arrive").data["location"]
    assert (location["latitude"], location["longitude"]) == SITE

    # A photo of the fault from the phone's camera (its GPS position is not kept: the crew is not staff).
    page.set_input_files("#attachment-photo", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg",
                                                       "buffer": photo_with_gps()}])
    page.tap("#attachment-upload button[type=submit]")
    page.wait_for_url(f"{base}/m/orders/{order.pk}/")
    page.wait_for_selector("#attachment-list .attachment")
    [attachment] = Attachment.objects.filter(object_id=order.pk)
    assert attachment.media_type == "image/jpeg" and attachment.uploaded_by.username == "repair"
    with attachment.file.open("rb") as stored:
        assert not Image.open(stored).getexif().get_ifd(0x8825)  # no GPS block left
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Restored, with the cause and the materials.
    page.select_option("#crew-restore-form select[name=fault_cause]", label="熔断器熔断")
    fuse = Material.objects.get(name="熔断器")
    page.fill(f"#crew-restore-form input[name=material_{fuse.pk}]", "2")
    page.fill("#crew-restore-form textarea[name=note]", "更换熔断器，已恢复送电")
    shoot(page, "mobile-restore.png")
    page.tap("#crew-restore-form button[type=submit]")
    page.wait_for_selector(".messages li.success")
    assert WorkOrder.objects.get(pk=order.pk).state == State.RESTORED
    restored = WorkOrderTransition.objects.get(order=order, name="restore").data
    assert restored["fault_cause"]["name"] == "熔断器熔断"
    assert restored["materials"] == [{"id": fuse.pk, "name": "熔断器", "unit": "只", "quantity": 2}]
    assert page.locator("#crew-steps .crew-form").count() == 0  # nothing left for the crew
    shoot(page, "mobile-restored.png")

    # Installable: the manifest is linked, the service worker takes /m/; offline, it shows the offline page.
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == f"{base}/m/"
    page.goto(f"{base}/m/")  # a page the worker controls
    context.set_offline(True)
    page.goto(f"{base}/m/")
    page.wait_for_selector("#offline")
    assert "离线" in page.inner_text("#offline") or "offline" in page.inner_text("#offline")
    shoot(page, "mobile-offline.png")
    context.set_offline(False)

    # The full site is one tap away, and stays chosen.
    page.goto(f"{base}/m/")
    page.tap("#full-site")
    page.wait_for_url(f"{base}/")
    assert page.locator(".site-header .menu-toggle").is_visible()
    context.close()


def test_the_header_folds_into_a_menu_on_a_phone(live_server, browser, plain_cookies, people):
    context = phone_context(browser)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/queue/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", handover.PASSWORD)
    page.tap("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/queue/")
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator(".site-nav").is_visible() and page.locator("#bell").is_visible()
    shoot(page, "mobile-full-site.png")
    toggle.tap()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator(".site-nav a[href='/console/']").is_visible()
    assert page.locator(".site-user button[type=submit]").last.is_visible()  # log out, on the brand colour
    shoot(page, "mobile-menu.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


# --- every page at 390 px: no horizontal scroll, no serious axe violation ------------------------------------------

# Third-party pages served as they come (drf-spectacular-sidecar's Swagger UI and ReDoc): their own markup, not ours.
NOT_OURS = {"api-docs", "api-redoc"}


def page_cases(world) -> list[tuple[str, str, str]]:
    """(row key, URL, role) for every PAGE row with a GET and every role allowed (the service account has no pages)."""
    cases = []
    for key, row in matrix.MATRIX.items():
        if row["kind"] != matrix.PAGE or "GET" not in row:
            continue
        route = next(route for route in matrix.SITE_ROUTES if route.name == matrix.base(key) and not route.suffixed)
        url = matrix._route_url(world, route, key)
        cases += [(key, url, role) for role, cell in row["GET"].items()
                  if cell == matrix.OK and role != matrix.TELEPHONY]
    return cases


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
                                                     resultTypes: ['violations']})
        .then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 160))
        })))""")
    return found


def test_every_page_fits_390_px_and_passes_axe(live_server, browser, plain_cookies, settings):
    seed_lists()
    world = matrix._build_world()  # the access matrix's objects and people, committed for the live server
    cases = page_cases(world)
    assert len(cases) > 50
    contexts = {}
    too_wide, violations, broken = [], [], []
    try:
        for key, url, role in cases:
            if role not in contexts:
                # Playwright's add_script_tag(path=…) inlines the file: allowed past our strict CSP in these
                # contexts only (the pages never load axe themselves).
                contexts[role] = phone_context(browser, bypass_csp=True)
                if role != matrix.ANONYMOUS:
                    contexts[role].add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[role],
                                                 "url": live_server.url}])
                contexts[role].new_page()
            page = contexts[role].pages[0]
            response = page.goto(f"{live_server.url}{url}")
            if response is None or response.status >= 500:
                broken.append(f"{role} {url}: {response and response.status}")
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue  # the manifest, the service worker, a JSON poll: nothing to lay out
            if not page.evaluate("!!document.querySelector('head > title')"):
                continue  # a fragment a page fetches into itself (the live ledger rows, the console's customer file)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{role} {url}: {width}px {wider_than_the_screen(page)}")
            if matrix.base(key) not in NOT_OURS:
                for violation in axe_violations(page):
                    violations.append(f"{role} {url}: {json.dumps(violation, ensure_ascii=False)}")
    finally:
        for context in contexts.values():
            context.close()
    assert not broken, "\n".join(broken)
    assert not too_wide, "\n".join(too_wide)
    assert not violations, "\n".join(violations)


# --- print ------------------------------------------------------------------------------------------------------


def test_a_typical_order_prints_on_one_a4_page_without_the_navigation(live_server, browser, plain_cookies, people,
                                                                      org, customer):
    from pypdf import PdfReader

    seed_lists()
    order = work_order_create(kind="repair", description="家里停电，邻居家有电。客户称配电箱空气开关跳闸后无法合上。",
                              caller_number=customer.phone, customer=customer, address="示范市中山路1号3栋2单元",
                              actor=people.agent)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    act(order=WorkOrder.objects.get(pk=order.pk), name="urge", actor=people.agent,
        params={"progress_answer": "抢修人员已在路上，请您耐心等待"})
    act(order=WorkOrder.objects.get(pk=order.pk), name="arrive", actor=people.repair, params={})
    work_order_restore(order=WorkOrder.objects.get(pk=order.pk), actor=people.repair, note="更换熔断器",
                       fault_cause=FaultCause.objects.get(name="熔断器熔断"),
                       materials=[MaterialUse(material=Material.objects.get(name="熔断器"), quantity=2)])

    page = handover.log_in(browser, live_server.url, "agent")
    page.goto(f"{live_server.url}/orders/{order.pk}/")
    nav = page.evaluate("[...document.querySelectorAll('.site-nav a, .site-user button')]"
                        ".map(e => e.textContent.trim()).filter(t => t.length > 1)")
    content = page.inner_text("main")
    nav = [label for label in nav if label not in content]  # 回访 is a menu entry and the order's section alike
    assert len(nav) > 3
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("#steps").is_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert len(reader.pages) == 1, f"{len(reader.pages)} pages"
    assert order.number in text and "熔断器熔断" in text.replace(" ", "")
    printed_nav = [label for label in nav if label in text]
    assert not printed_nav, printed_nav
    if shooting():
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "order-print.pdf").write_bytes(pdf)
        # A preview of the PDF: the same print layout at A4's width in CSS pixels (210 mm at 96 dpi, 12 mm margins).
        page.set_viewport_size({"width": 794 - 2 * 45, "height": 1123 - 2 * 45})
        page.screenshot(path=str(SHOTS / "order-print.png"), full_page=True)


duty = handover.duty  # the 24-hour duty handing over to the next (a fixture)


def test_the_handover_and_the_ledger_print_without_the_navigation(live_server, browser, plain_cookies, people,
                                                                   duty):
    """The handover prints its items, checklist and history, and a signature line for each lead; the ledger its
    entries without the filters."""
    from pypdf import PdfReader

    from shifts import services as shift_services

    outgoing, _, order, lead2 = duty
    sheet = shift_services.handover_open(shift=outgoing, actor=people.lead)
    page = handover.log_in(browser, live_server.url, "lead")
    page.goto(f"{live_server.url}/shifts/handovers/{sheet.pk}/")
    assert page.locator("#print-signatures").is_hidden()  # on screen: the signing is the form's
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("#submit-form").is_hidden()
    assert page.locator("#print-signatures").is_visible()
    assert page.locator("#print-signatures > div").count() == 2
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)
    assert order.number in text and "lead2" in text
    if shooting():
        page.set_viewport_size({"width": 704, "height": 1000})
        page.screenshot(path=str(SHOTS / "handover-print.png"), full_page=True)

    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/kpi/ledger/")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator("form.filters").is_hidden()
    assert page.locator("#entries").is_visible()
