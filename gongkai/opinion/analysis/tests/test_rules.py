"""The topic rule language, the many-topic matcher, preview and the keyword finder."""

from __future__ import annotations

import random

import pytest

from gongkai.opinion.analysis.rules import (
    MAX_DEPTH,
    KeywordFinder,
    Near,
    RuleSyntaxError,
    TopicMatcher,
    bench_match,
    parse_rule,
    preview,
)

HEATING = "(供热 OR 暖气) AND (不热 OR 停暖) NOT 演习"


# ------------------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("供热", "供热"),
        ("a OR b AND c", "(a OR (b AND c))"),
        ("a AND b OR c", "((a AND b) OR c)"),
        ("a OR b AND NOT c", "(a OR (b AND NOT c))"),
        ("NOT a AND b", "(NOT a AND b)"),
        ("(a OR b) AND c", "((a OR b) AND c)"),
        ("a AND (b OR c) AND d", "(a AND (b OR c) AND d)"),
        ("a OR b OR c", "(a OR b OR c)"),
        ("a OR (b OR c)", "(a OR b OR c)"),
        ("NOT NOT a", "NOT NOT a"),
        # implicit AND between adjacent operands, including "a NOT b"
        ("供热 暖气", "(供热 AND 暖气)"),
        ("供热 NOT 演习", "(供热 AND NOT 演习)"),
        ("a b OR c", "((a AND b) OR c)"),
        (HEATING, "((供热 OR 暖气) AND (不热 OR 停暖) AND NOT 演习)"),
        # Chinese operators, only as words of their own
        ("供热 或 暖气 与 非 演习", "(供热 OR (暖气 AND NOT 演习))"),
        ("非法集资 或者", "(非法集资 AND 或者)"),
        ("供热 非(演习)", "(供热 AND NOT 演习)"),
        # symbols
        ("a|b&!c", "(a OR (b AND NOT c))"),
        ("a || b && c", "(a OR (b AND c))"),
        ("供热 -演习", "(供热 AND NOT 演习)"),
        ("新冠-19", "新冠-19"),
        ("a ｜ b ＆ ！c", "(a OR (b AND NOT c))"),
        ("（供热 或 暖气） 不热", "((供热 OR 暖气) AND 不热)"),
        # normalization of terms and keywords: half-width, lowercase Latin
        ("ABC ＡＮＤ Ｘｙ", "(abc AND xy)"),
        ("NEARBY", "nearby"),
        ("and", "and"),
    ],
)
def test_parse_precedence_operators_and_implicit_and(rule, canonical):
    assert str(parse_rule(rule)) == canonical


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ('"供热 OR 暖气"', '"供热 or 暖气"'),
        ("“供热公司” 不热", "(供热公司 AND 不热)"),
        ('"hello world" -x', '("hello world" AND NOT x)'),
        ('"a(b)c"', '"a(b)c"'),
        ('"非"', '"非"'),
        ('"-5℃"', '"-5℃"'),
        ('供"热"', "(供 AND 热)"),
    ],
)
def test_quoted_phrases_are_literal(rule, canonical):
    assert str(parse_rule(rule)) == canonical


@pytest.mark.parametrize(
    ("rule", "canonical"),
    [
        ("供热 NEAR/5 不热", "NEAR/5(供热, 不热)"),
        ("NEAR/5(供热, 不热)", "NEAR/5(供热, 不热)"),
        ("NEAR/5（供热，不热）", "NEAR/5(供热, 不热)"),
        ("NEAR/0(a,b)", "NEAR/0(a, b)"),
        ("(供热 OR 暖气) NEAR/5 (不热 OR 停暖)", "NEAR/5(供热 OR 暖气, 不热 OR 停暖)"),
        ("NEAR/5(供热 OR 暖气, 不热)", "NEAR/5(供热 OR 暖气, 不热)"),
        ("a NEAR/5(b OR c)", "NEAR/5(a, b OR c)"),  # infix: the parenthesis holds no comma
        ("a NEAR/5(b, c)", "(a AND NEAR/5(b, c))"),  # function form after a term: implicit AND
        ("供热 NEAR/3 不热 停暖", "(NEAR/3(供热, 不热) AND 停暖)"),
        ("NOT a NEAR/3 b c", "(NOT NEAR/3(a, b) AND c)"),  # NEAR binds tighter than NOT
        ("a AND b NEAR/3 c", "(a AND NEAR/3(b, c))"),
        ('"供热 公司" NEAR/2 x', 'NEAR/2("供热 公司", x)'),
    ],
)
def test_parse_proximity(rule, canonical):
    assert str(parse_rule(rule)) == canonical


