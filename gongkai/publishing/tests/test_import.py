import datetime

import pytest
from django.utils import timezone

from gongkai.publishing import importer
from gongkai.publishing.models import CatalogueEntry, InterpretationPage, PolicyDocumentPage

pytestmark = pytest.mark.django_db

HEADER = "type,title,department,index_number,document_number,written_on,published_at,category,body,policy\n"


def _write(tmp_path, text, name="metadata.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_creates_and_is_idempotent(tree, office, tmp_path):
    code = office.credit_code
    path = _write(
        tmp_path,
        HEADER
        + f"政策文件,关于做好供热工作的通知,bangongting,{code}/2025-00014,吉市政办发(2025)14号,2025年09月30日,2025-10-09,城乡建设,供热期为每年10月25日至次年4月5日。,\n"
        + f"interpretation,供热通知解读,bangongting,,,,2025-10-10 14:00,,室温不低于18℃。,{code}/2025-00014\n",
    )
    result = importer.import_path(path, publish=True, reason="测试")
    assert len(result.created) == 2 and not result.drafts
    policy = PolicyDocumentPage.objects.get(index_number=f"{code}/2025-00014")
    assert policy.live and policy.document_number == "吉市政办发〔2025〕14号"
    assert timezone.localdate(policy.first_published_at) == datetime.date(2025, 10, 9)
    assert policy.category.name == "城乡建设"
    interpretation = InterpretationPage.objects.get()
    assert interpretation.policy_id == policy.pk
    assert interpretation.index_number == f"{code}/2025-00015"  # the counter continues after 00014
    again = importer.import_path(path, publish=True, reason="测试")
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 2
    assert CatalogueEntry.objects.count() == 2


def test_import_is_all_or_nothing_with_row_numbers(tree, office, departments, tmp_path):
    code = office.credit_code
    future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    path = _write(
        tmp_path,
        HEADER
        + "policy,正常的文件,bangongting,,吉市政办发〔2025〕1号,2025-01-05,,,正文,\n"
        + f"policy,未来的文件,bangongting,,吉市政办发〔2025〕2号,{future},,,正文,\n"
        + "policy,重复字号,bangongting,,吉市政办发(2025)1号,2025-02-01,,,正文,\n"
        + f"policy,错误索引号,bangongting,{departments['renshe'].credit_code}/2025-00001,,2025-03-01,,,正文,\n"
        + f"policy,年份不符,bangongting,{code}/2024-00001,,2025-03-01,,,正文,\n"
        + "policy,没有机构,nowhere,,,2025-03-01,,,正文,\n"
        + "interpretation,没有政策,bangongting,,,,,,正文,\n",
    )
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_path(path, publish=True, reason="测试")
    rows = {(error.row, error.column) for error in exc.value.errors}
    assert (3, "written_on") in rows
    assert (4, "document_number") in rows
    assert (5, "index_number") in rows and (6, "index_number") in rows
    assert (7, "department") in rows and (8, "policy") in rows
    assert "第 3 行（written_on）：成文日期不能晚于今天。" in str(exc.value)
    assert CatalogueEntry.objects.count() == 0 and PolicyDocumentPage.objects.count() == 0


def test_unknown_column_and_empty_file(tree, tmp_path):
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_path(_write(tmp_path, "type,title,department,colour\n"))
    assert "未知的列“colour”" in str(exc.value)
    with pytest.raises(importer.ImportFailed):
        importer.import_path(_write(tmp_path, "", "empty.csv"))


def test_folder_import_with_body_files_and_attachments(tree, office, tmp_path):
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "notice.html").write_text(
        "<p>报名时间：4月20日。</p><script>alert(1)</script>", encoding="utf-8"
    )
    (tmp_path / "bodies" / "plain.txt").write_text("第一段。\n\n第二段。", encoding="utf-8")
    (tmp_path / "table.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (tmp_path / "fake.pdf").write_bytes(b"#!/bin/sh\necho not a pdf\n")
    good = (
        "type,title,department,formed_at,body_file,attachments\n"
        "announcement,招聘公告,renshe,2026-04-15,bodies/notice.html,table.pdf\n"
        "announcement,停水通知,bangongting,2026-04-16,bodies/plain.txt,\n"
    )
    _write(tmp_path, good)
    result = importer.import_path(tmp_path)
    assert len(result.created) == 2 and len(result.drafts) == 2  # without --publish: drafts
    entry = CatalogueEntry.objects.get(title="招聘公告")
    page = entry.page.specific
    assert "script" not in page.body and "报名时间" in page.body
    assert [a.document.file_extension for a in page.attachments.all()] == ["pdf"]
    assert CatalogueEntry.objects.get(title="停水通知").page.specific.body == "<p>第一段。</p><p>第二段。</p>"
    _write(tmp_path, good.replace("table.pdf", "fake.pdf").replace("招聘公告", "另一个公告"))
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_path(tmp_path)
    assert exc.value.errors[0].column == "attachments" and "类型不允许" in exc.value.errors[0].message
    _write(tmp_path, good.replace("bodies/notice.html", "../outside.txt").replace("招聘公告", "另一个公告"))
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_path(tmp_path)
    assert "不在导入文件夹内" in str(exc.value)


def test_command_reports_errors(tree, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    path = _write(tmp_path, "type,title,department\npolicy,,bangongting\n")
    with pytest.raises(CommandError):
        call_command("publishing", "import", str(path))
    assert "第 2 行（title）" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("publishing", "import", str(path), "--publish")


def _release_channels(page):
    from gongkai.publishing.channels.models import ChannelRelease

    return sorted(ChannelRelease.objects.filter(page_id=page.pk).values_list("channel", flat=True))


def test_published_import_goes_to_the_website_only_unless_asked(tree, office, tmp_path, settings):
    from gongkai.core.outbox.models import OutboxMessage

    settings.GONGKAI_RELEASE_CHANNELS = ["weibo", "wechat_mp"]
    code = office.credit_code
    path = _write(
        tmp_path,
        HEADER
        + f"通知公告,关于春节期间供热保障的通知,bangongting,{code}/2025-00031,,,2025-01-20,,节日期间供热热线24小时值守。,\n",
    )
    importer.import_path(path, publish=True, reason="原网站已发布")
    page = CatalogueEntry.objects.get().page
    assert _release_channels(page) == ["website"]
    assert not OutboxMessage.objects.filter(channel__in=["weibo", "wechat_mp"]).exists()

    path2 = _write(
        tmp_path,
        HEADER
        + f"通知公告,关于元宵节灯会交通管制的通告,bangongting,{code}/2025-00032,,,2025-02-10,,灯会期间江南公园周边道路临时管制。,\n",
        name="second.csv",
    )
    importer.import_path(path2, publish=True, reason="原网站已发布", release_channels=True)
    page2 = CatalogueEntry.objects.get(index_number=f"{code}/2025-00032").page
    assert _release_channels(page2) == ["website", "wechat_mp", "weibo"]
    assert OutboxMessage.objects.filter(channel__in=["weibo", "wechat_mp"]).count() == 2


def test_command_release_channels_needs_publish(tree, tmp_path):
    from django.core.management import CommandError, call_command

    path = _write(tmp_path, HEADER)
    with pytest.raises(CommandError, match="--release-channels"):
        call_command("publishing", "import", str(path), "--release-channels")
