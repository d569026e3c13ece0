"""The Chinese (CJK) font the PDF embeds and the DOCX charts are drawn with.

Nothing is downloaded: the font is a system font found at one of the paths of the setting
``GONGKAI_OPINION_REPORT_FONTS`` (a list; default :data:`DEFAULT_FONT_PATHS`: Debian's and Ubuntu's
``fonts-noto-cjk``, Fedora's and Arch's Noto CJK, WenQuanYi, Windows' 黑体 and 雅黑), then one that
fontconfig lists for Chinese. In a font collection (``.ttc``) the simplified-Chinese face (``SC``,
``GB``, ``CN``) is taken. The PDF embeds only the glyphs it uses (a subset), so reports stay small.

With no font at all, the PDF export fails with :class:`FontMissing` (a message in Chinese and
English naming the paths tried); the DOCX still works (Word brings its own fonts) and its charts
label categories by number instead.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch: noto-fonts-cjk
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora, RHEL: google-noto-sans-cjk
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttc",
]
_SIMPLIFIED_MARKS = (" SC", " GB", " CN", "SC ", "简")


class FontMissing(RuntimeError):
    """No Chinese font was found; the message says (in Chinese and English) what to install."""


@dataclass(frozen=True)
class CjkFont:
    path: str
    index: int  # the face in a collection (.ttc); 0 for a single font
    family: str


def configured_paths() -> list[str]:
    paths = getattr(settings, "GONGKAI_OPINION_REPORT_FONTS", None)
    if isinstance(paths, str):
        paths = [p for p in paths.split(",") if p.strip()]
    return [str(p).strip() for p in (paths or DEFAULT_FONT_PATHS)]


def _fontconfig_candidates() -> list[str]:
    """Fonts fontconfig lists for Chinese (a fallback after the configured paths)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run(  # noqa: S603
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.strip().rstrip(":") for line in out.splitlines() if line.strip()})
    # Sans regular faces first: they read best in tables and charts.
    return sorted(files, key=lambda f: ("Bold" in f or "Light" in f or "Black" in f, "Sans" not in f, f))


def _simplified_face(path: str) -> tuple[int, str] | None:
    """The collection's simplified-Chinese face (or the first one); ``None`` if unreadable."""
    try:
        from fontTools.ttLib import TTCollection, TTFont, TTLibError
    except ImportError:  # fontTools comes with fpdf2
        return (0, Path(path).stem)
    try:
        if path.lower().endswith((".ttc", ".otc")):
            collection = TTCollection(path, lazy=True)
            names = [
                str(face["name"].getDebugName(4) or face["name"].getDebugName(1) or "")
                for face in collection.fonts
            ]
            for index, name in enumerate(names):
                if any(mark in f" {name} " for mark in _SIMPLIFIED_MARKS) and "Mono" not in name:
                    return index, name
            return (0, names[0]) if names else None
        face = TTFont(path, lazy=True)
        return 0, str(face["name"].getDebugName(4) or Path(path).stem)
    except (OSError, TTLibError, KeyError, ValueError, AssertionError):
        logger.warning("opinion reports: the font %s could not be read", path, exc_info=True)
        return None


@functools.lru_cache(maxsize=4)
def _find(paths: tuple[str, ...]) -> CjkFont | None:
    for path in [*paths, *_fontconfig_candidates()]:
        if not path or not Path(path).is_file():
            continue
        face = _simplified_face(path)
        if face is not None:
            return CjkFont(path=path, index=face[0], family=face[1])
    return None


def find_cjk_font() -> CjkFont | None:
    """The first usable Chinese font, or ``None`` (cached per list of configured paths)."""
    return _find(tuple(configured_paths()))


def require_cjk_font() -> CjkFont:
    font = find_cjk_font()
    if font is None:
        tried = "、".join(configured_paths())
        raise FontMissing(
            f"未找到中文字体，无法生成 PDF。请安装 fonts-noto-cjk（或文泉驿字体），或在配置项 "
            f"GONGKAI_OPINION_REPORT_FONTS 中指定字体文件路径。已尝试：{tried} / "
            f"No Chinese (CJK) font found, so the PDF cannot be made. Install fonts-noto-cjk (or the "
            f"WenQuanYi fonts), or list a font file in the setting GONGKAI_OPINION_REPORT_FONTS. "
            f"Tried: {', '.join(configured_paths())}"
        )
    return font