def test_parse_near_keeps_distance_and_sides():
    root = parse_rule("(供热 OR 暖气) NEAR/12 不热").root
    assert isinstance(root, Near)
    assert root.distance == 12
    assert [term.text for term in root.left] == ["供热", "暖气"]
    assert [term.text for term in root.right] == ["不热"]
    assert root.position == 11


def test_rule_terms_and_positive_terms():
    rule = parse_rule("(供热 OR 暖气) NEAR/5 不热 NOT (演习 OR 供热) NOT NOT 停暖")
    assert rule.terms == ("供热", "暖气", "不热", "演习", "停暖")
    # 供热 is both required and excluded: it counts as positive (its presence can make the rule match)
    assert rule.positive_terms == ("供热", "暖气", "不热", "停暖")


@pytest.mark.parametrize(
    "rule",
    [
        HEATING,
        "a OR b AND NOT c",
        "NEAR/5(供热 OR 暖气, 不热) 与 非 “x y”",
        '"非" 或 "a-b" -c',
        "NEAR/0(a, a)",
    ],
)
def test_canonical_form_parses_to_itself(rule):
    canonical = str(parse_rule(rule))
    assert str(parse_rule(canonical)) == canonical


# ------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("rule", "code", "position"),
    [
        ("", "empty_rule", 0),
        ("   ", "empty_rule", 0),
        ("(供热 OR 暖气", "unclosed_parenthesis", 0),
        ("a AND ((b OR c)", "unclosed_parenthesis", 6),
        ("(", "unclosed_parenthesis", 0),
        ("供热 OR 暖气)", "unexpected_closing_parenthesis", 8),
        (")供热", "unexpected_closing_parenthesis", 0),
        ("a AND ()", "empty_parentheses", 6),
        ("供热 AND", "missing_operand", 3),
        ("供热 OR", "missing_operand", 3),
        ("供热 NOT", "missing_operand", 3),
        ("供热 -", "missing_operand", 3),
        ("AND 供热", "missing_operand", 0),
        ("OR 供热", "missing_operand", 0),
        ("供热 OR OR 暖气", "missing_operand", 3),
        ("供热 AND OR 暖气", "missing_operand", 3),
        ("(供热 OR) 不热", "missing_operand", 4),
        ("供热 或", "missing_operand", 3),
        ("供热 &", "missing_operand", 3),
        ("a NEAR/3", "missing_operand", 2),
        ("NEAR/3 a", "missing_operand", 0),
        ('""', "empty_quotes", 0),
        ('供热 "  "', "empty_quotes", 3),
        ('供热 "暖气', "unclosed_quote", 3),
        ("供热 NEAR 不热", "near_without_number", 3),
        ("供热 NEAR/ 不热", "near_without_number", 3),
        ("供热 NEAR/x 不热", "near_without_number", 3),
        ("NEAR(供热, 不热)", "near_without_number", 0),
        ("供热 NEAR/1000001 不热", "near_distance_too_large", 3),
        ("供热 NEAR/" + "9" * 5000 + " 不热", "near_distance_too_large", 3),
        ("(a AND b) NEAR/3 c", "near_operand", 0),
        ("a NEAR/3 NOT b", "missing_operand", 2),
        ("a NEAR/3 (b AND c)", "near_operand", 9),
        ("NEAR/3(a, b AND c)", "near_operand", 10),
        ("a NEAR/2 b NEAR/2 c", "near_chained", 11),
        ("NEAR/3(a)", "near_arguments", 0),
        ("NEAR/3(a, b, c)", "near_arguments", 0),
        ("NEAR/3(, b)", "near_arguments", 0),
        ("NEAR/3(a, b", "unclosed_parenthesis", 6),
        ("供热, 暖气", "unexpected_comma", 2),
        ("(供热, 暖气)", "unexpected_comma", 3),
        ("NOT 演习", "only_negative", 0),
        ("-演习", "only_negative", 0),
        ("供热 OR NOT 演习", "only_negative", 6),
        ("NOT (a AND b)", "only_negative", 0),
        ("NOT a AND NOT b", "only_negative", 0),
        ("a OR (b AND c) OR 非 d", "only_negative", 18),
        ("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), "too_deep", MAX_DEPTH),
        ("NOT " * 2000 + "a", "too_deep", 4 * MAX_DEPTH),
    ],
)
def test_errors_have_code_and_position(rule, code, position):
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule(rule)
    assert (caught.value.code, caught.value.position) == (code, position)


