from django.urls import path

from gongkai.disclosure.workspace import views

app_name = "disclosure_workspace"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("applications/", views.application_list, name="list"),
    path("applications/new/", views.register, name="register"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/reveal/", views.application_reveal, name="reveal"),
    path("applications/<int:pk>/act/<slug:name>/", views.application_action, name="act"),
    path("applications/<int:pk>/letters/<slug:kind>.<slug:fmt>", views.letter_download, name="letter"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_edit, name="case_add"),
    path("cases/<int:pk>/", views.case_edit, name="case_edit"),
]
