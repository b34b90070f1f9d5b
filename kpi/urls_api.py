from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api, api_audit

router = DefaultRouter()
router.register("entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register("rules", api.PenaltyRuleViewSet, basename="penalty-rule")
urlpatterns = [
    path("audit/", api_audit.AuditView.as_view(), name="kpi-audit"),
    *router.urls,
]
