from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from . import notification_views as notices
from .attachments import api as attachments_api
from .attachments import views as attachments
from .forms import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Django's login view and form, refusing service accounts (the telephony system signs in with its token only).
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("notifications/", notices.notification_list, name="notifications"),
    path("notifications/preferences/", notices.preferences, name="notification-preferences"),
    path("notifications/read/", notices.mark_all_read, name="notifications-read"),
    path("notifications/unread/", notices.unread, name="notifications-unread"),
    path("notifications/<int:pk>/", notices.notification_open, name="notification-open"),
    # Attachments 附件 from the pages of the objects that take them (contactcenter.attachments).
    path("attachments/<slug:kind>/<int:pk>/", attachments.upload, name="attachment-upload"),
    path("attachments/<int:pk>/delete/", attachments.delete, name="attachment-delete"),
    # The wallboard 监控大屏 at the address the room's screen is set to (the page itself: kpi.views_wallboard).
    path("wallboard/", login_required(permission_required("kpi.view_wallboard", raise_exception=True)(
        RedirectView.as_view(pattern_name="kpi:wallboard"))), name="wallboard"),
    path("kpi/", include("kpi.urls")),
    path("shifts/", include("shifts.urls")),
    path("api/v1/", include("tickets.urls_api")),
    path("api/v1/", include("shifts.urls_api")),
    path("api/v1/", include(attachments_api.urlpatterns)),
    path("api/v1/kpi/", include("kpi.urls_api")),
    path("api/v1/reports/", include("kpi.reports.urls_api")),
    # The schema needs a login or a token (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]): 401 for the anonymous;
    # its docs are pages: the anonymous go to the login page first.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from our static files (drf-spectacular-sidecar), its start-up script from its own URL
    # (?script=): the strict Content-Security-Policy holds. ReDoc injects <style> elements and runs a blob: worker.
    path("api/v1/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/v1/redoc/", login_required(csp_update({"style-src": ["'unsafe-inline'"],
                                                     "worker-src": ["'self'", "blob:"]})(
        SpectacularRedocView.as_view(url_name="schema"))), name="api-redoc"),
    path("", include("tickets.urls")),
]

handler400 = "contactcenter.views.bad_request"
handler403 = "contactcenter.views.permission_denied"
handler404 = "contactcenter.views.page_not_found"
handler500 = "contactcenter.views.server_error"
