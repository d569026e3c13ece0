"""The annual reports on the portal, mounted at /disclosure/annual-reports/ (``disclosure_annual``)."""

from django.urls import path

from gongkai.disclosure.annual import views

app_name = "disclosure_annual"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<int:year>/", views.report_detail, name="city"),
    path("<int:year>/report.<slug:fmt>", views.report_file, name="city_file"),
    path("<int:year>/<slug:code>/", views.report_detail, name="department"),
    path("<int:year>/<slug:code>/report.<slug:fmt>", views.report_file, name="department_file"),
]
