"""Text messages to customers 短信通知 (issue 19, item 4): the caller is told when their order is accepted, dispatched,
when the crew arrives and when power is restored; the customers of a published outage notice's area are told of it;
a customer who opted out and a landline get nothing. Messages are queued in the transaction of what they tell (a
rolled-back change sends none) and sent after it by the configured backend: console, file, or Alibaba Cloud SMS —
tested here against a loopback server that checks requests as the provider documents them (form fields, HMAC-SHA1
signature) and answers as it does."""

import base64
import datetime as dt
import hashlib
import hmac
import http.server
import io
import json
import re
import threading
import urllib.parse

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.actions import act, outage_act
from tickets import sms
from tickets.models import Customer, OutageKind, SmsMessage, SmsState, SmsTemplate, SmsTrigger
from tickets.services import outage_receive, work_order_create
from tickets.sms import Sms, sending
from tickets.sms.backends import aliyun, console, filebased

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

SIGN = "【95598供电服务】"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def accept(people, customer, kind="repair", **extra):
    return work_order_create(kind=kind, description="家里停电了", caller_number=customer.phone, customer=customer,
                             actor=people.agent, **extra)


def messages(**filters) -> list[tuple]:
    return list(SmsMessage.objects.filter(**filters).order_by("pk").values_list("trigger", "phone", "state"))


def sent_texts() -> list[tuple[str, str]]:
    return [(m.phone, m.text) for m in sms.outbox]


# --- Orders: acceptance, dispatch, arrival, restoration


def test_a_repair_callers_hears_of_each_step_once(people, customer, org):
    order = accept(people, customer)
    assert messages(order=order) == [("accepted", customer.phone, "queued")]
    assert sending.send_due() == 1
    assert sent_texts() == [(customer.phone, f"{SIGN}您反映的故障报修问题已受理，工单号{order.number}，我们将尽快处理。"
                                             "如有疑问请致电95598。")]
    assert sending.send_due() == 0  # sent once
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    act(order=order, name="arrive", actor=people.repair)
    act(order=order, name="restore", actor=people.repair)
    assert sending.send_due() == 3
    assert [text for _phone, text in sent_texts()[1:]] == [
        f"{SIGN}您的工单{order.number}已派发至抢修一班处理，请保持电话畅通。",
        f"{SIGN}您报修的故障（工单{order.number}）抢修人员已到达现场，正在处理。",
        f"{SIGN}您报修的故障（工单{order.number}）已处理完毕，恢复供电。如仍有问题请致电95598。",
    ]
    assert messages(order=order) == [(t, customer.phone, "sent") for t in ("accepted", "dispatched", "arrived",
                                                                           "restored")]
    assert all(m.sent_at is not None for m in SmsMessage.objects.filter(order=order))


def test_an_order_dispatched_again_tells_the_caller_again(people, customer, org):
    order = accept(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    act(order=order, name="return_to_sender", actor=people.repair, params={"reason": "不是我班辖区"})
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair2.pk})
    sending.send_due()
    assert [text for _phone, text in sent_texts() if "派发" in text] == [
        f"{SIGN}您的工单{order.number}已派发至抢修一班处理，请保持电话畅通。",
        f"{SIGN}您的工单{order.number}已派发至抢修二班处理，请保持电话畅通。"]


def test_kinds_a_template_is_not_for_get_nothing(people, customer):
    accept(people, customer, kind="report")  # a report: no text that could expose the reporter
    accept(people, customer, kind="consultation", answer="电价按阶梯计算，详见营业厅公示。")
    assert messages() == []


def test_a_landline_gets_no_text(people):
    landline = CustomerFactory(phone="01065123456")
    accept(people, landline)
    assert messages() == []


