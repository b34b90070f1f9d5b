from django.urls import path

from . import views, views_audit, views_wallboard
from .reports import dashboard
from .reports import views as report_views

app_name = "kpi"
urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("wallboard/", views_wallboard.wallboard, name="wallboard"),
    path("wallboard/data/", views_wallboard.wallboard_data, name="wallboard-data"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/rows/", views.ledger_rows, name="ledger-rows"),
    path("ledger/new/", views.entry_new, name="entry-new"),
    path("ledger/<int:pk>/reverse/", views.entry_reverse, name="entry-reverse"),
    path("reports/", report_views.reports, name="reports"),
    path("audit/", views_audit.audit_trail, name="audit"),
]