def test_error_messages_in_both_languages():
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule("供热 OR 暖气)")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message == "多余的右括号"
    assert error.message_en == "closing parenthesis without an opening one"
    assert (
        str(error) == "第 9 个字符：多余的右括号 / at character 9: closing parenthesis without an opening one"
    )


def test_dangling_operator_message_names_the_operator_as_typed():
    with pytest.raises(RuleSyntaxError) as caught:
        parse_rule("供热 或")
    assert caught.value.message == "“或”后面缺少词语"
    assert caught.value.message_en == "nothing follows “或”"


@pytest.mark.parametrize("rule", ["NOT 演习", "供热 OR NOT 演习"])
def test_a_rule_without_required_term_is_refused_because_it_matches_everything(rule):
    with pytest.raises(RuleSyntaxError, match="NOT"):
        parse_rule(rule)


def test_matcher_names_the_topic_of_a_bad_rule():
    with pytest.raises(RuleSyntaxError) as caught:
        TopicMatcher({1: HEATING, 7: "供热 AND (暖气"})
    error = caught.value
    assert error.topic_id == 7
    assert error.position == 7
    assert error.code == "unclosed_parenthesis"
    assert error.message.startswith("专题 7 ")
    assert "topic 7" in error.message_en


# ------------------------------------------------------------------------------------------ matching


def test_match_heating_topic():
    matcher = TopicMatcher({3: HEATING, 1: "停水 OR 断水"})
    assert matcher.match("家里暖气一点都不热，已经第三天了") == [3]
    assert matcher.match("供热公司说今天停暖检修，还停水") == [1, 3]
    assert matcher.match("今天供热应急演习，暖气不热属正常") == []
    assert matcher.match("暖气很热") == []
    assert matcher.match("") == []
    assert matcher.match_many(["停水了", "", "暖气停暖"]) == [[1], [], [3]]


def test_match_with_no_topics():
    matcher = TopicMatcher({})
    assert matcher.match("供热") == []
    assert matcher.match_many(["a", "b"]) == [[], []]


def test_match_terms_are_normalized_but_texts_are_taken_as_given():
    matcher = TopicMatcher({1: "ＣＯＶＩＤ-19 OR WiFi"})
    assert matcher.match("covid-19 疫情") == [1]
    assert matcher.match("小区wifi断了") == [1]


def test_match_with_custom_normalizer():
    matcher = TopicMatcher({1: "暖氣"}, normalize=lambda term: term.replace("氣", "气"))
    assert matcher.match("暖气不热") == [1]


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("暖气不热", True),  # adjacent: 0 characters between
        ("暖气一点也不热", True),  # 3 characters between
        ("暖气一点儿也不热", False),  # 4
        ("不热啊，暖气", True),  # the other order, 2 between
        ("不热的暖气", True),
        ("暖气很好，一点也不会说不热", False),
    ],
)
def test_near_counts_the_characters_between(text, matches):
    assert TopicMatcher({1: "暖气 NEAR/3 不热"}).match(text) == ([1] if matches else [])


def test_near_counts_characters_not_bytes():
    matcher = TopicMatcher({1: "暖气 NEAR/3 不热"})
    assert matcher.match("暖气😀😀😀不热") == [1]  # three 4-byte characters between
    assert matcher.match("暖气abcd不热") == []
    assert TopicMatcher({1: "wifi NEAR/2 断"}).match("wifi又断了") == [1]


def test_texts_with_any_characters_are_matched_without_error():
    matcher = TopicMatcher({1: "暖气 NEAR/1 不热", 2: "😀"})
    assert matcher.match("\ud800暖气\udfff不热😀") == [1, 2]  # lone surrogates from bad JSON
    assert KeywordFinder(["\ud800"]).find("a\ud800") == ["\ud800"]


def test_near_takes_any_pair_of_occurrences():
    matcher = TopicMatcher({1: "暖气 NEAR/2 不热"})
    assert matcher.match("暖气好像，还有点不热，暖气房") == [1]  # the second 暖气 is near
    assert matcher.match("暖气" + "好" * 10 + "不热" + "好" * 10 + "暖气") == []


