"""Public URLs of the publishing app that are not Wagtail pages: the feeds (mounted at /feeds/)."""

from django.urls import path

from gongkai.publishing.feeds import DocumentsAtomFeed, DocumentsFeed

app_name = "publishing_feeds"

urlpatterns = [
    path("<int:page_id>/rss/", DocumentsFeed(), name="rss"),
    path("<int:page_id>/atom/", DocumentsAtomFeed(), name="atom"),
]
