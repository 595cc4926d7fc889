from django.urls import path

from . import views

app_name = "mobility"

urlpatterns = [
    path("", views.index, name="index"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("ledger/<int:pk>/", views.member_detail, name="member_detail"),
    path("ledger/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("ledger/<int:pk>/end/", views.member_end, name="member_end"),
    path("ledger/<int:pk>/contact/", views.contact_add, name="contact_add"),
    path("ledger/<int:pk>/letter/", views.letter_issue, name="letter_issue"),
    path("ledger/<int:pk>/help/", views.help_add, name="help_add"),
    path("ledger/<int:pk>/certificate/", views.certificate_apply, name="certificate_apply"),
    path("ledger/<int:pk>/transfer/", views.transfer_create, name="transfer_create"),
    path("outflow/", views.outflow_create, name="outflow_create"),
    path("outflow/members/pick/", views.outflow_member_pick, name="outflow_member_pick"),
    path("intake/", views.intake, name="intake"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/confirm/", views.batch_confirm, name="batch_confirm"),
    path("batches/<int:pk>/revert/", views.batch_revert, name="batch_revert"),
    path("registrations/", views.registration_list, name="registration_list"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("certificates/", views.certificate_register, name="certificate_register"),
    path("certificates/export/", views.certificate_register_export, name="certificate_register_export"),
    path("certificates/check/", views.certificate_check, name="certificate_check"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf_export, name="certificate_pdf_export"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("help/", views.help_list, name="help_list"),
    path("flows/", views.flow_matrix, name="flows"),
    path("flows/export/", views.flows_export, name="flows_export"),
]
