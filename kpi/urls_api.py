from django.urls import path

from contactcenter.routers import Router

from . import api, api_audit

router = Router()
router.register("entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register("rules", api.PenaltyRuleViewSet, basename="penalty-rule")
urlpatterns = [
    path("audit/", api_audit.AuditView.as_view(), name="kpi-audit"),
    *router.urls,
]
