from django.urls import path

from . import views

app_name = "funding"

# Every URL naming an object takes it as ``pk`` and fetches it through a scoped selector.
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.summary_export, name="summary_export"),
    path("allocation/", views.allocation, name="allocation"),
    path("allocation/export/", views.allocation_export, name="allocation_export"),
    path("dues-returns/", views.dues_returns, name="dues_returns"),
    path("activity-funds/", views.activity_funds, name="activity_funds"),
    path("activity-funds/export/", views.activity_fund_export, name="activity_fund_export"),
    path("organizations/<int:pk>/activity-fund/", views.activity_fund_record, name="activity_fund_record"),
    path("rewards/", views.reward_list, name="reward_list"),
    path("rewards/<int:pk>/", views.reward_detail, name="reward_detail"),
    path("rewards/<int:pk>/evidence/", views.reward_evidence_export, name="reward_evidence_export"),
    path("party-organizations/<int:pk>/", views.ledger_page, name="ledger"),
    path("party-organizations/<int:pk>/export/", views.ledger_export, name="ledger_export"),
    path("party-organizations/<int:pk>/rewards/new/", views.reward_create, name="reward_create"),
    path("party-organizations/<int:pk>/dues/", views.dues_page, name="dues"),
    path("party-organizations/<int:pk>/dues/record/", views.dues_record, name="dues_record"),
    path("party-organizations/<int:pk>/dues/export/", views.dues_export, name="dues_export"),
    path("members/<int:pk>/dues-base/", views.dues_base, name="dues_base"),
    path("members/<int:pk>/dues-base/reveal/", views.dues_base_reveal, name="dues_base_reveal"),
]
