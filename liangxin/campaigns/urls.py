from django.urls import path

from . import views

app_name = "campaigns"

# Every URL naming an object fetches it through a scoped selector (``selectors``): another
# township's submission answers 404 exactly like a missing one.
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/open/", views.campaign_open, name="campaign_open"),
    path("<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("<int:pk>/reminders/export/", views.reminder_export, name="reminder_export"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/<int:pk>/template/export/", views.submission_template_export, name="submission_template_export"),
    path("submissions/<int:pk>/prefill/", views.submission_prefill, name="submission_prefill"),
    path("submissions/<int:pk>/import/", views.submission_import, name="submission_import"),
    path("submissions/<int:pk>/import/confirm/", views.submission_import_confirm, name="submission_import_confirm"),
    path("submissions/<int:pk>/import/cancel/", views.submission_import_cancel, name="submission_import_cancel"),
    path(
        "submissions/<int:pk>/new-organizations/",
        views.submission_new_organizations,
        name="submission_new_organizations",
    ),
    path("submissions/<int:pk>/transition/", views.submission_transition, name="submission_transition"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/confirm/", views.entry_confirm, name="entry_confirm"),
]
