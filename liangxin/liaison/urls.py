from django.urls import path

from . import views

app_name = "liaison"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.point_create, name="point_create"),
    path("export/", views.point_export, name="point_export"),
    path("points/<int:pk>/", views.point_detail, name="point_detail"),
    path("demonstration/", views.demonstrations, name="demonstrations"),
    path("demonstration/export/", views.demonstration_export, name="demonstration_export"),
    path("joint-meeting/", views.joint_meeting, name="joint_meeting"),
    path("joint-meeting/export/", views.joint_meeting_export, name="joint_meeting_export"),
]