def test_near_with_overlapping_and_same_terms():
    assert TopicMatcher({1: "供热 NEAR/0 热水"}).match("供热水") == [1]  # overlap counts as 0 between
    same = TopicMatcher({1: "NEAR/3(停电, 停电)"})
    assert same.match("又停电了") == []  # one occurrence is not near itself
    assert same.match("停电又停电") == [1]
    assert same.match("停电好好好好停电") == []


def test_near_with_or_groups():
    matcher = TopicMatcher({1: "NEAR/4(供热 OR 暖气, 不热 OR 停暖)"})
    assert matcher.match("我家供热一直不热") == [1]
    assert matcher.match("暖气突然停暖") == [1]
    assert matcher.match("暖气很热很热，停暖是谣言") == []  # 5 characters between


def test_excluded_terms_do_not_wake_a_topic():
    matcher = TopicMatcher({1: "供热 NOT 演习", 2: "演习"})
    assert matcher.match("演习") == [2]
    assert matcher.match("供热") == [1]
    assert matcher.match("供热演习") == [2]


# Property-style check: many random topics at once against a naive evaluator of the same trees.

_ALPHABET = "abc甲乙"
_OR_SPELLINGS = (" OR ", " 或 ", " | ", " || ", "|")
_AND_SPELLINGS = (" AND ", " 与 ", " & ", " && ", " ")
_NOT_SPELLINGS = ("NOT ", "非 ", "!", "-", "！")


def _random_term(rng):
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.choice((1, 1, 2, 2, 3))))


def _random_tree(rng, depth=0):
    roll = rng.random()
    if depth >= 3 or roll < 0.35:
        return ("term", _random_term(rng))
    if roll < 0.5:
        return ("not", _random_tree(rng, depth + 1))
    if roll < 0.6:
        sides = [[_random_term(rng) for _ in range(rng.choice((1, 1, 2)))] for _ in range(2)]
        return ("near", sides[0], sides[1], rng.choice((0, 1, 2, 5)))
    kind = "and" if roll < 0.8 else "or"
    return (kind, [_random_tree(rng, depth + 1) for _ in range(rng.choice((2, 2, 3)))])


def _render(rng, tree):
    kind = tree[0]
    if kind == "term":
        return rng.choice((tree[1], f'"{tree[1]}"', f"“{tree[1]}”"))
    if kind == "not":
        return rng.choice(_NOT_SPELLINGS) + f"({_render(rng, tree[1])})"
    if kind == "near":
        left, right = (" OR ".join(side) for side in tree[1:3])
        if rng.random() < 0.5:
            return f"NEAR/{tree[3]}({left}, {right})"
        return f"({left}) NEAR/{tree[3]} ({right})"
    spellings = _AND_SPELLINGS if kind == "and" else _OR_SPELLINGS
    return "(" + rng.choice(spellings).join(_render(rng, child) for child in tree[1]) + ")"


def _occurrences(text, term):
    return [(i, i + len(term)) for i in range(len(text)) if text.startswith(term, i)]


def _naive(tree, text):
    kind = tree[0]
    if kind == "term":
        return tree[1] in text
    if kind == "not":
        return not _naive(tree[1], text)
    if kind == "and":
        return all(_naive(child, text) for child in tree[1])
    if kind == "or":
        return any(_naive(child, text) for child in tree[1])
    left = {span for term in tree[1] for span in _occurrences(text, term)}
    right = {span for term in tree[2] for span in _occurrences(text, term)}
    return any(a != b and max(b[0] - a[1], a[0] - b[1], 0) <= tree[3] for a in left for b in right)


def test_many_topics_at_once_equal_a_naive_evaluator():
    rng = random.Random(5)
    trees, rules, refused = {}, {}, 0
    while len(rules) < 300:
        tree = _random_tree(rng)
        text = _render(rng, tree)
        try:
            parse_rule(text)
        except RuleSyntaxError as error:
            # the only refusal of a well-formed rule: it is true when nothing is found
            assert error.code == "only_negative"
            assert _naive(tree, "")
            refused += 1
            continue
        assert not _naive(tree, "")
        topic_id = len(rules) * 3 + 1
        trees[topic_id], rules[topic_id] = tree, text
    assert refused > 10
    matcher = TopicMatcher(rules)
    texts = ["".join(rng.choice(_ALPHABET + "丙 ,") for _ in range(rng.randrange(0, 30))) for _ in range(400)]
    matched = 0
    for text, got in zip(texts, matcher.match_many(texts), strict=True):
        expected = sorted(topic_id for topic_id, tree in trees.items() if _naive(tree, text))
        assert got == expected, text
        matched += len(got)
    assert matched > 1000  # the check is not vacuous
    # preview decides like the matcher
    for topic_id in list(rules)[:40]:
        expected_indexes = [index for index, text in enumerate(texts) if _naive(trees[topic_id], text)]
        assert [index for index, _spans in preview(rules[topic_id], texts)] == expected_indexes


