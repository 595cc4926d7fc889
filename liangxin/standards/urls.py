from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.index, name="index"),  # completion of the five ones, by township
    path("party-organizations/<int:pk>/", views.checklist, name="checklist"),
    path("party-organizations/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("party-organizations/<int:pk>/check/", views.item_check, name="item_check"),
    path("evidence/<int:pk>/download/", views.evidence_export, name="evidence_export"),
    path("five-goods/", views.assessments, name="assessments"),
    path("five-goods/export/", views.assessment_export, name="assessment_export"),
    path("five-goods/<int:pk>/", views.assessment_edit, name="assessment_edit"),
]