def test_a_customer_who_opted_out_gets_nothing_and_the_log_says_why(people, customer, org):
    Customer.objects.filter(pk=customer.pk).update(sms_opt_out=True)
    customer.refresh_from_db()
    order = accept(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    assert sending.send_due() == 0
    assert sms.outbox == []
    assert messages() == [("accepted", customer.phone, "skipped"), ("dispatched", customer.phone, "skipped")]


def test_opting_out_after_a_message_was_queued_stops_it(people, customer, api):
    accept(people, customer)
    response = api(people.agent).patch(f"/api/v1/customers/{customer.pk}/", {"sms_opt_out": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["sms_opt_out"] is True
    assert sending.send_due() == 0
    assert messages() == [("accepted", customer.phone, "skipped")]
    assert sms.outbox == []


def test_a_manager_cannot_change_the_opt_out(people, customer, api):
    response = api(people.manager).patch(f"/api/v1/customers/{customer.pk}/", {"sms_opt_out": True}, format="json")
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is False


def test_a_rolled_back_acceptance_sends_nothing(people, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        accept(people, customer)
        raise RuntimeError("the request failed after the order was written")
    assert messages() == []
    assert sending.send_due() == 0


def test_a_template_switched_off_or_changed_takes_effect_at_once(people, customer):
    SmsTemplate.objects.filter(trigger=SmsTrigger.ACCEPTED).update(active=False)
    accept(people, customer)  # switched off: nothing queued (the single text asserted below is the second order's)
    template = SmsTemplate.objects.get(trigger=SmsTrigger.ACCEPTED)
    template.active, template.body = True, "已受理，工单号{number}。"
    template.save()
    order = accept(people, customer)
    sending.send_due()
    assert sent_texts() == [(customer.phone, f"{SIGN}已受理，工单号{order.number}。")]


# --- Outage notices: the customers of the area


def test_a_published_outage_notice_tells_the_customers_of_its_area(people, customer):
    CustomerFactory(phone="13900000002", address="示范市中山路5号")
    CustomerFactory(phone="13900000002", address="示范市中山路5号二楼")  # two files, one phone: one text
    CustomerFactory(phone="13900000003", address="示范市中山路7号", sms_opt_out=True)
    CustomerFactory(phone="02087654321", address="示范市中山路9号")  # a landline
    CustomerFactory(phone="13900000004", address="示范市解放路2号")  # another street
    starts = timezone.now() + dt.timedelta(hours=1)
    notice = outage_receive(kind=OutageKind.FAULT, area="中山路", cause="10kV线路故障", starts_at=starts,
                            expected_restore_at=starts + dt.timedelta(hours=4), actor=people.agent)
    assert messages() == []  # received, not yet published
    outage_act(notice=notice, name="publish", actor=people.agent, params={"confirm_wide_area": True})
    assert sorted(phone for _t, phone, _s in messages(outage=notice)) == ["13900000001", "13900000002"]
    assert sending.send_due() == 2
    local = timezone.localtime
    expected = (f"{SIGN}尊敬的客户：因10kV线路故障，中山路将于{local(starts):%m月%d日%H:%M}起停电，预计"
                f"{local(starts + dt.timedelta(hours=4)):%m月%d日%H:%M}恢复供电，给您带来不便敬请谅解。详询95598。")
    assert {text for _phone, text in sent_texts()} == {expected}


def test_restoring_an_outage_tells_the_callers_of_its_linked_repairs(people, customer):
    notice = outage_receive(kind=OutageKind.FAULT, area="中山路", cause="线路故障", starts_at=timezone.now(),
                            expected_restore_at=timezone.now() + dt.timedelta(hours=2), actor=people.agent)
    outage_act(notice=notice, name="publish", actor=people.agent, params={"confirm_wide_area": True})
    order = accept(people, customer)  # from the area: linked to the notice, no crew dispatched
    assert order.outage_id == notice.pk
    outage_act(notice=notice, name="restore", actor=people.agent)
    assert ("restored", customer.phone, "queued") in messages(order=order)


# --- Sending: backends, retries, "send again"


def test_the_console_and_file_backends_write_what_the_customer_reads(tmp_path, settings):
    message = Sms(phone="13900000001", text=f"{SIGN}测试")
    stream = io.StringIO()
    assert console.SmsBackend(stream=stream).send_messages([message])[0].sent
    assert stream.getvalue() == f"SMS to 13900000001: {SIGN}测试\n"
    settings.SMS_FILE_PATH = str(tmp_path)
    assert filebased.SmsBackend().send_messages([message, message]) == [sms.Outcome(sent=True)] * 2
    (written,) = tmp_path.iterdir()
    assert written.read_text(encoding="utf-8") == f"SMS to 13900000001: {SIGN}测试\n" * 2


class FailingBackend:
    def __init__(self, outcome):
        self.outcome, self.calls = outcome, 0

    def send_messages(self, messages):
        self.calls += 1
        return [self.outcome] * len(messages)


def test_a_provider_that_says_later_is_tried_again_with_backoff_then_given_up(people, customer, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    accept(people, customer)
    later = FailingBackend(sms.Outcome(sent=False, error="isv.BUSINESS_LIMIT_CONTROL: 触发流控", retry=True))
    assert sending.send_due(backend=later) == 0
    message = SmsMessage.objects.get()
    assert (message.state, message.attempts) == (SmsState.QUEUED, 1)
    assert message.next_attempt_at == timezone.now() + dt.timedelta(minutes=1)
    assert sending.send_due(backend=later) == 0 and later.calls == 1  # not due yet
    for _attempt in range(sending.MAX_ATTEMPTS - 1):
        time_machine.move_to(timezone.now() + dt.timedelta(hours=1), tick=False)
        sending.send_due(backend=later)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (SmsState.FAILED, sending.MAX_ATTEMPTS)
    assert message.error.startswith("isv.BUSINESS_LIMIT_CONTROL")


def test_a_refused_message_fails_at_once_and_a_supervisor_sends_it_again(people, customer):
    accept(people, customer)
    refused = FailingBackend(sms.Outcome(sent=False, error="isv.MOBILE_NUMBER_ILLEGAL: 非法手机号"))
    sending.send_due(backend=refused)
    assert messages() == [("accepted", customer.phone, "failed")]
    people.supervisor.is_staff = True
    people.supervisor.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(people.supervisor)
    page = client.get("/admin/tickets/smsmessage/")
    assert page.status_code == 200 and customer.phone in page.content.decode()
    response = client.post("/admin/tickets/smsmessage/", {
        "action": "send_again", "_selected_action": [m.pk for m in SmsMessage.objects.all()]})
    assert response.status_code == 302
    assert sending.send_due() == 1
    assert messages() == [("accepted", customer.phone, "sent")]


def test_the_admin_refuses_a_template_with_words_its_trigger_does_not_fill(people):
    people.supervisor.is_staff = True
    people.supervisor.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(people.supervisor)
    template = SmsTemplate.objects.get(trigger=SmsTrigger.ARRIVED)
    url = f"/admin/tickets/smstemplate/{template.pk}/change/"
    form = {"trigger": "arrived", "kinds": ["repair"], "body": "抢修人员已到达{area}，工单{number}",
            "provider_template": "", "active": "on"}
    response = client.post(url, form)
    assert response.status_code == 200
    assert "{area}" in response.content.decode()
    assert SmsTemplate.objects.get(pk=template.pk).body == template.body
    response = client.post(url, {**form, "body": "工单{number}的抢修人员已到达{"})
    assert response.status_code == 200  # a broken brace: refused, not a 500
    response = client.post(url, {**form, "body": "工单{number}：抢修人员已到达。"})
    assert response.status_code == 302
    assert SmsTemplate.objects.get(pk=template.pk).body == "工单{number}：抢修人员已到达。"


def test_sms_are_sent_every_ten_seconds_by_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="tickets.tasks.send_sms")
    assert (task.interval.every, task.interval.period, task.enabled) == (10, "seconds", True)


# --- Alibaba Cloud SMS, against a loopback server that checks what the provider documents

ACCESS_KEY_ID, ACCESS_KEY_SECRET = "LTAI5tTestKeyId", "test-secret-不在缓存"
TEMPLATES = {"SMS_100000001": {"number", "kind", "hotline"},
             "SMS_100000005": {"area", "cause", "starts_at", "restore_at", "hotline"}}


def rfc3986(value: str) -> str:
    """Percent-encoding as the provider's signature documentation states it, written independently of the backend:
    unreserved characters kept, everything else %XX in upper case (a space is %20, never +)."""
    return "".join(ch if re.fullmatch(r"[A-Za-z0-9\-_.~]", ch) else "".join(f"%{b:02X}" for b in ch.encode())
                   for ch in value)


class Dysmsapi(http.server.ThreadingHTTPServer):
    """A stand-in for dysmsapi.aliyuncs.com: checks each SendSms request (form fields, version, timestamp, nonce,
    signature, template and its values, numbers) and answers as the provider does. ``limit`` requests are answered
    with flow control first; a number in ``illegal`` is refused."""

    def __init__(self, *, limit: int = 0, illegal: tuple[str, ...] = ()):
        self.limit, self.illegal, self.requests, self.nonces = limit, illegal, [], set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                status, answer = outer.answer(self.headers, body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def answer(self, headers, body: str) -> tuple[int, dict]:
        assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True, strict_parsing=True))
        self.requests.append(form)
        request_id = f"REQ-{len(self.requests)}"
        given = form.pop("Signature", "")
        canonical = "&".join(f"{rfc3986(k)}={rfc3986(form[k])}" for k in sorted(form))
        to_sign = "POST&%2F&" + rfc3986(canonical)
        expected = base64.b64encode(hmac.new(f"{ACCESS_KEY_SECRET}&".encode(), to_sign.encode(),
                                             hashlib.sha1).digest()).decode()
        if form.get("AccessKeyId") != ACCESS_KEY_ID:
            return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found.",
                         "RequestId": request_id}
        if not hmac.compare_digest(given, expected):
            return 400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our "
                         "calculation.", "RequestId": request_id}
        assert (form["Action"], form["Version"], form["Format"]) == ("SendSms", "2017-05-25", "JSON")
        assert (form["SignatureMethod"], form["SignatureVersion"]) == ("HMAC-SHA1", "1.0")
        stamp = dt.datetime.strptime(form["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=15)
        assert form["SignatureNonce"] not in self.nonces
        self.nonces.add(form["SignatureNonce"])
        if len(self.requests) <= self.limit:
            return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1",
                         "RequestId": request_id}
        assert form["SignName"] == "95598供电服务"
        if form["TemplateCode"] not in TEMPLATES:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": request_id}
        values = json.loads(form["TemplateParam"])
        if set(values) != TEMPLATES[form["TemplateCode"]]:
            return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板缺少变量",
                         "RequestId": request_id}
        numbers = form["PhoneNumbers"].split(",")
        assert 1 <= len(numbers) <= 1000
        if any(n in self.illegal or not re.fullmatch(r"1[3-9]\d{9}", n) for n in numbers):
            return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": request_id}
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"90061974693649844{len(self.requests)}^0",
                     "RequestId": request_id}


