"""contactcenter.middleware.MessageMiddleware: Django's, with the message storage made on first use."""

import pytest
from django.contrib import messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.utils.functional import empty
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from contactcenter.middleware import MessageMiddleware

pytestmark = pytest.mark.django_db


def _through(view, request):
    SessionMiddleware(lambda r: None).process_request(request)
    return MessageMiddleware(view)(request)


def test_an_api_request_builds_no_message_storage(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people.agent).key}")
    response = client.get("/api/v1/work-orders/")
    assert response.status_code == 200
    assert response.wsgi_request._messages._wrapped is empty and "messages" not in response.cookies


def test_a_message_added_is_kept_for_the_next_request_and_shown_there(rf):
    def add(request):
        messages.success(request, "工单已受理")
        return HttpResponse()

    response = _through(add, rf.get("/"))
    assert response.cookies["messages"].value  # stored (cookie storage first, as Django's FallbackStorage)

    shown = []

    def show(request):
        shown.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse()

    later = rf.get("/")
    later.COOKIES["messages"] = response.cookies["messages"].value
    after = _through(show, later)
    assert shown == ["工单已受理"]
    assert after.cookies["messages"].value == "" or after.cookies["messages"]["max-age"] == 0  # used: cleared


def test_a_request_that_only_reads_messages_stores_nothing(rf):
    response = _through(lambda request: HttpResponse(list(messages.get_messages(request))), rf.get("/"))
    assert "messages" not in response.cookies
