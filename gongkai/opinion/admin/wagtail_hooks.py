"""Sources (舆情来源) and data vendors' ingest clients (数据接入客户端) in the staff admin.

Both appear in the 舆情监测 menu (``MENU_HOOK``) for whoever has the model's permissions: the
administrator role keeps them, analysts see the sources. A client is created through
``services.ingest_client_create``: its key is shown once, in the confirmation message after saving,
and only its digest is stored. Editing a client changes its name, quotas and whether it is active.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.models import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

from gongkai.opinion import services
from gongkai.opinion.models import IngestClient, Source

MENU_HOOK = (
    "register_gongkai_opinion_menu_item"  # the 舆情监测 group's submenu (gongkai/opinion/wagtail_hooks.py)
)


class SourceViewSet(ModelViewSet):
    model = Source
    icon = "link"
    menu_label = _("舆情来源")
    menu_name = "opinion_sources"
    add_to_admin_menu = False
    url_prefix = "opinion/sources"
    search_fields = ["code", "name", "url"]
    list_filter = ["kind", "enabled"]
    form_fields = ["code", "name", "kind", "url", "enabled", "config"]
    add_to_reference_index = False
    inspect_view_enabled = True

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("名称"), url_name=self.get_url_name("edit")),
            Column("code", label=_("代码")),
            Column("kind", label=_("类型"), accessor="get_kind_display"),
            Column("enabled", label=_("启用")),
            Column("last_polled_at", label=_("上次拉取时间")),
        ]


class IngestClientForm(forms.ModelForm):
    class Meta:
        model = IngestClient
        fields = ["name", "source", "per_minute_quota", "per_day_quota", "active"]


class IngestClientCreateView(CreateView):
    """Create through the service, and show the key (this once) in the confirmation message."""

    @property
    def expects_json_response(self):  # the key must reach the person, not a background request
        return False

    def save_instance(self):
        data = self.form.cleaned_data
        client, key = services.ingest_client_create(
            name=data["name"],
            source=data["source"],
            per_minute_quota=data["per_minute_quota"],
            per_day_quota=data["per_day_quota"],
            actor=self.request.user,
            request=self.request,
        )
        if not data.get("active", True):
            IngestClient.objects.filter(pk=client.pk).update(active=False)
        self._key = key
        return client

    def get_success_message(self, instance):
        return _("已创建接入客户端“%(name)s”。密钥只显示这一次，请立即复制交给数据服务商：%(key)s") % {
            "name": instance.name,
            "key": self._key,
        }


class IngestClientViewSet(ModelViewSet):
    model = IngestClient
    icon = "key"
    menu_label = _("数据接入客户端")
    menu_name = "opinion_ingest_clients"
    add_to_admin_menu = False
    url_prefix = "opinion/ingest-clients"
    search_fields = ["name", "key_prefix"]
    list_filter = ["source", "active"]
    form_class = IngestClientForm
    add_view_class = IngestClientCreateView
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        if for_update:
            # The source is part of what the key grants: a client for another source is a new client.
            return forms.modelform_factory(
                IngestClient, fields=["name", "per_minute_quota", "per_day_quota", "active"]
            )
        return IngestClientForm

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("名称"), url_name=self.get_url_name("edit")),
            Column("source", label=_("来源")),
            Column("key_prefix", label=_("密钥前缀")),
            Column("per_minute_quota", label=_("每分钟配额（条）")),
            Column("per_day_quota", label=_("每日配额（条）")),
            Column("active", label=_("启用")),
            Column("last_used_at", label=_("最近使用时间")),
        ]


source_viewset = SourceViewSet()
ingest_client_viewset = IngestClientViewSet()


@hooks.register("register_admin_viewset")
def register_opinion_configuration():
    return [source_viewset, ingest_client_viewset]


class _PermittedMenuItem(MenuItem):
    def __init__(self, viewset, **kwargs):
        self.viewset = viewset
        super().__init__(viewset.menu_label, viewset.menu_url, icon_name=viewset.icon, **kwargs)

    def is_shown(self, request):
        return self.viewset.permission_policy.user_has_any_permission(request.user, ["view", "add", "change"])


@hooks.register(MENU_HOOK)
def register_sources_menu_item():
    return _PermittedMenuItem(source_viewset, name="opinion_sources", order=910)


@hooks.register(MENU_HOOK)
def register_clients_menu_item():
    return _PermittedMenuItem(ingest_client_viewset, name="opinion_ingest_clients", order=920)
