from django.urls import path

from gongkai.opinion.reports import views

app_name = "opinion_reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.report_action, name="act"),
    path("<int:pk>/download/<slug:fmt>/", views.report_download, name="download"),
    path("events/<int:event_pk>/", views.event_reports, name="event"),
]
