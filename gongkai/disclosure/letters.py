"""The letters a disclosure office sends, as DOCX (python-docx) and PDF (fpdf2).

One template per kind, written here as Python (the wording is law, not layout):

- ``reply_letter``: 政府信息公开申请答复书 for every ``ReplyType``, citing the article of the 2019
  Regulations (条例) the reply rests on and the ``Ground`` label (the Table 3 row), the reply's own
  ``body``, and the remedies (行政复议 / 行政诉讼; reconsideration first for 不予公开, 行政复议法
  第二十三条第一款第（四）项).
- ``notice_letter``: 登记回执 (``receipt``), 补正告知书 (``correction``), 延期答复告知书
  (``extension``), 收费通知书 (``fee``), 征求意见书 (``consultation``).

A letter is first built as a :class:`Letter` (title, number, addressee, paragraphs, signature,
date), then drawn twice: :func:`render_docx` and :func:`render_pdf`. Layout follows an official
letter (GB/T 9704 in spirit): the title centred and larger, the number right-aligned under it, the
addressee line, body paragraphs indented by two characters, the signature (agency name), the
（印章） placeholder and the date right-aligned, page numbers "— 1 —" at the foot. The PDF embeds
the system CJK font of ``gongkai.opinion.reports.fonts``; with none installed, reading
``LetterFiles.pdf`` raises :class:`FontMissing` while the DOCX still works
(``reply_letter_attach`` then stores the DOCX alone and logs).

Letter numbers: ``<issuer><word>〔<year>〕第<tracking number>号``, the issuer being the department's
short name (``Department.short_name``, e.g. 市住建局) or its name, the word saying the kind (公开 for
replies, 公开登记, 公开补正, 公开延期, 公开收费, 公开征询), the year that of the letter's date.

Due dates are read from the rows (``Application.reply_due_on``, ``CorrectionNotice.due_on``,
``FeeNotice.pay_by``, ``Consultation.due_on``): no clock is computed here. The requested
information is passed through ``personal_data.redact_text``; the reply body keeps agency contacts
but loses the applicant's own phone, ID number and e-mail. File names carry the tracking number,
never the applicant's name.
"""

from __future__ import annotations

import datetime
import functools
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongkai.core.personal_data import mask_id_number, mask_phone, redact_text
from gongkai.disclosure.grounds import Ground, ReplyType
from gongkai.disclosure.models import (
    Application,
    Consultation,
    ConsultationKind,
    FeeMethod,
    IntakeChannel,
    Reply,
)
from gongkai.opinion.reports.fonts import FontMissing, require_cjk_font

__all__ = [
    "NOTICE_KINDS",
    "FontMissing",
    "Letter",
    "LetterFiles",
    "notice_letter",
    "render_docx",
    "render_pdf",
    "reply_letter",
    "reply_letter_attach",
]

logger = logging.getLogger(__name__)

# fontTools' subsetter logs every table it touches at INFO.
logging.getLogger("fontTools").setLevel(logging.WARNING)

NOTICE_KINDS: tuple[str, ...] = ("receipt", "correction", "extension", "fee", "consultation")
SEAL = "（印章）"
REGULATIONS = "《中华人民共和国政府信息公开条例》"
FEE_MEASURES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


@dataclass
class Letter:
    """A letter before layout: what both renderers draw."""

    title: str
    number: str
    addressee: str
    paragraphs: list[str]
    signature: str
    date: datetime.date
    filename_stem: str
    #: Lines set without first-line indent after the body (attachments, contacts), may be empty.
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LetterFiles:
    """A letter's files. ``docx`` is made at once; ``pdf`` on first access, raising
    :class:`FontMissing` then when no Chinese font is installed (so a DOCX can always be had)."""

    docx: bytes
    filename_stem: str
    letter: Letter = field(repr=False)

    @functools.cached_property
    def pdf(self) -> bytes:
        return render_pdf(self.letter)


# --- wording helpers ---------------------------------------------------------------------------


def chinese_date(day: datetime.date | None) -> str:
    """2026年6月1日 (no leading zeros, as in official letters)."""
    if day is None:
        return ""
    return _("%(year)s年%(month)s月%(day)s日") % {"year": day.year, "month": day.month, "day": day.day}


def _issuer(application: Application) -> str:
    department = application.department
    return department.short_name or department.name


def _number(application: Application, word: str, day: datetime.date, suffix: str = "") -> str:
    return _("%(issuer)s%(word)s〔%(year)s〕第%(tracking)s%(suffix)s号") % {
        "issuer": _issuer(application),
        "word": word,
        "year": day.year,
        "tracking": application.tracking_number,
        "suffix": suffix,
    }


def _you(application: Application) -> str:
    return _("你单位") if application.is_organisation else _("您")


