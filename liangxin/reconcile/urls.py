from django.urls import path

from . import views

app_name = "reconcile"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector
# (``selectors.batches_for``, ``selectors.row_in_scope``): another township's batch or row answers
# 404 exactly like a missing one.
urlpatterns = [
    path("", views.index, name="index"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/accept/", views.batch_accept, name="batch_accept"),
    path("batches/<int:pk>/revert/", views.batch_revert, name="batch_revert"),
    path("batches/<int:pk>/original/", views.batch_original_export, name="batch_original_export"),
    path("rows/<int:pk>/decide/", views.row_decide, name="row_decide"),
]
