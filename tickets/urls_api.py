from django.urls import path

from contactcenter.routers import Router

from . import api, api_outages, api_phrases

router = Router()
router.register("units", api.UnitViewSet, basename="unit")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("calls", api.CallViewSet, basename="call")
router.register("work-orders", api.WorkOrderViewSet, basename="work-order")
router.register("outages", api_outages.OutageNoticeViewSet, basename="outage")
router.register("phrases/standard", api_phrases.StandardPhraseViewSet, basename="standard-phrase")
router.register("phrases/forbidden", api_phrases.ForbiddenPhraseViewSet, basename="forbidden-phrase")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("phrases/check/", api_phrases.PhraseCheckView.as_view(), name="phrase-check"),
    *router.urls,
]
