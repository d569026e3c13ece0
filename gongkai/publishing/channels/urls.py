"""Admin URLs of channel releases, mounted under /admin/publishing/releases/ by wagtail_hooks."""

from django.urls import path

from gongkai.publishing.channels import views

app_name = "publishing_channels"
urlpatterns = [
    path("", views.release_index, name="index"),
    path("<int:release_id>/retry/", views.release_retry_view, name="retry"),
]