def _description(application: Application) -> str:
    text = re.sub(r"\s+", " ", application.description or "").strip().rstrip("。；;.")
    return redact_text(text)


_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def _protect_body(text: str, application: Application) -> str:
    """The reply body as written, minus the applicant's own identifiers and any ID number.

    Agency contacts (telephone numbers of a reading room, of another agency) stay readable: the
    body is not passed through ``redact_text`` as a whole.
    """
    if not text:
        return ""
    if application.id_number:
        text = text.replace(application.id_number, mask_id_number(application.id_number))
    if application.phone:
        digits = re.sub(r"\D", "", application.phone)
        if len(digits) >= 7:
            pattern = r"[-\s]?".join(re.escape(d) for d in digits)
            text = re.sub(pattern, mask_phone(application.phone), text)
    if application.email:
        text = re.sub(re.escape(application.email), redact_text(application.email), text, flags=re.I)
    return _ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), text)


def _body_paragraphs(text: str, application: Application) -> list[str]:
    text = _protect_body(text, application)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _opening(application: Application) -> str:
    return _(
        "%(you)s于%(received)s向本机关提出的政府信息公开申请（申请编号：%(tracking)s）收悉。"
        "%(you)s申请获取的信息为：“%(description)s”。"
    ) % {
        "you": _you(application),
        "received": chinese_date(application.received_on),
        "tracking": application.tracking_number,
        "description": _description(application),
    }


def _ground_label(value: str) -> str:
    try:
        return str(Ground(value).label)
    except ValueError:
        return value


#: The article of the Regulations each 不予公开 ground rests on.
WITHHELD_ARTICLE: dict[str, str] = {
    Ground.WITHHELD_STATE_SECRET: "第十四条",
    Ground.WITHHELD_LAW_PROHIBITED: "第十四条",
    Ground.WITHHELD_SECURITY_STABILITY: "第十四条",
    Ground.WITHHELD_THIRD_PARTY: "第十五条",
    Ground.WITHHELD_INTERNAL_AFFAIRS: "第十六条第一款",
    Ground.WITHHELD_PROCESS_INFO: "第十六条第二款",
    Ground.WITHHELD_ENFORCEMENT_FILE: "第十六条第二款",
    Ground.WITHHELD_ADMINISTRATIVE_QUERY: "第三十六条第（七）项",
}


def _remedies(reply_type: str) -> str:
    """行政复议法（2023年修订）第二十条、第二十三条；行政诉讼法第四十五条、第四十六条."""
    if reply_type in (ReplyType.WITHHELD, ReplyType.PARTIAL):
        # 行政复议法第二十三条第一款第（四）项: 申请政府信息公开，行政机关不予公开 → 复议前置.
        return _(
            "%(you)s对本答复不服的，可以自收到本答复之日起六十日内依法申请行政复议；"
            "根据《中华人民共和国行政复议法》第二十三条的规定，对不予公开的答复应当先申请行政复议，"
            "对行政复议决定不服的，可以自收到行政复议决定书之日起十五日内依法提起行政诉讼。"
        )
    return _(
        "%(you)s对本答复不服的，可以自收到本答复之日起六十日内依法申请行政复议，"
        "或者在六个月内依法提起行政诉讼。"
    )


# --- the reply letter ---------------------------------------------------------------------------


