from contactcenter.attachments.api import attachment_urls
from contactcenter.routers import Router

from . import api

router = Router()
router.register("shifts", api.ShiftViewSet, basename="shift")
router.register("shift-templates", api.ShiftTemplateViewSet, basename="shift-template")
router.register("handovers", api.HandoverViewSet, basename="handover")
urlpatterns = [
    *attachment_urls("handovers", "handover"),  # 附件 (contactcenter.attachments; registered in shifts.apps)
    *router.urls,
]
