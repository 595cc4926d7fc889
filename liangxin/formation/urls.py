from django.urls import path

from . import views

app_name = "formation"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.register_list, name="register_list"),
    path("export/", views.register_export, name="register_export"),
    path("organizations/<int:pk>/", views.organization_plan, name="organization_plan"),
    path("organizations/<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("organizations/<int:pk>/transition/", views.plan_transition, name="plan_transition"),
    path("organizations/<int:pk>/verifications/", views.verification_add, name="verification_add"),
    path("joint/", views.joint_planner, name="joint_planner"),
    path("joint/review/", views.joint_review, name="joint_review"),
    path("members/", views.unrostered_list, name="unrostered_list"),
    path("members/<int:pk>/action/", views.member_action, name="member_action"),
]
