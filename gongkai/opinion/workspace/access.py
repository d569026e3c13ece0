"""Who may use the opinion workspace, and which rows they see.

The workspace is the 舆情分析员's (``opinion_analyst``, a city-wide role) and the superuser's; every
other staff member gets a 403 page. Editing topics also needs the model permissions the role's
group carries (an administrator may take them away from the group). A topic row is visible when the
user sees its owner department (city-wide users see every one); a row the user may not see is
answered 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from gongkai.accounts.access import visible_departments
from gongkai.accounts.roles import user_is_city_wide
from gongkai.opinion import selectors
from gongkai.opinion.models import Topic


def is_analyst(user: Any) -> bool:
    """The analyst role (or a superuser), active staff: the same rule as the opinion API's."""
    return selectors.may_analyse(user)


def may_edit_topics(user: Any) -> bool:
    return is_analyst(user) and user.has_perm("opinion.change_topic")


def may_add_topics(user: Any) -> bool:
    return is_analyst(user) and user.has_perm("opinion.add_topic")


def may_delete_topics(user: Any) -> bool:
    return is_analyst(user) and user.has_perm("opinion.delete_topic")


def may_acknowledge_alerts(user: Any) -> bool:
    """Analysts acknowledge the alerts of the inbox (the service checks its own rule again)."""
    return is_analyst(user)


def may_correct_sentiment(user: Any) -> bool:
    """Analysts correct the model's sentiment (the corrections train the next model)."""
    return is_analyst(user)


def topics_visible(user: Any) -> QuerySet[Topic]:
    """Every topic for city-wide users; otherwise the topics of the user's departments and shared ones."""
    queryset = Topic.objects.all()
    if user_is_city_wide(user):
        return queryset
    return queryset.filter(
        Q(owner_department__isnull=True) | Q(owner_department__in=visible_departments(user))
    )


def topic_or_404(user: Any, pk: Any) -> Topic:
    try:
        return topics_visible(user).select_related("owner_department", "created_by").get(pk=pk)
    except (Topic.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
