from django.urls import path

from gongkai.publishing.review import views

app_name = "publishing_review"

urlpatterns = [
    path("deadlines/", views.deadlines, name="deadlines"),
    path("rereview/", views.rereview_queue, name="rereview_queue"),
    path("rereview/<int:page_id>/", views.rereview_record, name="rereview_record"),
]
