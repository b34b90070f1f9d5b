from contactcenter.routers import Router

from . import api

router = Router()
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("shift-templates", api.ShiftTemplateViewSet, basename="shift-template")
router.register("handovers", api.HandoverViewSet, basename="handover")
urlpatterns = router.urls
