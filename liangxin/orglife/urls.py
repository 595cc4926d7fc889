from django.urls import path

from . import views

app_name = "orglife"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.index, name="index"),
    path("dissolved/", views.dissolved, name="dissolved"),
    path("party-organizations/<int:pk>/", views.calendar, name="calendar"),
    path("party-organizations/<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/files/", views.activity_file_add, name="activity_file_add"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("files/<int:pk>/", views.file_export, name="file_export"),
]
