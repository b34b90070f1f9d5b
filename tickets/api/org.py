"""The organisation over the API: units and departments (read only)."""

from rest_framework import viewsets

from contactcenter.drf import MethodsFirst, ModelPermissions

from ..models import Department, Unit
from ..serializers import DepartmentSerializer, UnitSerializer


class UnitViewSet(MethodsFirst, viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    permission_classes = [ModelPermissions]


class DepartmentViewSet(MethodsFirst, viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.select_related("unit")
    serializer_class = DepartmentSerializer
    permission_classes = [ModelPermissions]
    filterset_fields = ["kind", "unit"]