@pytest.fixture
def provider(settings):
    servers = []

    def start(**behaviour) -> Dysmsapi:
        server = Dysmsapi(**behaviour)
        servers.append(server)
        settings.SMS_BACKEND = "tickets.sms.backends.aliyun.SmsBackend"
        settings.SMS_ALIYUN_ACCESS_KEY_ID, settings.SMS_ALIYUN_ACCESS_KEY_SECRET = ACCESS_KEY_ID, ACCESS_KEY_SECRET
        settings.SMS_ALIYUN_ENDPOINT = server.url
        return server

    yield start
    for server in servers:
        server.shutdown()


def codes(**codes_by_trigger) -> None:
    for trigger, code in codes_by_trigger.items():
        template = SmsTemplate.objects.get(trigger=trigger)
        template.provider_template = code
        template.save()


def test_aliyun_sends_an_order_message_with_its_template_and_values(people, customer, provider):
    server = provider()
    codes(accepted="SMS_100000001")
    order = accept(people, customer)
    assert sending.send_due() == 1
    (request,) = server.requests
    assert request["PhoneNumbers"] == customer.phone and request["TemplateCode"] == "SMS_100000001"
    assert json.loads(request["TemplateParam"]) == {"number": order.number, "kind": "故障报修", "hotline": "95598"}
    message = SmsMessage.objects.get()
    assert (message.state, message.provider_id) == (SmsState.SENT, "900619746936498441^0")


