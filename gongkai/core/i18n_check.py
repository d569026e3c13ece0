"""CI check: the English catalogue is current and complete.

Source strings are Chinese (zh-hans is the default language); ``gongkai/locale/en`` translates
them to English. This regenerates the catalogue in a scratch copy and fails if it differs from
the committed one (someone added a string without running ``make messages``) or if any entry is
untranslated or fuzzy.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "gongkai" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> str:
    # Ignore the header's dates and the source-line comments, which move with unrelated edits.
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith('"POT-Creation-Date')
        and not line.startswith('"PO-Revision-Date')
        and not line.startswith("#:")
    ]
    return "\n".join(lines)


def main() -> int:
    if not PO.exists():
        print(f"missing {PO.relative_to(ROOT)}: run `make messages`")
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "repo"
        shutil.copytree(ROOT / "gongkai", copy / "gongkai", ignore=shutil.ignore_patterns("__pycache__"))
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongkai.settings.test", PYTHONPATH=str(ROOT))
        subprocess.run(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "en", "--no-location", "--no-obsolete",
             "--ignore", "*/tests/*"],
            cwd=copy / "gongkai", env=env, check=True, capture_output=True,
        )  # fmt: skip
        fresh = (copy / "gongkai" / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text()
    committed = PO.read_text()
    problems = []
    if _entries(fresh) != _entries(committed):
        problems.append("gongkai/locale/en/LC_MESSAGES/django.po is out of date: run `make messages`")
    untranslated = subprocess.run(  # noqa: S603
        ["msgattrib", "--untranslated", "--no-obsolete", str(PO)],
        capture_output=True,
        text=True,
        check=True,  # noqa: S607
    ).stdout
    count = len(re.findall(r"^msgid ", untranslated, flags=re.M)) - (1 if untranslated else 0)
    if count > 0:
        problems.append(f"{count} untranslated English entries")
    fuzzy = subprocess.run(  # noqa: S603
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(PO)],
        capture_output=True,
        text=True,
        check=True,  # noqa: S607
    ).stdout
    fuzzy_count = len(re.findall(r"^msgid ", fuzzy, flags=re.M)) - (1 if fuzzy else 0)
    if fuzzy_count > 0:
        problems.append(f"{fuzzy_count} fuzzy English entries")
    for problem in problems:
        print(problem)
    if not problems:
        print("translations: complete")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
