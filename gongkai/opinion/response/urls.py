"""Admin URLs of the response forms, mounted at ``/admin/opinion/response/`` by ``wagtail_hooks``.

The names are the ones ``gongkai.opinion.workspace.links`` looks for (buttons on the event page).
"""

from django.urls import path

from gongkai.opinion.response import views

app_name = "opinion_response"

urlpatterns = [
    path("events/<int:pk>/assess/", views.assess, name="assess"),
    path("events/<int:pk>/forward/", views.forward, name="forward"),
    path("events/<int:pk>/respond/", views.respond, name="respond"),
    path("events/<int:pk>/clarify/", views.clarify, name="clarify"),
]
