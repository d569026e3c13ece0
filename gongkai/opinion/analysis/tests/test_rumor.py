"""Rumor-candidate heuristics: hearsay, spreading, doubt and unsourced claims; sources and clarifications."""

from __future__ import annotations

import pytest

from gongkai.opinion.analysis.rumor import is_rumor_candidate, rumor_score, rumor_signals

RUMORS = [
    "网传明天全市停水，是真的吗？",
    "听说丰满区要封路一个月",
    "紧急扩散！江南化工厂爆炸了，转发告知家人",
    "朋友圈都在传松花江水被污染了，求辟谣",
    "内部消息：下个月暖气费上调",
    "明天停水是真的吗",
    "据说船营区那边出人命了，有没有人知道怎么回事",
    "群里都在说学校要停课，真的假的",
    "有人说超市的米要涨价了，赶紧去抢购",
    "速转！最近有人贩子在小区门口抢孩子，告诉家人",
    "小道消息，市医院发现了传染病人",
    "网传吉林大桥塌了",
]

NOT_RUMORS = [
    "听说今天天气不错",  # hearsay about nothing
    "据说这家店的菜很好吃",
    "昌邑区一仓库发生火灾",  # a claim with no hearsay, spreading or doubt
    "市应急管理局通报：昌邑区一仓库发生火灾，无人员伤亡",  # a sourced report
    "警方辟谣：网传松花江发现死鱼系谣言",  # a clarification
    "经核实，网传停水消息不实，请市民不信谣不传谣",
    "笑死了，听说他又迟到了",  # 笑死 is not a death
    "今天吃了火锅真开心",
    "供热公司回复说正在排查管网，暖气很快就能热起来",
    "据新华社报道，我市将于下月召开新闻发布会通报供热改造进展",
    "",
]


@pytest.mark.parametrize("text", RUMORS)
def test_rumor_candidates(text):
    assert is_rumor_candidate(text), (text, rumor_signals(text))
    assert 0.5 <= rumor_score(text) <= 1.0


@pytest.mark.parametrize("text", NOT_RUMORS)
def test_not_rumor_candidates(text):
    assert not is_rumor_candidate(text), (text, rumor_signals(text))
    assert 0.0 <= rumor_score(text) < 0.5


def test_signals_explain_the_score():
    signals = rumor_signals("网传明天全市停水，是真的吗？")
    assert signals["hearsay"] == ["网传"]
    assert signals["claim"] == ["停水"]
    assert "是真的吗" in signals["doubt"]
    assert rumor_score("网传明天全市停水，是真的吗？") == pytest.approx(0.9)


def test_each_group_counts_once():
    once = rumor_score("听说停水")
    assert rumor_score("听说据说有人说停水停电封路") == once == pytest.approx(0.65)


def test_asking_for_a_clarification_is_not_a_clarification():
    assert "clarification" not in rumor_signals("这是真的吗？求辟谣")
    assert "clarification" in rumor_signals("官方已经辟谣了")


def test_idioms_do_not_count_as_claims():
    assert "claim" not in rumor_signals("热死了，网传今天四十度")
    assert "claim" in rumor_signals("网传有人死了")
