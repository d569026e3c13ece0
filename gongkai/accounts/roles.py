"""The roles of ARCHITECTURE.md "Who uses it", declared once and held as Django groups.

A role has a stable ``code`` (what code checks), a Chinese ``label`` (the group's name, what staff
see), a description, a scope and the permissions its group gets. Department-scoped roles see their
own department and everything under it; city-wide roles see every department (see
``gongkai.accounts.access``).

Apps that add models add the permission codenames of their roles here. A codename whose app or
model does not exist yet is skipped with a warning, so the list can run ahead of the code.
``roles_sync()`` creates and updates the groups; it runs from a data migration, after every
``migrate`` and from the demo loader, and is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class RoleScope(models.TextChoices):
    # Sees and acts on its own department and the departments under it.
    DEPARTMENT = "department", _("本机构及下级")
    # Sees and acts on every department of the city.
    CITY = "city", _("全市")


# Every staff role may enter the Wagtail admin (the one staff workspace) and read the org tree.
_STAFF = ("wagtailadmin.access_admin", "accounts.view_department")

# Writing disclosure documents (pages are granted per page tree by the review chain's defaults):
# attachments are Wagtail documents, pictures in the text are Wagtail images; topics are chosen.
_AUTHORING = (
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
    "publishing.view_topic",
)
# Seeing where a published document went (website, Weibo, WeChat).
_RELEASES_VIEW = ("publishing_channels.view_channelrelease",)
# Following the opinion response loop: alerts, cases, clocks, forwardings, responses.
_OPINION_RESPONSE_VIEW = tuple(
    f"opinion_response.view_{model}"
    for model in ("alert", "eventcase", "responseclock", "forwarding", "response")
)


# Handling disclosure applications (依申请公开) and recording reconsideration and lawsuit cases.
_DISCLOSURE_HANDLING = (
    "disclosure.view_application",
    "disclosure.add_application",
    "disclosure.handle_application",
    "disclosure.view_reviewcase",
    "disclosure.add_reviewcase",
    "disclosure.change_reviewcase",
)
# The annual report's models (gongkai.disclosure.annual).
_ANNUAL_MODELS = ("annualreport", "proactivefigure")


@dataclass(frozen=True)
class Role:
    code: str
    """Stable identifier used in code and in ``RoleGroup.code``; never rename."""
    label: Promise
    """Chinese name; also the name of the Django group (synced in ``LANGUAGE_CODE``)."""
    description: Promise
    scope: RoleScope
    permissions: tuple[str, ...] = field(default=())
    """``app_label.codename`` strings; unknown ones are skipped with a warning."""

    @property
    def group_name(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            return str(self.label)

    @property
    def is_city_wide(self) -> bool:
        return self.scope == RoleScope.CITY


ROLE_LIST: tuple[Role, ...] = (
    Role(
        code="operator",
        label=_("话务员"),
        description=_("接听 12345 热线及其他渠道诉求并录入工单；首次接触时依据知识库直接答复咨询。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "workcalendar.view_calendarday",
            "hotline.view_routingcategory",
            "knowledge.view_knowledgearticle",
            "reception.view_receptionsession",
        ),
    ),
    Role(
        code="dispatcher",
        label=_("派单员"),
        description=_("市长电话室：工单分类、派单、退单仲裁、审批延期、督办超期工单、回访。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "workcalendar.view_calendarday",
            "outbox.view_outboxmessage",
            # The hotline office keeps the routing catalogue, the deadline rules and the knowledge base.
            "hotline.view_routingcategory",
            "hotline.add_routingcategory",
            "hotline.change_routingcategory",
            "hotline.view_deadlinerule",
            "hotline.add_deadlinerule",
            "hotline.change_deadlinerule",
            "knowledge.view_knowledgearticle",
            "knowledge.add_knowledgearticle",
            "knowledge.change_knowledgearticle",
            "reception.view_receptionsession",
            "reception.add_receptionsession",
            "reception.change_receptionsession",
        ),
    ),
    Role(
        code="handler",
        label=_("承办人"),
        description=_("承办单位工作人员：签收、办理、答复工单；申请延期；退回错派工单。"),
        scope=RoleScope.DEPARTMENT,
        permissions=(*_STAFF, "workcalendar.view_calendarday"),
    ),
    Role(
        code="drafter",
        label=_("起草人"),
        description=_("起草政策文件、解读、新闻稿等拟公开信息。"),
        scope=RoleScope.DEPARTMENT,
        # Adds and edits pages under the site root (GroupPagePermission, review defaults); never publishes.
        permissions=(*_STAFF, *_AUTHORING, *_RELEASES_VIEW),
    ),
    Role(
        code="reviewer",
        label=_("审核人"),
        description=_("对拟公开信息进行保密审查和内容审核。"),
        scope=RoleScope.DEPARTMENT,
        # Reviews through the 保密审查 task (its group is this role's); reads the word list and escalations.
        permissions=(
            *_STAFF,
            "publishing_review.view_sensitiveword",
            "publishing_review.view_secrecyescalation",
            "wagtaildocs.choose_document",
            "wagtailimages.choose_image",
            "publishing.view_topic",
            *_RELEASES_VIEW,
        ),
    ),
    Role(
        code="approver",
        label=_("审批人"),
        description=_("本单位负责人：审批发布到网站和政务新媒体。"),
        scope=RoleScope.DEPARTMENT,
        # Approves through the 上级审批 task; no publish_page: documents are published by their workflow.
        permissions=(
            *_STAFF,
            "publishing_review.view_sensitiverule",
            "publishing_review.view_secrecyescalation",
            "publishing_review.view_interpretationexemption",
            "publishing.view_topic",
            *_RELEASES_VIEW,
        ),
    ),
    Role(
        code="press_office",
        label=_("新闻办"),
        description=_("市政府新闻办公室及新闻发言人：策划新闻发布会和在线访谈，管理口径，回应舆情事件。"),
        scope=RoleScope.CITY,
        # Drafts press releases and rumor clarifications (page permissions on those lists, review
        # defaults); follows and retries their release on Weibo and WeChat.
        permissions=(
            *_STAFF,
            *_AUTHORING,
            *_RELEASES_VIEW,
            "publishing_channels.retry_channelrelease",
            *_OPINION_RESPONSE_VIEW,
        ),
    ),
    Role(
        code="opinion_analyst",
        label=_("舆情分析员"),
        description=_("监测舆情专题、研判事件、转请相关部门回应、撰写舆情报告。"),
        scope=RoleScope.CITY,
        # Reads the feed and the event board, keeps the topics (专题) and the sensitive-word list.
        permissions=(
            *_STAFF,
            "opinion.view_source",
            "opinion.view_post",
            "opinion.view_event",
            "opinion.change_event",
            # Daily, weekly and event reports (舆情报告): draft, edit, refresh, release (签发).
            *(f"opinion_reports.{verb}_report" for verb in ("view", "add", "change", "delete", "release")),
            *(
                f"opinion.{verb}_{model}"
                for model in ("topic", "sensitiveword")
                for verb in ("view", "add", "change", "delete")
            ),
            # Alerts, the duty roster and the response loop (研判, 转办, 回应).
            *(
                f"opinion_response.{verb}_{model}"
                for model in ("alertruleconfig", "analystduty")
                for verb in ("view", "add", "change", "delete")
            ),
            *_OPINION_RESPONSE_VIEW,
            "opinion_response.change_alert",
        ),
    ),
    Role(
        code="disclosure_office",
        label=_("公开办"),
        description=_("政府信息公开工作机构：办理依申请公开，维护公开目录和公开指南，编制年度报告。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "workcalendar.view_calendarday",
            # Keeps the sensitive-word list and reads the review records (条例第四条(四)).
            "publishing_review.view_sensitiveword",
            "publishing_review.add_sensitiveword",
            "publishing_review.change_sensitiveword",
            "publishing_review.view_sensitiverule",
            "publishing_review.view_secrecyescalation",
            "publishing_review.view_interpretationexemption",
            "publishing_review.view_reviewapproval",
            # Maintains the catalogue's topics (主题分类) and follows every release.
            "publishing.view_topic",
            "publishing.add_topic",
            "publishing.change_topic",
            *_RELEASES_VIEW,
            "publishing_channels.retry_channelrelease",
            # 依申请公开 for every department, the office head's approval of extensions, Table 4
            # cases and the annual reports (条例第四条、第三十三条、第四十九条).
            *_DISCLOSURE_HANDLING,
            "disclosure.approve_extension",
            "disclosure.view_applicant_identity",
            *(
                f"disclosure_annual.{verb}_{model}"
                for model in _ANNUAL_MODELS
                for verb in ("view", "add", "change")
            ),
            "disclosure_annual.release_annualreport",
        ),
    ),
    Role(
        code="disclosure_clerk",
        label=_("部门公开专员"),
        description=_(
            "本部门政府信息公开工作人员：登记、办理、答复本部门收到的政府信息公开申请，编制本部门年度报告。"
        ),
        scope=RoleScope.DEPARTMENT,
        permissions=(
            *_STAFF,
            "workcalendar.view_calendarday",
            *_DISCLOSURE_HANDLING,
            "disclosure.view_applicant_identity",
            *(
                f"disclosure_annual.{verb}_{model}"
                for model in _ANNUAL_MODELS
                for verb in ("view", "add", "change")
            ),
        ),
    ),
    Role(
        code="leader",
        label=_("督查/领导"),
        description=_("查看工作台、排名和通报，督查督办，记录问责。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "workcalendar.view_calendarday",
            # The leader's dashboard (领导驾驶舱) and the opinion reports, read only.
            "opinion_reports.view_report",
            "publishing_review.view_ondutyassignment",
            "publishing_review.view_reviewapproval",
            *_RELEASES_VIEW,
            *_OPINION_RESPONSE_VIEW,
        ),
    ),
    Role(
        code="auditor",
        label=_("审计员"),
        description=_("只读查阅审计日志（谁在何时做了什么、谁查看了个人信息）和外发消息记录。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "audit.view_auditevent",
            "outbox.view_outboxmessage",
            "publishing_review.view_secrecyescalation",
            "publishing_review.view_interpretationexemption",
            "publishing_review.view_reviewapproval",
        ),
    ),
    Role(
        code="administrator",
        label=_("系统管理员"),
        description=_("管理机构、人员、角色和工作日历；不能替代业务角色办理业务。"),
        scope=RoleScope.CITY,
        permissions=(
            *_STAFF,
            "accounts.add_department",
            "accounts.change_department",
            "accounts.add_user",
            "accounts.change_user",
            "accounts.view_user",
            "auth.add_group",
            "auth.change_group",
            "auth.view_group",
            "workcalendar.view_calendarday",
            "workcalendar.change_calendarday",
            "outbox.view_outboxmessage",
            "audit.view_auditevent",
            # The opinion monitor's sources and the data vendors' ingest clients (keys, quotas).
            *(
                f"opinion.{verb}_{model}"
                for model in ("source", "ingestclient")
                for verb in ("view", "add", "change")
            ),
            # Configuration of the review chain: sensitive types × departments, duty roster, words.
            *(
                f"publishing_review.{verb}_{model}"
                for model in ("sensitiverule", "ondutyassignment", "sensitiveword")
                for verb in ("view", "add", "change", "delete")
            ),
        ),
    ),
)

ROLES: dict[str, Role] = {role.code: role for role in ROLE_LIST}


def role_get(code: str) -> Role:
    """Return the role with this code; ``KeyError`` names the unknown code."""
    try:
        return ROLES[code]
    except KeyError:
        raise KeyError(f"unknown role code {code!r}; known: {', '.join(ROLES)}") from None


def user_role_codes(user: Any) -> frozenset[str]:
    """Return the codes of the roles ``user`` holds (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_gongkai_role_codes", None)
    if cached is None:
        from gongkai.accounts.models import RoleGroup

        cached = frozenset(RoleGroup.objects.filter(group__user=user).values_list("code", flat=True))
        user._gongkai_role_codes = cached
    return cached


def user_has_role(user: Any, *codes: str) -> bool:
    """Return whether ``user`` holds at least one of the roles ``codes``."""
    for code in codes:
        role_get(code)  # a typo in a role code must fail loudly, not deny silently
    return bool(user_role_codes(user).intersection(codes))


def user_is_city_wide(user: Any) -> bool:
    """Superusers and holders of a city-wide role see every department."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(ROLES[code].is_city_wide for code in user_role_codes(user) if code in ROLES)


def roles_sync(
    *, apps: Any = None, strict: bool = False, warn: bool = True, stdout: Any = None
) -> dict[str, int]:
    """Create or update one group per role and give it the role's permissions; idempotent.

    - ``apps`` is a model registry: the historical one inside a data migration, the global one
      otherwise.
    - The group is found through ``RoleGroup.code``, so an administrator may rename it; it is
      renamed back to the label only if the label changed in code.
    - Permissions are added, never removed, so permissions an administrator granted in the admin
      survive each ``migrate``. ``strict=True`` makes the group's permissions exactly the role's.
    - Unknown permission codenames (an app not written yet) are skipped with a logged warning
      (``warn=False``: silently, as in the data migration, where later apps' permissions cannot
      exist yet).

    Returns counts: ``{"created": n, "updated": n, "skipped_permissions": n}``.
    """
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    RoleGroup = apps.get_model("accounts", "RoleGroup")
    counts = {"created": 0, "updated": 0, "skipped_permissions": 0}

    wanted_keys = {tuple(name.split(".", 1)) for role in ROLE_LIST for name in role.permissions}
    available = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.filter(
            codename__in={codename for _app, codename in wanted_keys}
        ).values_list("pk", "content_type__app_label", "codename")
    }

    with transaction.atomic():
        for role in ROLE_LIST:
            name = role.group_name
            link = RoleGroup.objects.select_related("group").filter(code=role.code).first()
            if link is None:
                group, created = Group.objects.get_or_create(name=name)
                RoleGroup.objects.create(code=role.code, group=group)
                counts["created" if created else "updated"] += 1
            else:
                group = link.group
                if group.name != name and not Group.objects.filter(name=name).exclude(pk=group.pk).exists():
                    group.name = name
                    group.save(update_fields=["name"])
                    counts["updated"] += 1

            permission_pks = set()
            for dotted in role.permissions:
                key = tuple(dotted.split(".", 1))
                if key not in available:
                    counts["skipped_permissions"] += 1
                    if warn:
                        logger.warning(
                            "roles_sync: permission %s of role %s does not exist yet; skipped",
                            dotted,
                            role.code,
                        )
                    continue
                permission_pks.add(available[key])
            current = set(group.permissions.values_list("pk", flat=True))
            missing = permission_pks - current
            if missing:
                group.permissions.add(*missing)
            if strict and current - permission_pks:
                group.permissions.remove(*(current - permission_pks))
            if (missing or (strict and current - permission_pks)) and link is not None:
                counts["updated"] += 1

    if stdout is not None:
        stdout.write(
            f"roles: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['skipped_permissions']} permissions not available yet"
        )
    return counts