# ------------------------------------------------------------------------------------------- preview


def test_preview_lists_matching_texts_with_spans():
    texts = ["暖气不热啊，供热公司", "演习：暖气不热", "今天天气很好", "停暖了，暖气停暖"]
    assert preview(HEATING, texts) == [
        (0, [(0, 2), (2, 4), (6, 8)]),
        (3, [(0, 2), (4, 6), (6, 8)]),
    ]


def test_preview_spans_are_in_characters():
    assert preview("wifi OR 暖气 OR 😀", ["😀ab暖气cd wifi"]) == [(0, [(0, 1), (3, 5), (8, 12)])]


def test_preview_does_not_highlight_excluded_terms():
    assert preview("供热 AND NOT (演习 AND 通知)", ["供热演习"]) == [(0, [(0, 2)])]


def test_preview_merges_overlapping_spans():
    assert preview("供热 OR 热水", ["供热水"]) == [(0, [(0, 3)])]


def test_preview_highlights_only_near_occurrences():
    text = "暖气一点也不热，暖气" + "好" * 10 + "不热"
    assert preview("暖气 NEAR/3 不热", [text, "暖气很好，一点也不会说不热"]) == [
        (0, [(0, 2), (5, 7), (8, 10)])
    ]


def test_preview_near_occurrence_is_not_near_itself():
    text = "停电又停电" + "好" * 5 + "停电"
    assert preview("NEAR/3(停电, 停电)", [text, "停电"]) == [(0, [(0, 2), (3, 5)])]


def test_preview_refuses_a_bad_rule():
    with pytest.raises(RuleSyntaxError) as caught:
        preview("供热 AND", ["供热"])
    assert caught.value.position == 3


# -------------------------------------------------------------------------------------- keyword finder


def test_keyword_finder_returns_distinct_words_in_order_of_first_appearance():
    finder = KeywordFinder(["暴力执法", "维权", "黑幕", "", "  ", "维权"])
    assert len(finder) == 3
    assert finder.find("业主维权遭暴力执法，维权无门，暴力执法") == ["维权", "暴力执法"]
    assert finder.find("一切正常") == []
    assert finder.find("") == []


def test_keyword_finder_overlapping_words_and_case():
    finder = KeywordFinder(["法轮功", "法轮", "ＶＰＮ", " 翻墙 "])
    assert finder.find("翻墙用vpn看法轮功") == ["翻墙", "ＶＰＮ", "法轮", "法轮功"]


def test_keyword_finder_without_words():
    assert KeywordFinder([]).find("任何内容") == []


# --------------------------------------------------------------------------------------------- bench


def test_bench_match_reports_posts_per_second():
    assert bench_match(20, 200, repeat=1) > 0


def test_a_topic_waits_under_the_smallest_group_of_terms_it_needs():
    from gongkai.opinion.analysis.rules import _key_terms

    def key(rule: str) -> tuple[str, ...]:
        return _key_terms(parse_rule(rule).root)

    assert key("(停水 OR 水压 OR 买水) AND (昌邑区 OR 昌邑) -演练") == ("昌邑", "昌邑区")
    assert key("(解放路 OR 吉林大街) NEAR/12 (积水 OR 暴雨 OR 熄火)") == ("吉林大街", "解放路")
    assert key('"世纪广场" AND (游客 OR 门票)') == ("世纪广场",)
    assert key("(停水 AND 昌邑) OR (停电 AND 船营)") == ("停水", "停电")  # one of the two needed
    assert key("(停水 OR NOT 通知) AND 昌邑") == ("昌邑",)  # an alternative needing nothing adds nothing
    # and the matcher finds exactly what the rules say, whatever term of the rule a text has
    matcher = TopicMatcher(
        {1: "(停水 OR 水压) AND (昌邑区 OR 昌邑)", 2: "停水 NOT 演练", 3: "(停水 AND 昌邑) OR 停电"}
    )
    assert matcher.match("昌邑停水了") == [1, 2, 3]
    assert matcher.match("船营区停水") == [2]
    assert matcher.match("昌邑区水压低") == [1]
    assert matcher.match("停电了") == [3]
    assert matcher.match("昌邑停水演练") == [1, 3]
