from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("shift-templates", api.ShiftTemplateViewSet, basename="shift-template")
router.register("handovers", api.HandoverViewSet, basename="handover")
urlpatterns = router.urls
