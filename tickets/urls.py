from django.urls import path

from . import views, views_console, views_outages, views_queue

app_name = "tickets"
urlpatterns = [
    path("", views.home, name="home"),
    path("console/", views_console.console, name="console"),
    path("console/incoming/", views_console.incoming, name="console-incoming"),
    path("console/customer/", views_console.customer_file, name="console-customer"),
    path("outages/", views_outages.outage_list, name="outage-list"),
    path("outages/new/", views_outages.outage_new, name="outage-new"),
    path("outages/caller/", views_outages.caller_lookup, name="outage-caller"),
    path("outages/<int:pk>/", views_outages.outage_detail, name="outage-detail"),
    path("outages/<int:pk>/transitions/<slug:name>/", views_outages.outage_transition, name="outage-transition"),
    path("queue/", views_queue.queue, name="queue"),
    path("orders/<int:pk>/", views_queue.order_detail, name="order-detail"),
    path("orders/<int:pk>/transitions/<slug:name>/", views_queue.order_transition, name="order-transition"),
    path("callbacks/", views_queue.callbacks, name="callbacks"),
    # Public (no login): a utility links its website here.
    path("public/outages/", views_outages.public_outages, name="public-outages"),
]
