"""The letters: every reply type and notice kind as DOCX and PDF, with the right article and dates."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gongkai.disclosure import letters
from gongkai.disclosure.grounds import ALLOWED_GROUNDS, Ground, ReplyType
from gongkai.disclosure.models import (
    ApplicantType,
    Application,
    Consultation,
    ConsultationKind,
    CorrectionNotice,
    Extension,
    FeeMethod,
    FeeNotice,
    IdType,
    IntakeChannel,
    Reply,
    Status,
)
from gongkai.opinion.reports import fonts

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "220202199001011234"
PHONE = "13812345678"
NAME = "欧阳明华"

needs_cjk_font = pytest.mark.skipif(
    fonts.find_cjk_font() is None, reason="no CJK font installed (.ci/run installs fonts-noto-cjk)"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _application(tree, **extra) -> Application:
    fields = {
        "tracking_number": "YSQ2026-000123",
        "query_code_hash": "x",
        "department": tree["dept_a"],
        "applicant_type": ApplicantType.NATURAL_PERSON,
        "applicant_name": NAME,
        "id_type": IdType.RESIDENT_ID,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "description": f"2025年松江路棚户区改造项目的征收补偿方案（联系我：{PHONE}，身份证{ID_NUMBER}）",
        "channel": IntakeChannel.ONLINE,
        "submitted_at": datetime.datetime(2026, 5, 4, 10, 0, tzinfo=TZ),
        "received_on": datetime.date(2026, 5, 4),
        "status": Status.HANDLING,
        "reply_due_on": datetime.date(2026, 6, 2),
    }
    fields.update(extra)
    return Application.objects.create(**fields)


def _reply(application: Application, reply_type: str, ground: str, **extra) -> Reply:
    fields = {
        "reply_type": reply_type,
        "ground": ground,
        "replied_on": datetime.date(2026, 6, 1),
        "body": f"答复正文。如有疑问请致电0432-62012345。申请人电话{PHONE}。",
    }
    fields.update(extra)
    return Reply.objects.create(application=application, **fields)


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages).replace("\x00", ""))


#: What each reply type's letter must cite.
ARTICLE = {
    ReplyType.ALREADY_PUBLIC: "第三十六条第（一）项",
    ReplyType.DISCLOSED: "第三十六条第（二）项",
    ReplyType.PARTIAL: "第三十七条",
    ReplyType.WITHHELD: "第三十六条第（三）项",
    ReplyType.NOT_EXIST: "第三十六条第（四）项",
    ReplyType.NOT_THIS_AGENCY: "第三十六条第（五）项",
    ReplyType.DUPLICATE: "第三十六条第（六）项",
    ReplyType.SPECIAL_PROCEDURE: "第三十六条第（七）项",
}


def test_reply_letter_for_every_reply_type(tree, monkeypatch):
    monkeypatch.setattr(letters, "render_pdf", lambda letter: b"%PDF-stub")
    for reply_type in ReplyType.values:
        ground = ALLOWED_GROUNDS[reply_type][0]
        application = _application(tree, tracking_number=f"YSQ2026-{ReplyType.values.index(reply_type):06d}")
        extra = {}
        if reply_type == ReplyType.PARTIAL:
            extra["partial_withheld_ground"] = Ground.WITHHELD_THIRD_PARTY
        if reply_type == ReplyType.NOT_THIS_AGENCY:
            extra.update(other_agency="吉林市自然资源局", other_agency_contact="0432-62099999")
        reply = _reply(application, reply_type, ground, **extra)
        files = letters.reply_letter(reply=reply)
        text = _docx_text(files.docx)
        assert files.pdf == b"%PDF-stub"
        assert "政府信息公开申请答复书" in text
        assert f"市住建局公开〔2026〕第{application.tracking_number}号" in text
        assert f"{NAME}：" in text
        assert "2026年5月4日" in text and "2026年6月1日" in text
        assert "吉林市住房和城乡建设局" in text and "（印章）" in text
        if reply_type not in (ReplyType.ALREADY_PUBLIC, ReplyType.DISCLOSED):
            assert str(Ground(ground).label) in text, reply_type
        assert "答复正文。" in text and "0432-62012345" in text
        assert ID_NUMBER not in text and PHONE not in text
        assert "六十日内" in text and "行政复议" in text
        if reply_type in ARTICLE:
            assert ARTICLE[reply_type] in text, reply_type
        assert NAME not in files.filename_stem


def test_reply_letter_wording_per_ground(tree, monkeypatch):
    monkeypatch.setattr(letters, "render_pdf", lambda letter: b"")
    app = _application(tree)
    reply = _reply(
        app, ReplyType.PARTIAL, Ground.PARTIAL, partial_withheld_ground=Ground.WITHHELD_PROCESS_INFO
    )
    text = _docx_text(letters.reply_letter(reply=reply).docx)
    assert "属于四类过程性信息" in text and "第十六条第二款" in text and "第三十七条" in text
    assert "应当先申请行政复议" in text  # 行政复议法第二十三条: 不予公开 → reconsideration first

    reply.reply_type, reply.ground = ReplyType.WITHHELD, Ground.WITHHELD_STATE_SECRET
    text = _docx_text(letters.reply_letter(reply=reply).docx)
    assert "属于国家秘密" in text and "第十四条" in text and "不予公开" in text

    reply.reply_type, reply.ground = ReplyType.NOT_PROCESSED, Ground.NOT_PROCESSED_PETITION
    text = _docx_text(letters.reply_letter(reply=reply).docx)
    assert "第三十九条第一款" in text and "信访举报投诉类申请" in text
    assert "或者在六个月内依法提起行政诉讼" in text

    reply.ground = Ground.NOT_PROCESSED_EXCESSIVE
    assert "第三十五条" in _docx_text(letters.reply_letter(reply=reply).docx)

    reply.reply_type, reply.ground = ReplyType.NOT_EXIST, Ground.UNAVAILABLE_NEEDS_CREATION
    assert "第三十八条" in _docx_text(letters.reply_letter(reply=reply).docx)

    CorrectionNotice.objects.create(
        application=app,
        issued_on=datetime.date(2026, 5, 6),
        items="请写明文件名称",
        due_on=datetime.date(2026, 5, 20),
    )
    app.refresh_from_db()
    reply = Reply.objects.get(pk=reply.pk)
    reply.reply_type, reply.ground = ReplyType.TERMINATED, Ground.OTHER_NO_CORRECTION
    text = _docx_text(letters.reply_letter(reply=reply).docx)
    assert "第三十条" in text and "2026年5月20日" in text and "视为放弃申请" in text


def test_notice_letters(tree, users, monkeypatch):
    monkeypatch.setattr(letters, "render_pdf", lambda letter: b"")
    app = _application(tree)
    text = _docx_text(letters.notice_letter(kind="receipt", application=app).docx)
    assert "登记回执" in text and "第三十一条" in text and "2026年5月4日" in text and "2026年6月2日" in text

    CorrectionNotice.objects.create(
        application=app,
        issued_on=datetime.date(2026, 5, 6),
        items="请写明所需信息的文件名称或文号\n请提供有效联系方式",
        due_on=datetime.date(2026, 5, 20),
    )
    Extension.objects.create(
        application=app,
        days=15,
        reason="所需信息涉及多个年度的档案，检索工作量较大",
        requested_by=users["clerk_a"],
        requested_at=datetime.datetime(2026, 5, 25, 9, tzinfo=TZ),
        approved_by=users["office_head"],
        approved_at=datetime.datetime(2026, 5, 26, 9, tzinfo=TZ),
        notified_on=datetime.date(2026, 5, 26),
    )
    FeeNotice.objects.create(
        application=app,
        method=FeeMethod.PER_PAGE,
        quantity=120,
        amount=Decimal("1100.00"),
        breakdown=[
            {"label": "第1–30页（免费）", "quantity": 30, "unit_price": "0", "amount": "0"},
            {"label": "第31–100页", "quantity": 70, "unit_price": "10", "amount": "700"},
            {"label": "第101–120页", "quantity": 20, "unit_price": "20", "amount": "400"},
        ],
        issued_on=datetime.date(2026, 5, 27),
        pay_by=datetime.date(2026, 6, 24),
    )
    app = Application.objects.get(pk=app.pk)
    text = _docx_text(letters.notice_letter(kind="correction", application=app).docx)
    assert "补正告知书" in text and "第三十条" in text and "2026年5月20日" in text
    assert "1. 请写明所需信息的文件名称或文号" in text and "视为放弃申请" in text

    text = _docx_text(letters.notice_letter(kind="extension", application=app).docx)
    assert "延期答复告知书" in text and "15个工作日" in text and "2026年6月2日" in text
    assert "检索工作量较大" in text and "第三十三条" in text

    text = _docx_text(letters.notice_letter(kind="fee", application=app).docx)
    assert "收费通知书" in text and "按量计收" in text and "1,100.00" in text
    assert "第101–120页：20页×20.00元/页＝400.00元" in text and "第1–30页（免费）：30页，不收费" in text
    assert "2026年6月24日" in text
    assert "国办函〔2020〕109号" in text and "视为放弃申请" in text

    consultation = Consultation.objects.create(
        application=app,
        kind=ConsultationKind.AGENCY,
        party_name="吉林市自然资源局",
        sent_on=datetime.date(2026, 5, 8),
        due_on=datetime.date(2026, 5, 29),
    )
    files = letters.notice_letter(kind="consultation", consultation=consultation)
    text = _docx_text(files.docx)
    assert "征求意见书" in text and "第三十四条" in text and "15个工作日" in text and "视为同意公开" in text
    assert "2026年5月29日" in text and "吉林市自然资源局：" in text
    assert NAME not in text  # the applicant's identity is not given to the consulted party
    for kind in ("receipt", "correction", "extension", "fee"):
        text = _docx_text(letters.notice_letter(kind=kind, application=app).docx)
        assert ID_NUMBER not in text and PHONE not in text


@needs_cjk_font
def test_pdf_has_the_same_text(tree):
    app = _application(tree)
    reply = _reply(app, ReplyType.WITHHELD, Ground.WITHHELD_THIRD_PARTY)
    files = letters.reply_letter(reply=reply)
    assert files.pdf.startswith(b"%PDF-")
    text = _pdf_text(files.pdf)
    assert "政府信息公开申请答复书" in text and "第十五条" in text and "保护第三方合法权益" in text
    assert "2026年6月1日" in text and "2026年5月4日" in text and "—1—" in text
    assert ID_NUMBER not in text and PHONE not in text


def test_attach_stores_files_without_the_applicant_name(tree):
    app = _application(tree)
    reply = _reply(app, ReplyType.DISCLOSED, Ground.DISCLOSED)
    letters.reply_letter_attach(reply=reply)
    reply.refresh_from_db()
    assert reply.letter_docx.name.startswith("disclosure/letters/")
    assert NAME not in reply.letter_docx.name
    if fonts.find_cjk_font() is not None:
        assert reply.letter_pdf.name.endswith(".pdf") and NAME not in reply.letter_pdf.name


def test_attach_without_font_saves_the_docx(tree, settings, monkeypatch, caplog):
    settings.GONGKAI_OPINION_REPORT_FONTS = ["/nonexistent/font.ttc"]
    monkeypatch.setattr(fonts, "_fontconfig_candidates", lambda: [])
    fonts._find.cache_clear()
    try:
        app = _application(tree)
        reply = _reply(app, ReplyType.DISCLOSED, Ground.DISCLOSED)
        letters.reply_letter_attach(reply=reply)
        reply.refresh_from_db()
        assert reply.letter_docx and not reply.letter_pdf
        assert "DOCX only" in caplog.text
        files = letters.reply_letter(reply=reply)
        assert "政府信息公开申请答复书" in _docx_text(files.docx)  # the DOCX needs no font
        with pytest.raises(letters.FontMissing):
            files.pdf  # noqa: B018
    finally:
        fonts._find.cache_clear()


def test_organisation_is_addressed_as_such_and_missing_records_are_refused(tree, monkeypatch):
    monkeypatch.setattr(letters, "render_pdf", lambda letter: b"")
    app = _application(
        tree,
        applicant_type=ApplicantType.LEGAL_SERVICE,
        applicant_name="吉林某某律师事务所",
        id_type=IdType.CREDIT_CODE,
        id_number="91220200MA0000000X",
    )
    reply = _reply(app, ReplyType.NOT_EXIST, Ground.UNAVAILABLE_NOT_HELD)
    text = _docx_text(letters.reply_letter(reply=reply).docx)
    assert "吉林某某律师事务所：" in text and "你单位" in text and "您" not in text
    for kind in ("correction", "extension", "fee"):
        with pytest.raises(ValueError):
            letters.notice_letter(kind=kind, application=app)
    with pytest.raises(ValueError):
        letters.notice_letter(kind="nonsense", application=app)
    with pytest.raises(ValueError):
        letters.notice_letter(kind="consultation", application=app)


def test_lines_break_by_the_chinese_rules():
    def measure(s: str) -> float:
        return float(len(s))

    lines = letters.wrap_lines("一二三四五，六七八“九十”。电话0432-62012345", 5, measure)
    assert "".join(lines) == "一二三四五，六七八“九十”。电话0432-62012345"
    assert all(line[0] not in "，。”" for line in lines)
    assert all(line[-1] != "“" for line in lines)
    # Numbers stay whole; only a token longer than a line is split.
    assert letters.wrap_lines("一二三四五六七八九十0432-62012345", 15, measure) == [
        "一二三四五六七八九十",
        "0432-62012345",
    ]
    assert letters.wrap_lines("ABCDEFGHIJKL", 5, measure) == ["ABCDE", "FGHIJ", "KL"]


@needs_cjk_font
def test_notice_pdf(tree):
    app = _application(tree)
    text = _pdf_text(letters.notice_letter(kind="receipt", application=app).pdf)
    assert "政府信息公开申请登记回执" in text and "第三十一条" in text and "2026年6月2日" in text
    assert PHONE not in text and ID_NUMBER not in text


def test_attach_again_replaces_the_files(tree, django_capture_on_commit_callbacks):
    app = _application(tree)
    reply = _reply(app, ReplyType.DISCLOSED, Ground.DISCLOSED)
    letters.reply_letter_attach(reply=reply)
    first = reply.letter_docx.name
    storage = reply.letter_docx.storage
    with django_capture_on_commit_callbacks(execute=True):
        letters.reply_letter_attach(reply=Reply.objects.get(pk=reply.pk))
    reply.refresh_from_db()
    assert reply.letter_docx.name != first and storage.exists(reply.letter_docx.name)
    assert not storage.exists(first)
