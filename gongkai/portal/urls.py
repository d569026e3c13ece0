from django.urls import path

from gongkai.portal import views

urlpatterns = [
    path("search/", views.search, name="portal_search"),
    path("language/", views.set_language, name="portal_language"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
