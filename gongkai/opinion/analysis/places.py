"""Place tagging: which district, county or county-level city of Jilin City (吉林市) a post is about.

:data:`JILIN_CITY_PLACES` maps the demo organisation's department codes (gongkai/accounts/demo.py)
of the districts, the county, the county-level cities and the development zones to their names and
aliases: the full name, the short form, the demo streets (街道), towns and landmarks. The names are
found with one Aho–Corasick pass (pyahocorasick's leftmost-longest mode, so 北山公园 counts once,
not also as 北山), over UTF-8 bytes like the topic matcher (rules.py says why).

Rules and quirks:

- A short form that is also a common word is left out (丰满 "plump", 磐石 only outside idioms), or
  kept with :data:`JILIN_CITY_EXCLUDE` phrases that swallow the usual false hits: 湖北山区 is not
  北山, 坚如磐石 is not 磐石市, 山东昌邑市 is not 昌邑区.
- Names shared by two areas are refused when the tagger is built: the gazetteer must be a function.
- Texts are matched as given (the pipeline normalizes them); the source's place (profile
  location, geotag, dateline) is normalized with ``normalize`` and read only when the text names
  no area.
"""

from __future__ import annotations

from collections.abc import Iterable

import ahocorasick

from gongkai.opinion.analysis.rules import Normalizer, char_offset, normalize_term, utf8_text

__all__ = ["JILIN_CITY_EXCLUDE", "JILIN_CITY_PLACES", "PlaceTagger"]

JILIN_CITY_PLACES: dict[str, list[str]] = {
    # 昌邑区 (220202)
    "changyi": [
        "昌邑区",
        "昌邑",
        "延安街道",
        "兴华街道",
        "文庙街道",
        "东局子街道",
        "东局子",
        "吉林文庙",
        "哈达湾",
        "吉林站",
        "吉林火车站",
        "孤店子",
        "桦皮厂镇",
        "左家镇",
        "两家子满族乡",
        "土城子满族朝鲜族乡",
    ],
    # 龙潭区 (220203)
    "longtan": [
        "龙潭区",
        "龙潭",
        "龙潭山",
        "湘潭街道",
        "新吉林街道",
        "遵义街道",
        "泡子沿街道",
        "泡子沿",
        "乌拉街",
        "雾凇岛",
        "江密峰",
        "金珠镇",
        "缸窑镇",
        "大口钦",
        "吉化",
        "吉林石化",
    ],
    # 船营区 (220204)
    "chuanying": [
        "船营区",
        "船营",
        "北京路街道",
        "向阳街道",
        "德胜街道",
        "北山街道",
        "北山",
        "北山公园",
        "大绥河",
        "搜登站",
        "越北镇",
        "欢喜乡",
    ],
    # 丰满区 (220211): not the bare word 丰满, an everyday adjective.
    "fengman": [
        "丰满区",
        "江南街道",
        "红旗街道",
        "泰山街道",
        "沿丰街道",
        "沿丰",
        "松花湖",
        "丰满水电站",
        "丰满电站",
        "丰满大坝",
        "旺起镇",
        "江南乡",
        "前二道乡",
        "小白山乡",
    ],
    # 永吉县 (220221)
    "yongji": ["永吉县", "永吉", "口前镇", "万昌镇", "一拉溪", "星星哨"],
    # 蛟河市 (220281)
    "jiaohe": ["蛟河市", "蛟河", "拉法山", "庆岭", "黄松甸"],
    # 桦甸市 (220282)
    "huadian": ["桦甸市", "桦甸", "夹皮沟", "桦郊乡"],
    # 舒兰市 (220283)
    "shulan": ["舒兰市", "舒兰", "法特镇", "上营镇", "溪河镇"],
    # 磐石市 (220284): 磐石 alone too, with the idioms excluded below.
    "panshi": ["磐石市", "磐石", "明城镇", "烟筒山", "红旗岭", "官马溶洞"],
    # Development zones (开发区), as the demo organisation has them.
    "gaoxin": ["吉林高新技术产业开发区", "高新技术产业开发区", "吉林高新区", "高新区", "高新开发区"],
    "jingkai": ["吉林经济技术开发区", "经济技术开发区", "吉林经开区", "经开区"],
    "shipinqu": ["吉林中国新加坡食品区", "中国新加坡食品区", "中新吉林食品区", "中新食品区"],
    "beidahu": ["北大壶体育旅游经济开发区", "北大壶", "北大湖"],
}

# Phrases that contain a name above but are not about that area; found first (leftmost-longest),
# they hide the name inside them.
JILIN_CITY_EXCLUDE: tuple[str, ...] = (
    "昌邑市",  # Shandong
    "潍坊昌邑",
    "龙潭虎穴",
    "虎穴龙潭",
    "龙潭湖",  # Beijing
    "湖北山",  # 湖北山区
    "河北山",
    "东北山",
    "西北山",
    "北山羊",
    "如磐石",  # 坚如磐石, 稳如磐石, 安如磐石
    "磐石般",
    "北大湖南",  # 北大 + 湖南
)


class PlaceTagger:
    """Tag a text with the code of the area it names most (first mention breaks ties)."""

    def __init__(
        self,
        gazetteer: dict[str, list[str]] = JILIN_CITY_PLACES,
        *,
        exclude: Iterable[str] = JILIN_CITY_EXCLUDE,
        normalize: Normalizer = normalize_term,
    ) -> None:
        self.normalize = normalize
        entries: dict[str, str] = {}
        for code, names in gazetteer.items():
            for name in names:
                key = normalize(name.strip())
                if not key:
                    continue
                if entries.get(key, code) != code:
                    raise ValueError(
                        f"place name {name!r} is listed under both {entries[key]!r} and {code!r}"
                    )
                entries[key] = code
        for phrase in exclude:
            key = normalize(phrase.strip())
            if key and key not in entries:
                entries[key] = ""
        self._automaton: ahocorasick.Automaton | None = None
        if entries:
            automaton = ahocorasick.Automaton()
            for key, code in entries.items():
                # over UTF-8 bytes, like the topic matcher (see rules.py for why)
                automaton.add_word(utf8_text(key), (code, len(utf8_text(key)), len(key)))
            automaton.make_automaton()
            self._automaton = automaton

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """Each area name in ``text`` as ``(code, start, end)``, left to right, without overlaps."""
        mentions = []
        encoded = utf8_text(text)
        for code, last, byte_length, char_length in self._iter(encoded):
            start = char_offset(encoded, last + 1 - byte_length)
            mentions.append((code, start, start + char_length))
        return mentions

    def _iter(self, encoded: str) -> Iterable[tuple[str, int, int, int]]:
        if self._automaton is None or not encoded:
            return
        for last, (code, byte_length, char_length) in self._automaton.iter_long(encoded):
            if code:  # not an excluded phrase
                yield code, last, byte_length, char_length

    def tag(self, text: str, place: str = "") -> str:
        """The code of the area ``text`` names most, else the one ``place`` names, else ""."""
        code = self._best(text)
        if not code and place:
            code = self._best(self.normalize(place))
        return code

    def _best(self, text: str) -> str:
        counts: dict[str, int] = {}
        for code, *_position in self._iter(utf8_text(text)):
            counts[code] = counts.get(code, 0) + 1
        if not counts:
            return ""
        # dicts keep insertion order, i.e. the order of first mention, and max() keeps the first best.
        return max(counts, key=counts.__getitem__)