def test_aliyun_sends_an_outage_notice_to_its_area_in_one_request(people, customer, provider):
    server = provider()
    codes(outage_published="SMS_100000005")
    for i in range(2, 40):
        CustomerFactory(phone=f"139000000{i:02d}", address=f"示范市中山路{i}号")
    notice = outage_receive(kind=OutageKind.PLANNED, area="中山路", cause="线路检修", actor=people.agent,
                            starts_at=timezone.now() + dt.timedelta(days=8),
                            expected_restore_at=timezone.now() + dt.timedelta(days=8, hours=6))
    outage_act(notice=notice, name="publish", actor=people.agent, params={"confirm_wide_area": True})
    assert sending.send_due() == 39
    (request,) = server.requests
    assert len(request["PhoneNumbers"].split(",")) == 39
    assert json.loads(request["TemplateParam"])["area"] == "中山路"


def test_aliyun_flow_control_is_tried_again_and_a_bad_number_fails(people, customer, provider, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    server = provider(limit=1, illegal=("13900000009",))
    codes(accepted="SMS_100000001")
    accept(people, customer)
    assert sending.send_due() == 0
    assert messages() == [("accepted", customer.phone, "queued")]
    assert "isv.BUSINESS_LIMIT_CONTROL" in SmsMessage.objects.get().error
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=1), tick=False)
    assert sending.send_due() == 1
    assert len(server.requests) == 2
    accept(people, CustomerFactory(phone="13900000009"))
    assert sending.send_due() == 0
    assert messages(phone="13900000009") == [("accepted", "13900000009", "failed")]


