"""normalize(): one canonical text for every later stage; fingerprint(): the exact-duplicate key."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from gongkai.opinion.analysis.normalize import EMOJI_TOKENS, fingerprint, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("這個問題很嚴重，請有關部門儘快處理", "这个问题很严重，请有关部门尽快处理"),
        ("吉林市發佈暴雨預警", "吉林市发布暴雨预警"),
        ("回覆樓主：這個乾淨", "回复楼主：这个干净"),  # phrase-level conversion (覆 alone stays 覆)
        ("简体字不变，也不会被改动", "简体字不变，也不会被改动"),
    ],
)
def test_traditional_to_simplified(raw, expected):
    assert normalize(raw) == expected


def test_full_width_ascii_becomes_half_width_but_chinese_punctuation_stays():
    assert normalize("ＡＢＣ１２３＃话题＃＠吉林发布") == "abc123#话题#@吉林发布"
    assert normalize("价格３．５元／斤％") == "价格3.5元/斤%"
    # the sentence punctuation of Chinese text is kept as written
    assert normalize("真的吗？太好了！时间：今天；地点（江南公园），完。") == (
        "真的吗？太好了！时间：今天；地点（江南公园），完。"
    )
    assert normalize("《通知》「原文」【转】、…") == "《通知》「原文」【转】、…"
    # the ideographic space is a space, and spaces collapse
    assert normalize("吉林\u3000\u3000市") == "吉林 市"


def test_compatibility_ideographs_are_unified():
    assert normalize("\uf900") == normalize("豈")


def test_emoji_become_short_tokens_or_go():
    assert normalize("好开心😂") == "好开心 :joy:"
    assert normalize("❤️❤️吉林") == ":heart: :heart: 吉林"  # with the variation selector
    assert normalize("点赞👍🏻") == "点赞 :thumbsup:"  # skin tone dropped
    assert normalize("气死了😡😡") == "气死了 :angry: :angry:"
    # emoji without a token disappear without splitting the words around them
    assert normalize("暖气🦄不热") == "暖气不热"
    assert normalize("一家人👨\u200d👩\u200d👧出游") == "一家人出游"
    assert normalize("国旗🇨🇳飘扬") == "国旗飘扬"
    # Weibo's bracket emoticons are words and stay; so do ○ in dates and ① lists
    assert normalize("[哈哈][怒]二○二六年①") == "[哈哈][怒]二○二六年①"
    assert all(token.startswith(":") and token.endswith(":") for token in EMOJI_TOKENS.values())


def test_invisible_characters_go():
    assert normalize("吉\u200b林\ufeff市\u200d") == "吉林市"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("看这个 https://weibo.com/123?from=a&b=1 很重要", "看这个 :url: 很重要"),
        ("全文见http://t.cn/A6abcD1快转", "全文见 :url: 快转"),
        ("官网 www.jlcity.gov.cn/zwgk/ 有通知", "官网 :url: 有通知"),
        ("短链 t.cn/RxYz12 看看", "短链 :url: 看看"),
        ("ＨＴＴＰＳ：／／ＥＸＡＭＰＬＥ．ＣＯＭ", ":url:"),
        ("HTTP://Example.COM/Path 大写", ":url: 大写"),
        ("看http://t.cn/abc😂太好了", "看 :url: :joy: 太好了"),
    ],
)
def test_links_become_a_token(raw, expected):
    assert normalize(raw) == expected


def test_latin_lowercase_and_whitespace():
    assert normalize("  Hello\tWORLD\n\n吉林   Jilin  ") == "hello world 吉林 jilin"
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""


def test_normalize_is_idempotent():
    samples = [
        "#吉林市暴雨# 船營區解放路積水嚴重！！@吉林發佈 http://t.cn/A6abc 😂😂",
        "ＡＢＣ１２３，吉林　市＃話題＃",
        "好开心😂👍🏻❤️在💪家",
        "回覆樓主：這個乾淨 www.x.cn",
        "[doge] 转发微博 //@江城观察: 原文",
    ]
    for sample in samples:
        once = normalize(sample)
        assert normalize(once) == once


def test_fingerprint_is_a_stable_signed_64_bit_blake2b():
    text = normalize("吉林市发布暴雨预警")
    value = fingerprint(text)
    assert -(2**63) <= value < 2**63
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    assert value == int.from_bytes(digest, "little", signed=True)
    assert fingerprint(text) == value
    assert fingerprint(text + "。") != value
    assert fingerprint("") == int.from_bytes(
        hashlib.blake2b(b"", digest_size=8).digest(), "little", signed=True
    )


def test_fingerprint_is_the_same_in_another_process():
    text = "船营区解放路积水严重"
    code = f"from gongkai.opinion.analysis.normalize import fingerprint;print(fingerprint({text!r}))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert int(out.stdout) == fingerprint(text)
