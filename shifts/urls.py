from django.urls import path

from . import views

app_name = "shifts"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("mine/", views.my_shift, name="mine"),
    path("<int:pk>/check-in/", views.check_in, name="check-in"),
    path("<int:pk>/check-out/", views.check_out, name="check-out"),
    path("<int:pk>/handover/", views.handover_open, name="handover-open"),
    path("handovers/", views.handover_list, name="handover-list"),
    path("handovers/<int:pk>/", views.handover, name="handover"),
    path("handovers/<int:pk>/items/", views.handover_add_item, name="handover-add-item"),
    path("handovers/<int:pk>/submit/", views.handover_submit, name="handover-submit"),
    path("handovers/<int:pk>/review/", views.handover_review, name="handover-review"),
]
