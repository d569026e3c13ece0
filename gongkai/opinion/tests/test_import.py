"""`gongkai opinion import FILE`: JSONL and CSV, bad lines reported by number, idempotent re-runs."""

from __future__ import annotations

import importlib.util
import io
import json

import pytest
from django.core.management import CommandError, call_command

from gongkai.opinion import services
from gongkai.opinion.models import IngestClient, Post, Source

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("opinion", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def line(external_id, text="松江路停水三天了", **extra):
    return json.dumps({"external_id": external_id, "text": text, "published_at": "2026-06-01T09:00:00+08:00", **extra},
                      ensure_ascii=False)  # fmt: skip


def test_jsonl_bad_lines_are_reported_with_their_numbers_and_the_rest_taken(tmp_path, source):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "\n".join([
            line("1"),
            "{not json",
            "",
            line("2", published_at="not a date"),
            line("3", "今天天气不错", likes=3),
            json.dumps(["a list"]),
            line("4", mood="angry"),
        ]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out, err = run("import", str(path), "--source", "vendor-a")
    assert "created 2" in out and "bad 4" in out
    reported = [row.split(" / ")[0] for row in err.strip().splitlines()]
    assert reported == ["第 2 行", "第 4 行", "第 6 行", "第 7 行"]
    assert "published_at" in err and "mood" in err
    assert sorted(Post.objects.values_list("external_id", flat=True)) == ["1", "3"]
    assert Post.objects.get(external_id="3").likes == 3

    out, _err = run("import", str(path), "--source", "vendor-a")  # a second run stores nothing twice
    assert "created 0" in out and "already stored 2" in out
    assert Post.objects.count() == 2


def test_csv_with_a_bom_quoted_newlines_and_chinese_booleans(tmp_path, source):
    path = tmp_path / "posts.csv"
    path.write_text(
        "external_id,text,published_at,author,verified,likes,place\r\n"
        '1,"第一行\r\n第二行",2026-06-01 09:00:00,张三,是,5,吉林市\r\n'
        "2,坏日期,someday,李四,否,,\r\n"
        "3,今天天气不错,2026-06-01T10:00:00+08:00,王五,,,\r\n"
        "4,多了一格,2026-06-01T10:00:00+08:00,赵六,,,,extra\r\n",
        encoding="utf-8-sig",
    )
    out, err = run("import", str(path), "--source", "vendor-a")
    assert "created 2" in out and "bad 2" in out
    assert [row.split(" / ")[0] for row in err.strip().splitlines()] == ["第 4 行", "第 6 行"]
    first = Post.objects.get(external_id="1")
    assert first.text == "第一行\r\n第二行" and first.verified and first.likes == 5 and first.author == "张三"
    assert not Post.objects.get(external_id="3").verified


def test_a_csv_in_gb18030_with_the_encoding_option(tmp_path, source):
    path = tmp_path / "posts.csv"
    path.write_bytes("external_id,text,published_at\n1,暖气不热,2026-06-01 09:00\n".encode("gb18030"))
    with pytest.raises(CommandError, match="--encoding"):
        run("import", str(path), "--source", "vendor-a")
    out, _err = run("import", str(path), "--source", "vendor-a", "--encoding", "gb18030")
    assert "created 1" in out and Post.objects.get().text == "暖气不热"


def test_a_csv_with_an_unknown_or_missing_column_imports_nothing(tmp_path, source):
    path = tmp_path / "posts.csv"
    path.write_text("external_id,content,published_at\n1,停水,2026-06-01 09:00\n", encoding="utf-8")
    with pytest.raises(CommandError, match="content"):
        run("import", str(path), "--source", "vendor-a")
    assert not Post.objects.exists()


def test_an_unknown_source_is_refused_unless_asked_to_create_it(tmp_path, db):
    path = tmp_path / "posts.jsonl"
    path.write_text(line("1") + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="archive-2025"):
        run("import", str(path), "--source", "archive-2025")
    out, _err = run("import", str(path), "--source", "archive-2025", "--create-source")
    assert "created 1" in out and Source.objects.get(code="archive-2025").kind == "file"


def test_a_dry_run_writes_nothing(tmp_path, source):
    path = tmp_path / "posts.jsonl"
    path.write_text(line("1") + "\n" + line("2", published_at="x") + "\n", encoding="utf-8")
    out, err = run("import", str(path), "--source", "vendor-a", "--dry-run")
    assert "1 good" in out and "第 2 行" in err and not Post.objects.exists()


def test_batches_are_ingested_in_order_and_line_numbers_survive_them(tmp_path, source):
    path = tmp_path / "posts.jsonl"
    rows = [line(str(i), f"第{i}条") for i in range(1, 8)]
    rows[4] = line("x" * 201)  # line 5, in the third batch of two
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out, err = run("import", str(path), "--source", "vendor-a", "--batch-size", "2")
    assert "created 6" in out and err.startswith("第 5 行")


def test_a_missing_file_or_format_is_a_clear_error(tmp_path, source):
    with pytest.raises(CommandError, match="cannot read"):
        run("import", str(tmp_path / "nope.jsonl"), "--source", "vendor-a")
    odd = tmp_path / "posts.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(CommandError, match="--format"):
        run("import", str(odd), "--source", "vendor-a")


def test_client_add_prints_the_key_once_and_it_works(source):
    out, _err = run("client-add", "甲公司", "--source", "vendor-a", "--per-minute", "100")
    key = out.strip().splitlines()[-1]
    assert services.ingest_client_authenticate(key) == IngestClient.objects.get(name="甲公司")
    assert IngestClient.objects.get().per_minute_quota == 100


def test_source_add_checks_the_code(db):
    run("source-add", "rss-jlnews", "--name", "江城日报", "--kind", "rss", "--url", "https://example.org/rss")
    assert Source.objects.get(code="rss-jlnews").kind == "rss"
    with pytest.raises(CommandError):
        run("source-add", "not a slug!")


@pytest.mark.skipif(
    importlib.util.find_spec("gongkai.opinion.analysis.sentiment") is None, reason="no sentiment module yet"
)
def test_sentiment_retrain_uses_the_corrections_and_the_pipelines_load_it(
    tmp_path, settings, source, analyst
):
    from gongkai.opinion import pipeline as pipelines
    from gongkai.opinion.tests.conftest import raw

    settings.GONGKAI_OPINION_SENTIMENT_MODEL = str(tmp_path / "model.npz")
    with pytest.raises(CommandError, match="校正"):
        run("sentiment-retrain", "--corrections-only")
    services.ingest_posts(
        source, [raw("1", "松江路停水三天没人管"), raw("2", "感谢供水公司连夜抢修", minutes=1)]
    )
    for external_id, label in (("1", "negative"), ("2", "positive")):
        services.post_sentiment_correct(
            post=Post.objects.get(external_id=external_id), sentiment=label, actor=analyst
        )
    with pipelines.worker_pipeline() as pipeline:
        assert pipeline.sentiment_version is None  # the shipped model
    out, _err = run("sentiment-retrain", "--corrections-only")
    assert "2" in out and (tmp_path / "model.npz").exists()
    with pipelines.worker_pipeline() as pipeline:  # the next batch loads the retrained model
        assert pipeline.sentiment_version is not None
        assert pipeline.sentiment.info["corrections"] == 2
        assert (
            pipeline.sentiment.predict_many([pipeline.normalize("松江路停水三天没人管")])[0][0] == "negative"
        )