def _reply_paragraphs(reply: Reply) -> list[str]:
    application = reply.application
    you = _you(application)
    ctx: dict[str, Any] = {"you": you, "reg": REGULATIONS, "label": _ground_label(reply.ground)}
    paras = [_opening(application)]
    body = _body_paragraphs(reply.body, application)
    kind = reply.reply_type
    ground = reply.ground

    if kind == ReplyType.ALREADY_PUBLIC:
        paras.append(
            _(
                "经审查，%(you)s申请获取的政府信息本机关已经主动公开。根据%(reg)s第三十六条第（一）项的"
                "规定，现将获取该政府信息的方式、途径告知如下："
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.DISCLOSED:
        paras.append(
            _(
                "经审查，%(you)s申请获取的政府信息属于可以公开的政府信息。根据%(reg)s"
                "第三十六条第（二）项的规定，本机关予以公开，提供方式如下："
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.PARTIAL:
        withheld = reply.partial_withheld_ground
        if withheld:
            ctx["withheld"] = _("属于不予公开的情形（%(label)s），依照%(reg)s%(article)s的规定不予公开") % {
                "label": _ground_label(withheld),
                "reg": REGULATIONS,
                "article": WITHHELD_ARTICLE.get(withheld, ""),
            }
        else:
            ctx["withheld"] = _("依法不予公开")
        paras.append(
            _(
                "经审查，%(you)s申请获取的政府信息中，部分内容可以公开，部分内容%(withheld)s。"
                "该政府信息能够作区分处理，根据%(reg)s"
                "第三十七条的规定，本机关决定部分公开：向%(you)s提供可以公开的内容，对不予公开的内容"
                "说明理由如下："
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.WITHHELD:
        ctx["article"] = WITHHELD_ARTICLE.get(ground, "")
        paras.append(
            _(
                "经审查，%(you)s申请获取的政府信息属于不予公开的情形（%(label)s）。根据%(reg)s%(article)s及第三十六条"
                "第（三）项的规定，本机关决定不予公开。理由如下："
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.NOT_EXIST:
        if ground == Ground.UNAVAILABLE_NEEDS_CREATION:
            paras.append(
                _(
                    "经审查，本机关没有%(you)s申请获取的现成信息（%(label)s），需要本机关对现有政府"
                    "信息进行加工、分析方能形成。根据%(reg)s第三十八条的规定，本机关不予提供。"
                )
                % ctx
            )
        else:
            paras.append(
                _(
                    "经检索，本机关未制作或者获取%(you)s申请公开的政府信息（%(label)s）。根据%(reg)s"
                    "第三十六条第（四）项的规定，告知%(you)s该政府信息不存在。"
                )
                % ctx
            )
        paras += body
    elif kind == ReplyType.NOT_THIS_AGENCY:
        paras.append(
            _(
                "经审查，%(you)s申请获取的政府信息不属于本机关负责公开的政府信息（%(label)s）。"
                "根据%(reg)s第三十六条第（五）项的规定，告知如下："
            )
            % ctx
        )
        paras += body
        if reply.other_agency:
            if reply.other_agency_contact:
                paras.append(
                    _("该政府信息由%(agency)s负责公开，联系方式：%(contact)s。%(you)s可以向该机关提出申请。")
                    % {"agency": reply.other_agency, "contact": reply.other_agency_contact, "you": you}
                )
            else:
                paras.append(
                    _("该政府信息由%(agency)s负责公开，%(you)s可以向该机关提出申请。")
                    % {"agency": reply.other_agency, "you": you}
                )
    elif kind == ReplyType.DUPLICATE:
        paras.append(
            _(
                "经审查，本机关已就%(you)s此前提出的相同政府信息公开申请作出答复，%(you)s本次申请"
                "属于重复申请公开相同政府信息（%(label)s）。根据%(reg)s第三十六条第（六）项的规定，"
                "本机关不予重复处理。"
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.SPECIAL_PROCEDURE:
        paras.append(
            _(
                "经审查，%(you)s申请获取的信息属于工商、不动产登记资料等信息，有关法律、行政法规对"
                "该信息的获取有特别规定（%(label)s）。根据%(reg)s第三十六条第（七）项的规定，请%(you)s"
                "依照有关法律、行政法规的规定办理："
            )
            % ctx
        )
        paras += body
    elif kind == ReplyType.NOT_PROCESSED:
        paras.append(_not_processed_text(ground, ctx))
        paras += body
    elif kind == ReplyType.TERMINATED:
        paras.append(_terminated_text(reply, ctx))
        paras += body
    else:  # pragma: no cover - every ReplyType is handled above
        paras += body
    paras.append(_remedies(kind) % {"you": you})
    paras.append(_("特此告知。"))
    return paras


def _not_processed_text(ground: str, ctx: dict[str, Any]) -> str:
    if ground == Ground.NOT_PROCESSED_PETITION:
        return (
            _(
                "经审查，%(you)s以政府信息公开申请的形式提出信访、投诉、举报等诉求（%(label)s）。"
                "根据%(reg)s第三十九条第一款的规定，本机关不作为政府信息公开申请处理，%(you)s可以"
                "通过相应渠道提出。"
            )
            % ctx
        )
    if ground == Ground.NOT_PROCESSED_PUBLICATION:
        return (
            _(
                "经审查，%(you)s申请的内容为要求本机关提供政府公报、报刊、书籍等公开出版物"
                "（%(label)s）。根据%(reg)s第三十九条第二款的规定，本机关不作为政府信息公开申请处理，"
                "获取途径告知如下："
            )
            % ctx
        )
    if ground == Ground.NOT_PROCESSED_EXCESSIVE:
        return (
            _(
                "经审查，%(you)s申请公开政府信息的数量、频次明显超过合理范围，且经本机关要求说明"
                "理由，理由不合理（%(label)s）。根据%(reg)s第三十五条的规定，本机关不予处理。"
            )
            % ctx
        )
    if ground == Ground.NOT_PROCESSED_CONFIRMATION:
        return (
            _(
                "经审查，%(you)s申请的内容为要求本机关确认或者重新出具%(you)s已获取的信息"
                "（%(label)s），不属于%(reg)s第二条所称获取政府信息的申请。本机关不作为政府信息公开"
                "申请处理。"
            )
            % ctx
        )
    if ground == Ground.UNAVAILABLE_STILL_UNCLEAR:
        return (
            _(
                "本机关已依照%(reg)s第三十条的规定告知%(you)s补正申请。经审查，补正后的申请内容"
                "仍不明确（%(label)s），本机关无法确定%(you)s所需的政府信息，不予处理。"
            )
            % ctx
        )
    return _("经审查，本机关对%(you)s的申请不予处理（%(label)s）。") % ctx


def _terminated_text(reply: Reply, ctx: dict[str, Any]) -> str:
    application = reply.application
    ground = reply.ground
    if ground == Ground.OTHER_NO_CORRECTION:
        notice = getattr(application, "correction_notice", None)
        ctx = {
            **ctx,
            "issued": chinese_date(notice.issued_on) if notice else "",
            "due": chinese_date(notice.due_on) if notice else "",
        }
        if notice is not None:
            return (
                _(
                    "本机关已于%(issued)s向%(you)s发出补正告知书，请%(you)s于%(due)s前补正。%(you)s"
                    "无正当理由逾期未补正。根据%(reg)s第三十条的规定，视为放弃申请，本机关不再处理该"
                    "政府信息公开申请（%(label)s）。"
                )
                % ctx
            )
        return (
            _(
                "%(you)s无正当理由逾期未补正申请。根据%(reg)s第三十条的规定，视为放弃申请，本机关"
                "不再处理该政府信息公开申请（%(label)s）。"
            )
            % ctx
        )
    if ground == Ground.OTHER_NO_FEE:
        fee = getattr(application, "fee_notice", None)
        ctx = {
            **ctx,
            "fees": FEE_MEASURES,
            "issued": chinese_date(fee.issued_on) if fee else "",
            "due": chinese_date(fee.pay_by) if fee else "",
        }
        if fee is not None:
            return (
                _(
                    "本机关已于%(issued)s向%(you)s发出信息处理费收费通知，请%(you)s于%(due)s前缴纳。"
                    "%(you)s逾期未缴纳。根据%(fees)s的规定，视为放弃申请，本机关不再处理该政府信息"
                    "公开申请（%(label)s）。"
                )
                % ctx
            )
        return (
            _(
                "%(you)s逾期未按收费通知要求缴纳信息处理费。根据%(fees)s的规定，视为放弃申请，"
                "本机关不再处理该政府信息公开申请（%(label)s）。"
            )
            % ctx
        )
    return _("本机关终止处理%(you)s的政府信息公开申请（%(label)s）。情况说明如下：") % ctx


def _reply_document(reply: Reply) -> Letter:
    application = reply.application
    return Letter(
        title=_("政府信息公开申请答复书"),
        number=_number(application, _("公开"), reply.replied_on),
        addressee=f"{application.applicant_name}：",
        paragraphs=_reply_paragraphs(reply),
        signature=application.department.name,
        date=reply.replied_on,
        filename_stem=f"{application.tracking_number}-reply",
    )


# --- notices ------------------------------------------------------------------------------------

_RECEIPT_RULE: dict[str, str] = {
    IntakeChannel.ONLINE: gettext_noop("通过互联网渠道提交的，以双方确认之日为收到申请之日"),
    IntakeChannel.IN_PERSON: gettext_noop("当面提交的，以提交之日为收到申请之日"),
    IntakeChannel.POST: gettext_noop("以邮寄方式提交的，以本机关签收之日为收到申请之日"),
    IntakeChannel.ORDINARY_LETTER: gettext_noop(
        "以平常信函等无需签收的邮寄方式提交的，以本机关与申请人确认之日为收到申请之日"
    ),
    IntakeChannel.FAX: gettext_noop("通过传真提交的，以双方确认之日为收到申请之日"),
    IntakeChannel.ORAL: gettext_noop("口头提出并由本机关代为填写的，以提出之日为收到申请之日"),
}


def _receipt_document(application: Application) -> Letter:
    you = _you(application)
    rule = _RECEIPT_RULE.get(application.channel, "")
    ctx = {
        "you": you,
        "reg": REGULATIONS,
        "received": chinese_date(application.received_on),
        "tracking": application.tracking_number,
        "channel": application.get_channel_display(),
        "rule": _(rule) if rule else "",
        "due": chinese_date(application.reply_due_on),
    }
    paras = [
        _(
            "本机关已收到%(you)s提出的政府信息公开申请，申请编号为%(tracking)s。%(you)s申请获取的信息为："
            "“%(description)s”。"
        )
        % {**ctx, "description": _description(application)},
        _(
            "%(you)s的申请提交方式为“%(channel)s”。根据%(reg)s第三十一条的规定，%(rule)s。本机关"
            "收到申请的日期为%(received)s。"
        )
        % ctx,
    ]
    if application.reply_due_on:
        paras.append(
            _(
                "根据%(reg)s第三十三条的规定，本机关的答复期限截至%(due)s。征求第三方或者其他机关意见"
                "所需时间不计算在答复期限内；需要延长答复期限的，本机关将另行书面告知。"
            )
            % ctx
        )
    else:
        paras.append(
            _(
                "根据%(reg)s第三十三条的规定，本机关将自收到申请之日起20个工作日内作出答复；申请需要"
                "补正的，答复期限自本机关收到补正的申请之日起计算。"
            )
            % ctx
        )
    paras.append(
        _("%(you)s可以凭申请编号和查询码在政府信息公开平台查询办理进度。请妥善保管查询码，不要告知他人。")
        % ctx
    )
    return Letter(
        title=_("政府信息公开申请登记回执"),
        number=_number(application, _("公开登记"), application.received_on),
        addressee=f"{application.applicant_name}：",
        paragraphs=paras,
        signature=application.department.name,
        date=application.received_on,
        filename_stem=f"{application.tracking_number}-receipt",
    )


def _correction_document(application: Application) -> Letter:
    notice = getattr(application, "correction_notice", None)
    if notice is None:
        raise ValueError(_("该申请没有补正告知记录。"))
    you = _you(application)
    ctx = {"you": you, "reg": REGULATIONS, "due": chinese_date(notice.due_on)}
    paras = [
        _opening(application),
        _(
            "经审查，%(you)s的申请内容不明确或者不完整。根据%(reg)s第三十条的规定，现一次性告知"
            "%(you)s作出补正，需要补正的事项如下："
        )
        % ctx,
    ]
    items = [line.strip() for line in notice.items.splitlines() if line.strip()]
    numbered = len(items) > 1 and not any(
        re.match(r"^[（(]?[0-9一二三四五六七八九十]+[、.）)]", i) for i in items
    )
    for index, item in enumerate(items, start=1):
        paras.append(f"{index}. {item}" if numbered else item)
    paras += [
        _(
            "请%(you)s于%(due)s之前（含当日）向本机关提交补正后的申请。答复期限自本机关收到补正的申请之日起计算。"
        )
        % ctx,
        _("%(you)s无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。") % ctx,
        _("特此告知。"),
    ]
    return Letter(
        title=_("政府信息公开申请补正告知书"),
        number=_number(application, _("公开补正"), notice.issued_on),
        addressee=f"{application.applicant_name}：",
        paragraphs=paras,
        signature=application.department.name,
        date=notice.issued_on,
        filename_stem=f"{application.tracking_number}-correction",
    )


def _local_date(moment: datetime.datetime | None) -> datetime.date:
    if moment is None:
        return timezone.localdate()
    return timezone.localtime(moment).date()


def _extension_document(application: Application) -> Letter:
    extension = getattr(application, "extension", None)
    if extension is None:
        raise ValueError(_("该申请没有延期答复记录。"))
    you = _you(application)
    day = extension.notified_on or _local_date(extension.approved_at)
    reason = _protect_body(re.sub(r"\s+", " ", extension.reason).strip(), application).rstrip("。")
    ctx = {
        "you": you,
        "reg": REGULATIONS,
        "days": extension.days,
        "reason": reason,
        "due": chinese_date(application.reply_due_on),
    }
    paras = [
        _opening(application),
        _("因%(reason)s，本机关不能在法定期限内作出答复。") % ctx,
        _(
            "根据%(reg)s第三十三条第二款的规定，经本机关政府信息公开工作机构负责人同意，答复期限延长"
            "%(days)s个工作日。"
        )
        % ctx,
    ]
    if application.reply_due_on:
        paras.append(_("延长后的答复期限截至%(due)s，本机关将在此之前作出答复。") % ctx)
    paras.append(_("特此告知。"))
    return Letter(
        title=_("政府信息公开申请延期答复告知书"),
        number=_number(application, _("公开延期"), day),
        addressee=f"{application.applicant_name}：",
        paragraphs=paras,
        signature=application.department.name,
        date=day,
        filename_stem=f"{application.tracking_number}-extension",
    )


def _breakdown_line(item: Any, unit: str) -> str:
    """One line of ``FeeNotice.breakdown``: a ``fees.FeeLine.as_dict()`` or a plain string."""
    if isinstance(item, dict):
        label = str(item.get("label") or item.get("text") or "")
        if "quantity" in item and "unit_price" in item and "amount" in item:
            try:
                price, amount = Decimal(str(item["unit_price"])), Decimal(str(item["amount"]))
            except ArithmeticError:
                return label
            if not price:
                return _("%(label)s：%(quantity)s%(unit)s，不收费") % {
                    "label": label,
                    "quantity": item["quantity"],
                    "unit": unit,
                }
            return _("%(label)s：%(quantity)s%(unit)s×%(price)s元/%(unit)s＝%(amount)s元") % {
                "label": label,
                "quantity": item["quantity"],
                "unit": unit,
                "price": _money(price),
                "amount": _money(amount),
            }
        return label or "；".join(f"{k}：{v}" for k, v in item.items())
    if isinstance(item, list | tuple):
        return " ".join(str(part) for part in item)
    return str(item or "")


def _money(amount: Decimal) -> str:
    return f"{Decimal(amount):,.2f}"


def _fee_document(application: Application) -> Letter:
    fee = getattr(application, "fee_notice", None)
    if fee is None:
        raise ValueError(_("该申请没有收费通知记录。"))
    you = _you(application)
    ctx = {
        "you": you,
        "reg": REGULATIONS,
        "fees": FEE_MEASURES,
        "method": fee.get_method_display(),
        "quantity": fee.quantity,
        "amount": _money(fee.amount),
        "due": chinese_date(fee.pay_by),
        "how": getattr(settings, "GONGKAI_DISCLOSURE_FEE_PAYMENT", "")
        or _(
            "请通过本机关告知的政府非税收入缴款渠道缴纳（可持本通知书到本机关政府信息公开工作机构办理），"
            "缴费后请将缴款凭证提交本机关"
        ),
    }
    if fee.method == FeeMethod.PER_APPLICATION:
        basis = _("本申请为%(you)s本自然月内提出的第%(quantity)s件申请") % ctx
    else:
        basis = _("本机关向%(you)s提供的政府信息共%(quantity)s页") % ctx
    paras = [
        _opening(application),
        _(
            "根据%(reg)s第四十二条和%(fees)s的规定，本机关决定对该申请收取信息处理费。计收方式为"
            "%(method)s，按照超额累进方式计算（%(basis)s）："
        )
        % {**ctx, "basis": basis},
    ]
    unit = _("件") if fee.method == FeeMethod.PER_APPLICATION else _("页")
    lines = [_breakdown_line(item, unit) for item in (fee.breakdown or [])]
    paras += [line for line in lines if line]
    paras += [
        _("合计：人民币%(amount)s元。") % ctx,
        _("请%(you)s于%(due)s之前（含当日）缴纳。缴纳方式：%(how)s。") % ctx,
        _(
            "自本机关发出收费通知之日起至%(you)s缴纳费用之日止的期间，不计算在答复期限内。%(you)s"
            "逾期未缴纳的，视为放弃申请，本机关不再处理该政府信息公开申请。"
        )
        % ctx,
        _("特此通知。"),
    ]
    return Letter(
        title=_("政府信息公开信息处理费收费通知书"),
        number=_number(application, _("公开收费"), fee.issued_on),
        addressee=f"{application.applicant_name}：",
        paragraphs=paras,
        signature=application.department.name,
        date=fee.issued_on,
        filename_stem=f"{application.tracking_number}-fee",
    )


def _consultation_document(consultation: Consultation) -> Letter:
    """征求意见书 to the third party or agency; the applicant's identity is not disclosed to it."""
    application = consultation.application
    agency = consultation.kind == ConsultationKind.AGENCY
    ctx = {
        "reg": REGULATIONS,
        "received": chinese_date(application.received_on),
        "tracking": application.tracking_number,
        "description": _description(application),
        "due": chinese_date(consultation.due_on),
        "party": _("贵机关") if agency else _("您（贵单位）"),
    }
    paras = [
        _(
            "本机关于%(received)s收到一件政府信息公开申请（申请编号：%(tracking)s），申请获取的信息为："
            "“%(description)s”。"
        )
        % ctx
    ]
    if agency:
        paras += [
            _(
                "经审查，该政府信息的公开需要征求贵机关的意见。根据%(reg)s第三十四条的规定，现征求"
                "贵机关意见，请贵机关自收到本征求意见书之日起15个工作日内，即%(due)s之前（含当日），书面提出"
                "是否同意公开的意见及理由。"
            )
            % ctx,
            _("逾期未提出意见的，视为同意公开。") % ctx,
        ]
    else:
        paras += [
            _(
                "经审查，公开该政府信息可能损害%(party)s的合法权益。根据%(reg)s第三十二条的规定，现"
                "征求%(party)s意见，请自收到本征求意见书之日起15个工作日内，即%(due)s之前（含当日），书面提出"
                "是否同意公开的意见及理由。"
            )
            % ctx,
            _(
                "第三方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大"
                "影响的，可以决定予以公开，并将决定公开的政府信息内容和理由书面告知第三方。逾期未提出"
                "意见的，由本机关依照%(reg)s的规定决定是否公开。"
            )
            % ctx,
        ]
    paras.append(_("特此函询。"))
    siblings = list(application.consultations.order_by("sent_on", "pk").values_list("pk", flat=True))
    index = siblings.index(consultation.pk) + 1 if consultation.pk in siblings else 1
    return Letter(
        title=_("政府信息公开征求意见书"),
        number=_number(application, _("公开征询"), consultation.sent_on, suffix=f"-{index}"),
        addressee=f"{consultation.party_name}：",
        paragraphs=paras,
        signature=application.department.name,
        date=consultation.sent_on,
        filename_stem=f"{application.tracking_number}-consultation-{index}",
    )


# --- renderers ----------------------------------------------------------------------------------

BODY_FONT = "仿宋"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
TITLE_PT = 20
BODY_PT = 14
# Margins in millimetres (GB/T 9704 sets 37/28/35/26 for a printed 公文; a little tighter here).
MARGIN_TOP, MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_RIGHT = 30.0, 28.0, 28.0, 26.0


def render_docx(letter: Letter) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    def east_asian(target: Any, name: str) -> None:
        target.font.name = LATIN_FONT
        r_pr = target.element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), name)

    doc = Document()
    normal = doc.styles["Normal"]
    east_asian(normal, BODY_FONT)
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(BODY_PT * 1.75)

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)

    props = doc.core_properties
    props.title = letter.title
    props.author = letter.signature
    props.subject = letter.number

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    run = footer.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    footer.add_run(" —")

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    title.paragraph_format.line_spacing = Pt(TITLE_PT * 1.5)
    run = title.add_run(letter.title)
    east_asian(run, TITLE_FONT)
    run.font.size = Pt(TITLE_PT)
    run.font.bold = True

    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    number.paragraph_format.space_after = Pt(12)
    number.add_run(letter.number)

    doc.add_paragraph(letter.addressee)
    for text in letter.paragraphs:
        paragraph = doc.add_paragraph(text)
        paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for text in letter.notes:
        doc.add_paragraph(text)

    spacer = doc.add_paragraph()
    spacer.paragraph_format.space_before = Pt(BODY_PT * 2)
    for text in (SEAL, letter.signature, chinese_date(letter.date)):
        paragraph = doc.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


#: Characters that may not begin a line, and those that may not end one (禁则, GB/T 15834 usage).
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·%,.;:?!)]}")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
#: Latin words, numbers, tracking numbers, telephone numbers and addresses stay on one line.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/@:%]*|.", re.S)


def wrap_lines(text: str, width: float, measure: Any) -> list[str]:
    """Break ``text`` into lines of at most ``width`` (``measure(s)`` gives a string's width).

    Chinese breaks between any two characters, except that a closing mark (，。」…) never starts
    a line and an opening mark (《“（…) never ends one: the character before moves down with it.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and measure(token) > width:
            tokens.extend(token)
        else:
            tokens.append(token)
    lines: list[str] = []
    current: list[str] = []
    current_width = 0.0
    for token in tokens:
        token_width = measure(token)
        if current and current_width + token_width > width + 0.01:
            carry: list[str] = []
            if token[0] in _NO_LINE_START:
                while len(current) > 1:
                    item = current.pop()
                    carry.insert(0, item)
                    if item[0] not in _NO_LINE_START:
                        break
            while len(current) > 1 and current[-1][-1] in _NO_LINE_END:
                carry.insert(0, current.pop())
            lines.append("".join(current))
            current = carry
            current_width = sum(measure(t) for t in current)
        current.append(token)
        current_width += token_width
    if current:
        lines.append("".join(current))
    return lines


def render_pdf(letter: Letter) -> bytes:
    """The letter as PDF bytes; raises :class:`FontMissing` when no Chinese font is installed."""
    from fpdf import FPDF

    font = require_cjk_font()
    family = "cjk"
    line_mm = BODY_PT * 0.3528 * 1.75
    title_line_mm = TITLE_PT * 0.3528 * 1.5
    indent = "\u3000\u3000"

    class LetterPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-16)
            self.set_font(family, size=10)
            self.set_text_color(60, 60, 60)
            self.cell(0, 6, f"— {self.page_no()} —", align="C")

    pdf = LetterPdf(orientation="P", unit="mm", format="A4")
    pdf.add_font(family, fname=font.path, collection_font_number=font.index)
    pdf.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM)
    pdf.set_title(letter.title)
    pdf.set_subject(letter.number)
    pdf.set_author(letter.signature)
    pdf.set_creator("Gongkai")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    pdf.set_text_color(0, 0, 0)

    def measure(s: str) -> float:
        return float(pdf.get_string_width(s))

    def lines_of(text: str) -> list[str]:
        return wrap_lines(text, pdf.epw, measure)

    def draw(lines: list[str], height: float, align: str = "L", justify: bool = False) -> None:
        em = measure("\u3000")
        for index, line in enumerate(lines):
            spacing = 0.0
            if justify and index < len(lines) - 1 and len(line) > 1:
                extra = pdf.epw - measure(line)
                if 0 < extra < 1.5 * em:
                    spacing = extra / (len(line) - 1)
            pdf.set_char_spacing(spacing)
            pdf.cell(pdf.epw, height, line, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_char_spacing(0)

    pdf.set_font(family, size=TITLE_PT)
    draw(lines_of(letter.title), title_line_mm, align="C")
    pdf.ln(3)
    pdf.set_font(family, size=BODY_PT)
    draw([letter.number], line_mm, align="R")
    pdf.ln(3)
    draw(lines_of(letter.addressee), line_mm)
    signature = [SEAL, letter.signature, chinese_date(letter.date)]
    gap = 10.0
    for number, text in enumerate(letter.paragraphs, start=1):
        lines = lines_of(indent + text)
        if number == len(letter.paragraphs) and not letter.notes and len(lines) <= 3:
            # The closing line goes with the signature: a page never holds the signature alone.
            if pdf.will_page_break(line_mm * (len(lines) + len(signature)) + gap):
                pdf.add_page()
        draw(lines, line_mm, justify=True)
    for text in letter.notes:
        draw(lines_of(text), line_mm)

    if pdf.will_page_break(line_mm * len(signature) + gap):
        pdf.add_page()
    pdf.ln(gap)
    right = measure(indent)
    for text in signature:
        pdf.set_x(pdf.l_margin)
        pdf.cell(pdf.epw - right, line_mm, text, align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _files(letter: Letter) -> LetterFiles:
    return LetterFiles(docx=render_docx(letter), filename_stem=letter.filename_stem, letter=letter)


# --- public API ---------------------------------------------------------------------------------


def reply_letter(*, reply: Reply) -> LetterFiles:
    """The 答复书 of ``reply`` as DOCX and PDF (``.pdf`` raises ``FontMissing`` without a CJK font)."""
    return _files(_reply_document(reply))


def notice_letter(
    *, kind: str, application: Application | None = None, consultation: Consultation | None = None
) -> LetterFiles:
    """A notice to the applicant (or, for ``consultation``, to the consulted party).

    ``kind`` is one of :data:`NOTICE_KINDS`; ``consultation`` takes ``consultation=`` instead of
    ``application=``. Raises ``ValueError`` when the application has no record of that kind;
    reading ``.pdf`` raises ``FontMissing`` without a CJK font.
    """
    if kind == "consultation":
        if consultation is None:
            raise ValueError(_("征求意见书需要指定征求意见记录。"))
        return _files(_consultation_document(consultation))
    if application is None:
        raise ValueError(_("需要指定申请。"))
    builders = {
        "receipt": _receipt_document,
        "correction": _correction_document,
        "extension": _extension_document,
        "fee": _fee_document,
    }
    if kind not in builders:
        raise ValueError(_("未知的告知书类型：%(kind)s") % {"kind": kind})
    return _files(builders[kind](application))


def reply_letter_attach(*, reply: Reply) -> None:
    """Generate the 答复书 and store it in ``reply.letter_docx`` / ``reply.letter_pdf``.

    Saves only those two fields. Without a CJK font the DOCX is stored alone (the PDF field is
    cleared) and a warning is logged. Files replaced by a new letter are deleted once the
    transaction commits.
    """
    letter = _reply_document(reply)
    stem = letter.filename_stem
    old = [f.name for f in (reply.letter_docx, reply.letter_pdf) if f]
    reply.letter_docx.save(f"{stem}.docx", ContentFile(render_docx(letter)), save=False)
    try:
        pdf = render_pdf(letter)
    except FontMissing:
        logger.warning(
            "disclosure letters: no CJK font, reply %s stored as DOCX only", reply.pk, exc_info=True
        )
        reply.letter_pdf = ""  # type: ignore[assignment]
    else:
        reply.letter_pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    reply.save(update_fields=["letter_docx", "letter_pdf"])
    current = {reply.letter_docx.name, reply.letter_pdf.name if reply.letter_pdf else None}
    stale = [name for name in old if name and name not in current]
    if stale:
        storage = reply.letter_docx.storage

        def _delete() -> None:
            for name in stale:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("disclosure letters: could not delete %s", name, exc_info=True)

        transaction.on_commit(_delete)
