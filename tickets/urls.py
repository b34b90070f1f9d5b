from django.urls import path

from . import views, views_outages

app_name = "tickets"
urlpatterns = [
    path("", views.home, name="home"),
    path("outages/", views_outages.outage_list, name="outage-list"),
    path("outages/new/", views_outages.outage_new, name="outage-new"),
    path("outages/caller/", views_outages.caller_lookup, name="outage-caller"),
    path("outages/<int:pk>/", views_outages.outage_detail, name="outage-detail"),
    path("outages/<int:pk>/transitions/<slug:name>/", views_outages.outage_transition, name="outage-transition"),
    # Public (no login): a utility links its website here.
    path("public/outages/", views_outages.public_outages, name="public-outages"),
]
