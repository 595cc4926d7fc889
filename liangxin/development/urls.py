from django.urls import path

from . import views

app_name = "development"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.lists_export, name="lists_export"),
    path("new/", views.file_create, name="file_create"),
    path("<int:pk>/", views.file_detail, name="file_detail"),
    path("<int:pk>/step/", views.file_step, name="file_step"),
    path("<int:pk>/stage/", views.file_stage, name="file_stage"),
    path("<int:pk>/id-number/", views.file_reveal_id_number, name="file_reveal_id_number"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/new/", views.recommendation_create, name="recommendation_create"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
]
