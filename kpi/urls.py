from django.urls import path

from . import views

app_name = "kpi"
urlpatterns = [
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/new/", views.entry_new, name="entry-new"),
    path("ledger/<int:pk>/reverse/", views.entry_reverse, name="entry-reverse"),
]
