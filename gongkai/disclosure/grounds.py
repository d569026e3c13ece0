"""Reply types (条例第三十六条 and 第三十七条) and the grounds the annual report's Table 3 counts.

Every concluded application carries exactly one ``Ground``: the Table 3 row it is counted in
(国办公开办函〔2021〕30号). The reply type is what the letter says; the ground is the legal reason
and decides the row. ``ALLOWED_GROUNDS`` says which grounds each reply type may carry: a reply
without a ground of its type is refused (``ground_allowed``).

The 2019 format (国办公开办函〔2019〕60号) has the same rows except that 其他处理 is one row; the
annual report folds the three ``OTHER_*`` grounds into it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReplyType(models.TextChoices):
    """How the application was answered (the letter's kind)."""

    # 第三十六条（一）所申请公开信息已经主动公开的，告知申请人获取该政府信息的方式、途径
    ALREADY_PUBLIC = "already_public", _("已主动公开（告知获取方式）")
    # 第三十六条（二）可以公开的，向申请人提供该政府信息，或者告知获取的方式、途径和时间
    DISCLOSED = "disclosed", _("予以公开")
    # 第三十七条 能够作区分处理的，提供可以公开的内容，并对不予公开的内容说明理由
    PARTIAL = "partial", _("部分公开（区分处理）")
    # 第三十六条（三）依法不予公开的，告知申请人不予公开并说明理由
    WITHHELD = "withheld", _("不予公开")
    # 第三十六条（四）经检索没有所申请公开信息的，告知申请人该政府信息不存在
    NOT_EXIST = "not_exist", _("信息不存在")
    # 第三十六条（五）所申请公开信息不属于本行政机关负责公开的，告知并说明理由；能够确定负责公开
    # 该政府信息的行政机关的，告知申请人该行政机关的名称、联系方式
    NOT_THIS_AGENCY = "not_this_agency", _("不属于本机关负责公开")
    # 第三十六条（六）行政机关已就申请人提出的政府信息公开申请作出答复、申请人重复申请公开相同政府
    # 信息的，告知申请人不予重复处理
    DUPLICATE = "duplicate", _("重复申请，不予重复处理")
    # 第三十六条（七）所申请公开信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的
    # 获取有特别规定的，告知申请人依照有关法律、行政法规的规定办理
    SPECIAL_PROCEDURE = "special_procedure", _("依照特别规定办理（工商、不动产登记资料等）")
    # 第三十五条、第三十八条、第三十九条：不作为政府信息公开申请处理、不予处理
    NOT_PROCESSED = "not_processed", _("不予处理")
    # 申请终止：逾期不补正（第三十条）、逾期不缴费（国办函〔2020〕109号）、申请人撤回等
    TERMINATED = "terminated", _("终止处理")


class Ground(models.TextChoices):
    """The Table 3 row (2021 format) an application is counted in, i.e. its exact legal ground."""

    DISCLOSED = "disclosed", _("予以公开")
    PARTIAL = "partial", _("部分公开")
    WITHHELD_STATE_SECRET = "withheld_state_secret", _("属于国家秘密")
    WITHHELD_LAW_PROHIBITED = "withheld_law_prohibited", _("其他法律行政法规禁止公开")
    WITHHELD_SECURITY_STABILITY = "withheld_security_stability", _("危及“三安全一稳定”")
    WITHHELD_THIRD_PARTY = "withheld_third_party", _("保护第三方合法权益")
    WITHHELD_INTERNAL_AFFAIRS = "withheld_internal_affairs", _("属于三类内部事务信息")
    WITHHELD_PROCESS_INFO = "withheld_process_info", _("属于四类过程性信息")
    WITHHELD_ENFORCEMENT_FILE = "withheld_enforcement_file", _("属于行政执法案卷")
    WITHHELD_ADMINISTRATIVE_QUERY = "withheld_administrative_query", _("属于行政查询事项")
    UNAVAILABLE_NOT_HELD = "unavailable_not_held", _("本机关不掌握相关政府信息")
    UNAVAILABLE_NEEDS_CREATION = "unavailable_needs_creation", _("没有现成信息需要另行制作")
    UNAVAILABLE_STILL_UNCLEAR = "unavailable_still_unclear", _("补正后申请内容仍不明确")
    NOT_PROCESSED_PETITION = "not_processed_petition", _("信访举报投诉类申请")
    NOT_PROCESSED_DUPLICATE = "not_processed_duplicate", _("重复申请")
    NOT_PROCESSED_PUBLICATION = "not_processed_publication", _("要求提供公开出版物")
    NOT_PROCESSED_EXCESSIVE = "not_processed_excessive", _("无正当理由大量反复申请")
    NOT_PROCESSED_CONFIRMATION = "not_processed_confirmation", _("要求行政机关确认或重新出具已获取信息")
    OTHER_NO_CORRECTION = (
        "other_no_correction",
        _("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    )
    OTHER_NO_FEE = "other_no_fee", _("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")
    OTHER_OTHER = "other_other", _("其他")


class Outcome(models.TextChoices):
    """The Table 3 group (三、本年度办理结果 （一）…（六）) a ground belongs to."""

    DISCLOSED = "disclosed", _("予以公开")
    PARTIAL = "partial", _("部分公开")
    WITHHELD = "withheld", _("不予公开")
    UNAVAILABLE = "unavailable", _("无法提供")
    NOT_PROCESSED = "not_processed", _("不予处理")
    OTHER = "other", _("其他处理")


WITHHELD_GROUNDS: tuple[str, ...] = (
    Ground.WITHHELD_STATE_SECRET,
    Ground.WITHHELD_LAW_PROHIBITED,
    Ground.WITHHELD_SECURITY_STABILITY,
    Ground.WITHHELD_THIRD_PARTY,
    Ground.WITHHELD_INTERNAL_AFFAIRS,
    Ground.WITHHELD_PROCESS_INFO,
    Ground.WITHHELD_ENFORCEMENT_FILE,
    Ground.WITHHELD_ADMINISTRATIVE_QUERY,
)
UNAVAILABLE_GROUNDS: tuple[str, ...] = (
    Ground.UNAVAILABLE_NOT_HELD,
    Ground.UNAVAILABLE_NEEDS_CREATION,
    Ground.UNAVAILABLE_STILL_UNCLEAR,
)
NOT_PROCESSED_GROUNDS: tuple[str, ...] = (
    Ground.NOT_PROCESSED_PETITION,
    Ground.NOT_PROCESSED_DUPLICATE,
    Ground.NOT_PROCESSED_PUBLICATION,
    Ground.NOT_PROCESSED_EXCESSIVE,
    Ground.NOT_PROCESSED_CONFIRMATION,
)
OTHER_GROUNDS: tuple[str, ...] = (Ground.OTHER_NO_CORRECTION, Ground.OTHER_NO_FEE, Ground.OTHER_OTHER)

OUTCOME_OF_GROUND: dict[str, str] = {
    Ground.DISCLOSED: Outcome.DISCLOSED,
    Ground.PARTIAL: Outcome.PARTIAL,
    **{ground: Outcome.WITHHELD for ground in WITHHELD_GROUNDS},
    **{ground: Outcome.UNAVAILABLE for ground in UNAVAILABLE_GROUNDS},
    **{ground: Outcome.NOT_PROCESSED for ground in NOT_PROCESSED_GROUNDS},
    **{ground: Outcome.OTHER for ground in OTHER_GROUNDS},
}

#: The grounds each reply type may be recorded with (the first is the usual one).
ALLOWED_GROUNDS: dict[str, tuple[str, ...]] = {
    ReplyType.ALREADY_PUBLIC: (Ground.DISCLOSED,),
    ReplyType.DISCLOSED: (Ground.DISCLOSED,),
    ReplyType.PARTIAL: (Ground.PARTIAL,),
    ReplyType.WITHHELD: WITHHELD_GROUNDS,
    ReplyType.NOT_EXIST: (Ground.UNAVAILABLE_NOT_HELD, Ground.UNAVAILABLE_NEEDS_CREATION),
    ReplyType.NOT_THIS_AGENCY: (Ground.UNAVAILABLE_NOT_HELD,),
    ReplyType.DUPLICATE: (Ground.NOT_PROCESSED_DUPLICATE,),
    ReplyType.SPECIAL_PROCEDURE: (Ground.WITHHELD_ADMINISTRATIVE_QUERY,),
    ReplyType.NOT_PROCESSED: (
        Ground.NOT_PROCESSED_PETITION,
        Ground.NOT_PROCESSED_PUBLICATION,
        Ground.NOT_PROCESSED_EXCESSIVE,
        Ground.NOT_PROCESSED_CONFIRMATION,
        Ground.UNAVAILABLE_STILL_UNCLEAR,
    ),
    ReplyType.TERMINATED: OTHER_GROUNDS,
}

#: A partial disclosure also names why the rest is withheld (one of the 不予公开 grounds).
PARTIAL_WITHHELD_GROUNDS: tuple[str, ...] = WITHHELD_GROUNDS


def ground_allowed(*, reply_type: str, ground: str) -> bool:
    return ground in ALLOWED_GROUNDS.get(reply_type, ())


def outcome_of(ground: str) -> str:
    return OUTCOME_OF_GROUND[ground]
