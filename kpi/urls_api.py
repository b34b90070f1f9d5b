from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("entries", api.LedgerEntryViewSet, basename="ledger-entry")
router.register("rules", api.PenaltyRuleViewSet, basename="penalty-rule")
urlpatterns = router.urls
