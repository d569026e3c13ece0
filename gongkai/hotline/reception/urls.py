from django.urls import path

from gongkai.hotline.reception import views

app_name = "reception"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("<int:pk>/book/", views.book, name="book"),
    path("booked/", views.booked, name="booked"),
    path("lookup/", views.lookup, name="lookup"),
]
