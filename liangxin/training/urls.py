from django.urls import path

from . import views

app_name = "training"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("attendees/<int:pk>/remove/", views.attendee_remove, name="attendee_remove"),
    path("gaps/", views.gaps, name="gaps"),
    path("gaps/export/", views.gap_export, name="gap_export"),
    path("gaps/townships/<int:pk>/", views.gap_township, name="gap_township"),
    path("rules/", views.rule_list, name="rules"),
]
