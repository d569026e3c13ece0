"""Place tagging to Jilin City's districts, county, county-level cities and development zones."""

from __future__ import annotations

import pytest

from gongkai.accounts.demo import DEPARTMENTS
from gongkai.opinion.analysis.places import JILIN_CITY_PLACES, PlaceTagger


@pytest.fixture(scope="module")
def tagger():
    return PlaceTagger()


def test_gazetteer_uses_the_demo_department_codes():
    demo = {code: short_name for code, _name, short_name, *_rest in DEPARTMENTS}
    areas = {"昌邑区", "龙潭区", "船营区", "丰满区", "永吉县", "蛟河市", "桦甸市", "舒兰市", "磐石市"}
    assert {demo[code] for code in JILIN_CITY_PLACES} >= areas
    for code, names in JILIN_CITY_PLACES.items():
        assert demo[code] in names, code  # every area answers to its own short name


def test_gazetteer_names_the_demo_streets_under_their_district():
    # every demo street (code "<district>-<street>") is tagged to its district by its short name
    tagger = PlaceTagger()
    streets = [(code, short_name) for code, _name, short_name, *_rest in DEPARTMENTS if "-" in code]
    assert len(streets) == 16
    for code, short_name in streets:
        assert tagger.tag(f"{short_name}附近停水") == code.split("-")[0]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("吉林市昌邑区延安街道停水", "changyi"),
        ("昌邑这边停电了", "changyi"),  # the short form
        ("丰满区红旗街道积水", "fengman"),
        ("松花湖开江了", "fengman"),
        ("北山公园庙会", "chuanying"),
        ("乌拉街雾凇", "longtan"),
        ("磐石市明城镇", "panshi"),
        ("北大湖滑雪场开板", "beidahu"),
        ("舒兰大米", "shulan"),
        ("今天天气不错", ""),
        ("", ""),
    ],
)
def test_tag_names_and_aliases(tagger, text, code):
    assert tagger.tag(text) == code


@pytest.mark.parametrize(
    "text",
    ["湖北山区发生泥石流", "我们的友谊坚如磐石", "山东昌邑市新闻", "龙潭虎穴", "北京龙潭湖公园", "身材丰满"],
)
def test_common_words_and_other_places_are_not_tagged(tagger, text):
    assert tagger.tag(text) == ""


def test_excluded_phrase_does_not_hide_a_real_mention(tagger):
    assert tagger.tag("坚如磐石的磐石人") == "panshi"


def test_ambiguity_resolved_by_count_then_first_mention(tagger):
    assert tagger.tag("船营区的人去昌邑区，昌邑的商场") == "changyi"  # 2 against 1
    assert tagger.tag("船营区和昌邑区都停水") == "chuanying"  # 1 each: the first mentioned
    assert tagger.tag("昌邑区和船营区都停水") == "changyi"


def test_a_long_name_counts_once(tagger):
    # 北山公园 is one mention of 船营区, not two (北山 inside it is not counted again)
    assert tagger.mentions("北山公园") == [("chuanying", 0, 4)]
    assert tagger.tag("北山公园，昌邑区，昌邑") == "changyi"


def test_mentions_are_character_spans(tagger):
    assert tagger.mentions("😀a 永吉县、湖北山区、北山") == [("yongji", 3, 6), ("chuanying", 12, 14)]


def test_source_place_used_when_the_text_names_none(tagger):
    assert tagger.tag("暖气不热", place="吉林省吉林市丰满区") == "fengman"
    assert tagger.tag("暖气不热", place="吉林 蛟河") == "jiaohe"
    assert tagger.tag("暖气不热", place="吉林 吉林") == ""
    assert tagger.tag("暖气不热", place="") == ""
    # the text wins over the source's place
    assert tagger.tag("桦甸暖气不热", place="吉林省吉林市丰满区") == "huadian"


def test_source_place_is_normalized():
    tagger = PlaceTagger({"x": ["abc区"]})
    assert tagger.tag("", place="ＡＢＣ区") == "x"


def test_custom_gazetteer_and_exclusions():
    tagger = PlaceTagger({"a": ["甲区", "甲"], "b": ["乙区"]}, exclude=["甲乙丙"])
    assert tagger.tag("甲乙丙 乙区") == "b"
    assert tagger.tag("甲区 乙区 甲") == "a"
    assert PlaceTagger({}).tag("甲区") == ""


def test_a_name_under_two_codes_is_refused():
    with pytest.raises(ValueError, match="甲"):
        PlaceTagger({"a": ["甲"], "b": ["甲"]})
