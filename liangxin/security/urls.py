from django.urls import path

from . import views

app_name = "security"

# No object identifiers in these URLs: what a form acts on is posted, and checked there.
urlpatterns = [
    path("2fa/", views.twofactor_status, name="twofactor"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/recovery-codes/", views.recovery_codes_regenerate, name="recovery_codes"),
    path("2fa/disable/", views.twofactor_disable, name="twofactor_disable"),
    path("lockouts/", views.lockout_list, name="lockout_list"),
    path("lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
    path("lockouts/reset-2fa/", views.twofactor_reset, name="twofactor_reset"),
]
