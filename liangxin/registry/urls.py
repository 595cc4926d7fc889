from django.urls import path

from . import views

app_name = "registry"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/export/", views.organization_export, name="organization_export"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/pick/", views.organization_pick, name="organization_pick"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<int:pk>/facts/", views.organization_facts, name="organization_facts"),
    path("organizations/<int:pk>/merge/", views.organization_merge, name="organization_merge"),
    path("organizations/<int:pk>/deregister/", views.organization_deregister, name="organization_deregister"),
    path(
        "organizations/<int:pk>/members/export/",
        views.organization_member_export,
        name="organization_member_export",
    ),
    path("party-organizations/", views.party_organization_list, name="party_organization_list"),
    path("party-organizations/export/", views.party_organization_export, name="party_organization_export"),
    path("party-organizations/<int:pk>/", views.party_organization_detail, name="party_organization_detail"),
    path(
        "party-organizations/<int:pk>/dissolve/",
        views.party_organization_dissolve,
        name="party_organization_dissolve",
    ),
    path(
        "party-organizations/<int:pk>/members/export/",
        views.party_organization_member_export,
        name="party_organization_member_export",
    ),
    path("members/", views.member_list, name="member_list"),
    path("members/export/", views.member_export, name="member_export"),
    path("members/pick/", views.member_pick, name="member_pick"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/id-number/", views.member_reveal_id_number, name="member_reveal_id_number"),
]
