from django.urls import path

from contactcenter.attachments.api import attachment_urls
from contactcenter.routers import Router

from .api import auth, calls, org, outages, phrases, workorders

router = Router()
router.register("units", org.UnitViewSet, basename="unit")
router.register("departments", org.DepartmentViewSet, basename="department")
router.register("customers", calls.CustomerViewSet, basename="customer")
router.register("calls", calls.CallViewSet, basename="call")
router.register("work-orders", workorders.WorkOrderViewSet, basename="work-order")
router.register("outages", outages.OutageNoticeViewSet, basename="outage")
router.register("phrases/standard", phrases.StandardPhraseViewSet, basename="standard-phrase")
router.register("phrases/forbidden", phrases.ForbiddenPhraseViewSet, basename="forbidden-phrase")

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", auth.LogoutAllView.as_view(), name="api-logout-all"),
    path("phrases/check/", phrases.PhraseCheckView.as_view(), name="phrase-check"),
    *attachment_urls("work-orders", "work-order"),  # 附件 (contactcenter.attachments; registered in tickets.apps)
    *attachment_urls("outages", "outage"),
    *router.urls,
]
