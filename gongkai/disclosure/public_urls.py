"""The citizen's disclosure-application pages, mounted at /disclosure/ (``disclosure_public`` namespace)."""

from django.urls import path

from gongkai.disclosure import public_views as views

app_name = "disclosure_public"

urlpatterns = [
    path("", views.home, name="home"),
    path("guide/", views.guide, name="guide"),
    path("apply/", views.apply, name="apply"),
    path("submitted/<slug:tracking_number>/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/status/", views.status, name="status"),
    path("track/correction/", views.correction, name="correction"),
    path("track/letters/<slug:kind>.<slug:fmt>", views.letter, name="letter"),
    path("track/end/", views.track_end, name="track_end"),
]
