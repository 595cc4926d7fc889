from django.urls import path

from . import views

app_name = "coverage"

# No URL names an object: groups and indicators are query parameters, and every list is read
# through the user's scope.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("table/", views.table, name="table"),
    path("table/export/", views.table_export, name="table_export"),
    path("forecast/", views.forecast_list, name="forecast"),
    path("organizations/", views.drill_down, name="drill_down"),
    path("organizations/export/", views.drill_down_export, name="drill_down_export"),
    path("gaps/", views.gap_list, name="gap_list"),
    path("gaps/export/", views.gap_export, name="gap_export"),
]
