from django.urls import path

from gongkai.accounts import views

app_name = "accounts"

urlpatterns = [
    path("2fa/", views.two_factor_overview, name="2fa"),
    path("2fa/setup/", views.two_factor_setup, name="2fa_setup"),
    path("2fa/verify/", views.two_factor_verify, name="2fa_verify"),
    path("2fa/backup-codes/", views.two_factor_backup_codes, name="2fa_backup_codes"),
    path("2fa/disable/", views.two_factor_disable, name="2fa_disable"),
]