def test_aliyun_without_a_template_code_or_with_a_wrong_secret_fails_clearly(people, customer, provider, settings):
    server = provider()
    accept(people, customer)  # no provider template code filled in yet
    sending.send_due()
    assert server.requests == []
    assert "No provider template code" in SmsMessage.objects.get().error
    codes(accepted="SMS_100000001")
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    accept(people, customer)
    sending.send_due()
    assert SmsMessage.objects.order_by("pk").last().error.startswith("SignatureDoesNotMatch")


def test_aliyun_unreachable_is_tried_again(people, customer, provider, settings):
    server = provider()
    codes(accepted="SMS_100000001")
    server.shutdown()
    server.server_close()
    accept(people, customer)
    assert sending.send_due() == 0
    message = SmsMessage.objects.get()
    assert message.state == SmsState.QUEUED and "unreachable" in message.error


def test_the_signature_matches_the_providers_documented_example():
    """The signing procedure, checked on fixed input against the independent encoder above."""
    params = {"AccessKeyId": "testid", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13900000001",
              "SignName": "阿里云短信测试", "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_154950909", "TemplateParam": '{"code":"1234"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    canonical = "&".join(f"{rfc3986(k)}={rfc3986(params[k])}" for k in sorted(params))
    expected = base64.b64encode(hmac.new(b"testsecret&", ("POST&%2F&" + rfc3986(canonical)).encode(),
                                         hashlib.sha1).digest()).decode()
    assert aliyun.sign("POST", params, "testsecret") == expected


# --- The console: the caller asks for no SMS (or for them again)


def test_the_console_records_an_opt_out_and_refuses_bad_input(people, customer):
    agent, manager = Client(), Client()
    agent.force_login(people.agent)
    manager.force_login(people.manager)
    url = f"/console/customer/{customer.pk}/sms/"
    assert agent.post(url, {"opt_out": "1"}, HTTP_ACCEPT="application/json").json() == {
        "id": customer.pk, "sms_opt_out": True}
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is True
    response = agent.post(url, {"opt_out": "0"})  # a plain form: back to the console with the caller
    assert response.status_code == 302 and response["Location"] == f"/console/?phone={customer.phone}"
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is False
    assert agent.post(url, {"opt_out": "yes"}).status_code == 400
    assert agent.post(url, {}).status_code == 400
    assert agent.get(url).status_code == 405
    assert agent.post("/console/customer/999999/sms/", {"opt_out": "1"}).status_code == 404
    assert manager.post(url, {"opt_out": "1"}).status_code == 403
    assert Customer.objects.get(pk=customer.pk).sms_opt_out is False


def test_the_order_page_shows_the_texts_to_the_caller(people, customer, org):
    order = accept(people, customer)
    act(order=order, name="dispatch", actor=people.agent, params={"department": org.repair.pk})
    sending.send_due(backend=FailingBackend(sms.Outcome(sent=False, error="isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")))
    for user in (people.agent, people.repair):
        client = Client()
        client.force_login(user)
        page = client.get(f"/orders/{order.pk}/").content.decode()
        assert "工单受理" in page and "工单派发" in page and "isv.MOBILE_NUMBER_ILLEGAL" in page
    other = accept(people, CustomerFactory(phone="01065123456"))
    client = Client()
    client.force_login(people.agent)
    assert 'id="order-sms-none"' in client.get(f"/orders/{other.pk}/").content.decode()
