from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingReviewConfig(AppConfig):
    name = "gongkai.publishing.review"
    label = "publishing_review"
    verbose_name = _("发布审核")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gongkai.publishing.review import guard, signals

        guard.connect()
        post_migrate.connect(
            signals.defaults_after_migrate, dispatch_uid="gongkai.publishing.review.defaults"
        )
