from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("kpi/", include("kpi.urls")),
    path("shifts/", include("shifts.urls")),
    path("api/v1/", include("tickets.urls_api")),
    path("api/v1/", include("shifts.urls_api")),
    path("api/v1/kpi/", include("kpi.urls_api")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("tickets.urls")),
]

handler400 = "contactcenter.views.bad_request"
handler403 = "contactcenter.views.permission_denied"
handler404 = "contactcenter.views.page_not_found"
handler500 = "contactcenter.views.server_error"
