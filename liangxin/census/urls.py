from django.urls import path

from . import views

app_name = "census"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector
# (``selectors.batches_for``, ``jobs.jobs_for``). Downloads end in ``_export``: audited and
# rate-limited like every other export.
urlpatterns = [
    path("", views.index, name="index"),
    path("template/", views.template_export, name="template_export"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/mapping/", views.batch_mapping, name="batch_mapping"),
    path("batches/<int:pk>/new-organizations/", views.batch_new_organizations, name="batch_new_organizations"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/revert/", views.batch_revert, name="batch_revert"),
    path("batches/<int:pk>/original/", views.batch_original_export, name="batch_original_export"),
    path("batches/<int:pk>/annotated/", views.batch_annotated_export, name="batch_annotated_export"),
    path("batches/<int:pk>/rejected/", views.batch_rejected_export, name="batch_rejected_export"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
]
