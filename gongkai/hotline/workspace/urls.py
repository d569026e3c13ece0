from django.urls import path

from gongkai.hotline.workspace import views

app_name = "hotline_workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.intake, name="intake"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/reveal/", views.order_reveal, name="reveal"),
    path(
        "orders/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("orders/<int:pk>/act/<slug:name>/", views.order_action, name="act"),
    path("queues/<slug:key>/", views.queue_view, name="queue"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("caller-history.json", views.caller_history_json, name="caller_history"),
    path("suggest.json", views.suggest_json, name="suggest"),
    path("kpi/", views.kpi_view, name="kpi"),
    path("messages/", views.inbound_list, name="inbound"),
    path("messages/<int:pk>/<slug:name>/", views.inbound_action, name="inbound_act"),
]
