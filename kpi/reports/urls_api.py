"""/api/v1/reports/: the monthly assessment report (``monthly/``)."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("monthly", api.ReportRunViewSet, basename="report-run")
urlpatterns = router.urls
