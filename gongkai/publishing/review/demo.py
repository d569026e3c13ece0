"""Demo data of the review chain: workflows on every document list, the sensitive-word list, which
documents need 上级审批, this month's duty roster, and a few documents waiting in the chain.

Runs after the publishing demo (GONGKAI_APPS order), so the document lists exist. Idempotent.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gongkai.publishing.review.defaults import defaults_ensure
from gongkai.publishing.review.models import OnDutyAssignment, SensitiveRule, SensitiveWord

WORDS = [
    # (word, category, severity, note)
    ("绝密", "secrecy", "high", "国家秘密密级标志"),
    ("机密", "secrecy", "high", "国家秘密密级标志"),
    ("秘密★", "secrecy", "high", "国家秘密密级标志"),
    ("内部资料", "secrecy", "high", "内部资料不得公开"),
    ("内部传阅", "secrecy", "medium", ""),
    ("注意保存", "secrecy", "medium", "公文保管标记"),
    ("身份证号", "personal", "high", "公开前须去除个人身份信息"),
    ("家庭住址", "personal", "medium", ""),
    ("联系电话：1", "personal", "medium", "个人手机号"),
    ("讨论稿", "other", "medium", "过程性信息（条例第十六条）"),
    ("征求意见稿", "other", "low", "确认是否为公开征求意见"),
    ("请示", "other", "low", "过程性信息（条例第十六条）"),
]


def load(*, stdout: Any) -> None:
    from gongkai.accounts.models import Department

    defaults_ensure(stdout=stdout)
    for word, category, severity, note in WORDS:
        SensitiveWord.objects.update_or_create(
            word=word, defaults={"category": category, "severity": severity, "note": note}
        )

    # 重要信息…要经上级主管部门审核后再发: policies of every department, and everything the
    # public security bureau publishes.
    try:
        from gongkai.publishing.models import PolicyDocumentPage

        policy_type = ContentType.objects.get_for_model(PolicyDocumentPage)
        SensitiveRule.objects.get_or_create(
            document_type=policy_type, department=None, defaults={"note": "政策文件须上级审批"}
        )
    except ImportError:  # pragma: no cover - the publishing app is always installed with this one
        pass
    police = Department.objects.filter(code="gongan").first()
    if police is not None:
        SensitiveRule.objects.get_or_create(
            document_type=None, department=police, defaults={"note": "公安机关发布的信息须上级审批"}
        )

    leader = get_user_model().objects.filter(username="leader").first()
    if leader is not None:
        today = timezone.localdate()
        start = today.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        OnDutyAssignment.objects.get_or_create(
            leader=leader, starts_on=start, ends_on=end, defaults={"note": "本月突发事件值班领导"}
        )
    pending = _pending_review()
    stdout.write(
        f"发布审核：{SensitiveWord.objects.count()} 个敏感词，{SensitiveRule.objects.count()} 条上级审批规则，"
        f"{OnDutyAssignment.objects.count()} 条值班安排，{pending} 件待审"
    )


def _pending_review() -> int:
    """Two drafts of the demo drafter (市人社局) waiting for 保密审查, one with pre-check hits."""
    from wagtail.models import Page

    from gongkai.accounts.models import Department
    from gongkai.publishing.models import AnnouncementPage, DocumentIndexPage

    drafter = get_user_model().objects.filter(username="drafter").first()
    department = Department.objects.filter(code="renshe").first()
    index = DocumentIndexPage.objects.filter(document_type="announcement").first()
    if drafter is None or department is None or index is None:
        return 0
    drafts = [
        (
            "关于2026年度社会保险缴费基数调整的公告",
            "<p>根据省人社厅通知，2026年度社会保险缴费基数按上年度全口径城镇单位就业人员平均工资核定。</p>",
        ),
        (
            "关于开展职业技能提升行动的通知（讨论稿）",
            "<p>本稿为内部资料，附件二列有培训机构联系人身份证号，公开前须删除。</p>",
        ),
    ]
    started = 0
    for title, body in drafts:
        if AnnouncementPage.objects.filter(title=title).exists():
            continue
        page = AnnouncementPage(
            title=title,
            department=department,
            disclosure_attribute="proactive",
            body=body,
            live=False,
            formed_at=timezone.localdate() - datetime.timedelta(days=10),
        )
        index.add_child(instance=page)
        page.save_revision(user=drafter)
        page = Page.objects.get(pk=page.pk).specific
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, drafter)
            started += 1
    return started
