"""The 舆情监测 admin menu: the analysts' workspace (feed, event board, alerts, topics) and the
opinion office's sensitive-word list.

The workspace (``gongkai.opinion.workspace.hooks``) and the other opinion sub-apps add their items
to this menu with ``@hooks.register(MENU_HOOK)``; the menu shows only the items the user may open,
and disappears when there is none.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from gongkai.opinion.models import SensitiveWord

MENU_HOOK = "register_gongkai_opinion_menu_item"
"""Other opinion modules add items to the 舆情监测 menu with ``@hooks.register(MENU_HOOK)``."""


class SensitiveWordViewSet(ModelViewSet):
    """The opinion office's sensitive words (the pipeline reloads them when one changes)."""

    model = SensitiveWord
    icon = "warning"
    menu_label = _("敏感词")
    menu_name = "opinion_sensitive_words"
    menu_order = 900
    add_to_admin_menu = False
    url_prefix = "opinion/sensitive-words"
    search_fields = ["word", "note"]
    list_filter = ["level", "enabled"]
    list_per_page = 100
    form_fields = ["word", "level", "enabled", "note"]
    add_to_reference_index = False

    @property
    def list_display(self):
        return [
            TitleColumn("word", label=_("词语"), url_name=self.get_url_name("edit")),
            Column("level", label=_("级别"), accessor="get_level_display"),
            Column("enabled", label=_("启用")),
            Column("note", label=_("说明")),
            Column("updated_at", label=_("更新时间")),
        ]


class OpinionGroup(ViewSetGroup):
    menu_label = _("舆情监测")
    menu_icon = "pick"
    menu_order = 310
    items = (SensitiveWordViewSet,)
    submenu_hook = MENU_HOOK


@hooks.register("register_admin_viewset")
def register_opinion_group():
    return OpinionGroup()


# --- The analysts' workspace (gongkai/opinion/workspace/) -------------------------------------------------
from gongkai.opinion.workspace import hooks as _workspace_hooks  # noqa: E402,F401
