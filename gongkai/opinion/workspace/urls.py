from django.urls import path

from gongkai.opinion.workspace import views

app_name = "opinion_workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", views.feed_view, name="feed"),
    path("feed/new.json", views.feed_new_json, name="feed_new"),
    path("posts/<int:pk>/sentiment/", views.post_sentiment, name="post_sentiment"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/new/", views.topic_create, name="topic_create"),
    path("topics/preview.json", views.topic_preview_json, name="topic_preview"),
    path("topics/<int:pk>/", views.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/toggle/", views.topic_toggle, name="topic_toggle"),
    path("topics/<int:pk>/delete/", views.topic_delete, name="topic_delete"),
    path("events/", views.event_board, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("alerts/", views.alert_inbox, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
]
