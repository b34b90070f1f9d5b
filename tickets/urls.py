from django.urls import path

from .views import bulk, callbacks, console, home, mobile, outages, queue, search

app_name = "tickets"
urlpatterns = [
    path("", home.home, name="home"),
    path("console/", console.console, name="console"),
    path("console/incoming/", console.incoming, name="console-incoming"),
    path("console/customer/", console.customer_file, name="console-customer"),
    path("console/customer/<int:pk>/sms/", console.customer_sms, name="console-customer-sms"),
    path("outages/", outages.outage_list, name="outage-list"),
    path("outages/new/", outages.outage_new, name="outage-new"),
    path("outages/caller/", outages.caller_lookup, name="outage-caller"),
    path("outages/<int:pk>/", outages.outage_detail, name="outage-detail"),
    path("outages/<int:pk>/transitions/<slug:name>/", outages.outage_transition, name="outage-transition"),
    path("queue/", queue.queue, name="queue"),
    path("orders/search/", search.search_page, name="search"),
    path("orders/bulk/", bulk.bulk, name="bulk"),
    path("filters/", search.saved_filter_save, name="saved-filter-save"),
    path("filters/<int:pk>/delete/", search.saved_filter_delete, name="saved-filter-delete"),
    path("orders/<int:pk>/", queue.order_detail, name="order-detail"),
    path("orders/<int:pk>/transitions/<slug:name>/", queue.order_transition, name="order-transition"),
    path("callbacks/", callbacks.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/dial/", callbacks.callback_dial, name="callback-dial"),
    # The crew's phone (issue 21): its pages, and what makes it installable — the service worker's scope is /m/.
    path("m/", mobile.work_list, name="mobile"),
    path("m/orders/<int:pk>/", mobile.order_page, name="mobile-order"),
    path("m/orders/<int:pk>/<slug:name>/", mobile.order_transition, name="mobile-transition"),
    path("m/sw.js", mobile.service_worker, name="mobile-sw"),
    path("m/offline/", mobile.offline, name="mobile-offline"),
    path("manifest.webmanifest", mobile.manifest, name="manifest"),
    # Public (no login): a utility links its website here.
    path("public/outages/", outages.public_outages, name="public-outages"),
]
