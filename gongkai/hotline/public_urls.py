"""The citizen's hotline pages, mounted at /hotline/ (names in the ``hotline_public`` namespace)."""

from django.urls import path

from gongkai.hotline import public_views as views

app_name = "hotline_public"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.appeal_new, name="new"),
    path("mailbox/", views.mailbox_new, name="mailbox"),
    path("filed/<str:tracking_number>/", views.filed, name="filed"),
    path("track/", views.track, name="track"),
    path("track/result/", views.track_result, name="track_result"),
    path("track/rate/", views.track_rate, name="track_rate"),
    path("track/end/", views.track_end, name="track_end"),
    path("letters/", views.letters, name="letters"),
    path("letters/statistics/", views.letter_stats, name="letter_stats"),
    path("letters/<str:tracking_number>/", views.letter_detail, name="letter_detail"),
]
