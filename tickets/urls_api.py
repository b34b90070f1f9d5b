from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api, api_outages

router = DefaultRouter()
router.register("units", api.UnitViewSet, basename="unit")
router.register("departments", api.DepartmentViewSet, basename="department")
router.register("customers", api.CustomerViewSet, basename="customer")
router.register("calls", api.CallViewSet, basename="call")
router.register("work-orders", api.WorkOrderViewSet, basename="work-order")
router.register("outages", api_outages.OutageNoticeViewSet, basename="outage")

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    *router.urls,
]
