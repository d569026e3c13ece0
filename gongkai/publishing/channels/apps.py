from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingChannelsConfig(AppConfig):
    name = "gongkai.publishing.channels"
    label = "publishing_channels"
    verbose_name = _("发布渠道")

    def ready(self) -> None:
        from gongkai.core.outbox.signals import on_status_changed
        from gongkai.publishing.channels import services, signals

        signals.connect()
        # Each release mirrors the state of its outbox messages (post and withdrawal).
        on_status_changed(services.channel_release_sync)
