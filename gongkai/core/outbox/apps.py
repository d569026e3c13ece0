from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "gongkai.core.outbox"
    label = "outbox"
    verbose_name = _("外发消息")

    def ready(self) -> None:
        # Registers the built-in channels (sms, email, webhook); other apps add theirs the same way.
        # weibo and wechat_mp (政务新媒体 posts and their withdrawal).
        from gongkai.core.outbox import (
            channels,  # noqa: F401
            newmedia,  # noqa: F401
        )
