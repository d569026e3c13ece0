"""Admin URLs of the outbox, mounted under /admin/outbox/ by wagtail_hooks."""

from django.urls import path

from gongkai.core.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.outbox_index, name="index"),
    path("<int:message_id>/", views.outbox_detail, name="detail"),
    path("<int:message_id>/retry/", views.outbox_retry_view, name="retry"),
    path("<int:message_id>/cancel/", views.outbox_cancel_view, name="cancel"),
]
