"""contactcenter.middleware.CSPMiddleware: the header django-csp's middleware would write, whatever the response."""

import re

import pytest
from csp import middleware as csp_middleware
from csp.constants import NONCE
from csp.decorators import csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory, override_settings

from contactcenter.middleware import CSPMiddleware


def _plain(request):
    return HttpResponse("ok")


def _with_nonce(request):
    return HttpResponse(str(request.csp_nonce))


VIEWS = {
    "plain": _plain,
    "not found": lambda request: HttpResponseNotFound("no"),
    "updated": csp_update({"style-src": ["'unsafe-inline'"]})(_plain),
    "replaced": csp_replace({"img-src": ["'self'"]})(_plain),
    "exempt": csp_exempt()(_plain),
    "nonce": _with_nonce,
}


def _headers(middleware_class, view, path="/api/v1/work-orders/"):
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    return ({name: re.sub(r"'nonce-[^']+'", "'nonce-…'", response[name])  # a nonce differs each time
             for name in ("Content-Security-Policy", "Content-Security-Policy-Report-Only") if name in response},
            request)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("debug", [False, True])
def test_the_header_is_django_csps(view, debug, settings):
    settings.DEBUG = debug
    ours, request = _headers(CSPMiddleware, VIEWS[view])
    theirs, _ = _headers(csp_middleware.CSPMiddleware, VIEWS[view])
    assert ours == theirs
    if view == "plain":
        assert "default-src 'self'" in ours["Content-Security-Policy"]
        with pytest.raises(CSPNonceError):  # a nonce asked for once the header is written
            str(request.csp_nonce)


def test_a_nonce_asked_for_is_in_the_header_when_the_policy_uses_one(settings):
    policy = {"DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        ours, _ = _headers(CSPMiddleware, _with_nonce)
        assert ours == _headers(csp_middleware.CSPMiddleware, _with_nonce)[0]
        assert "'nonce-…'" in ours["Content-Security-Policy"]
        assert "nonce" not in _headers(CSPMiddleware, _plain)[0]["Content-Security-Policy"]


def test_a_changed_setting_and_a_report_only_policy_are_followed(settings):
    before, _ = _headers(CSPMiddleware, _plain)
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"]}},
                           CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"script-src": ["'self'"]}}):
        ours, _ = _headers(CSPMiddleware, _plain)
        theirs, _ = _headers(csp_middleware.CSPMiddleware, _plain)
        assert ours == theirs and ours["Content-Security-Policy"] == "default-src 'none'"
        assert "script-src 'self'" in ours["Content-Security-Policy-Report-Only"].split("; ")
    after, _ = _headers(CSPMiddleware, _plain)
    assert after == before


def test_excluded_prefixes_are_followed(settings):
    policy = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/api/"]}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert _headers(CSPMiddleware, _plain)[0] == _headers(csp_middleware.CSPMiddleware, _plain)[0] == {}
        assert "Content-Security-Policy" in _headers(CSPMiddleware, _plain, path="/queue/")[0]
