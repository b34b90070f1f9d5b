"""/api/v1/reports/: the monthly assessment report (``monthly/``)."""

from contactcenter.routers import Router

from . import api

router = Router()
router.register("monthly", api.ReportRunViewSet, basename="report-run")
urlpatterns = router.urls
