from django.urls import path

from . import views

app_name = "talent"

urlpatterns = [
    path("", views.pool, name="pool"),
    path("export/", views.pool_export, name="pool_export"),
    path("new/", views.entry_create, name="entry_create"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("<int:pk>/id-number/", views.entry_reveal_id_number, name="entry_reveal_id_number"),
    path("<int:pk>/instructor/", views.instructor_assign, name="instructor_assign"),
    path("<int:pk>/post/", views.post_assign, name="post_assign"),
    path("instructors/<int:pk>/end/", views.instructor_end, name="instructor_end"),
    path("posts/<int:pk>/end/", views.post_end, name="post_end"),
]
