from django.urls import path

from gongkai.portal import views

urlpatterns = [
    path("search/", views.search, name="portal_search"),
]
