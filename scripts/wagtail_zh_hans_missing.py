"""List the Wagtail admin strings that Wagtail's own zh_Hans catalogues leave in English.

Wagtail ships a ``locale/`` folder per app (``wagtail/admin``, ``wagtail/images``, ...). Its English
catalogue (``locale/en/LC_MESSAGES/<domain>.po``) holds every msgid the app uses; its
``zh_Hans`` catalogue holds the Simplified Chinese that the community has translated so far. An
msgid that is absent there, untranslated or fuzzy is shown in English in our admin, unless
``gongkai/locale/zh_Hans/LC_MESSAGES/<domain>.po`` supplies it (LOCALE_PATHS win over the apps'
catalogues). See docs/adr/0008-wagtail-zh-hans-supplement.md.

Standard library only (a small PO parser below). Run it with the project's virtualenv, which has
Wagtail installed, or point --wagtail at a wagtail package folder:

    python scripts/wagtail_zh_hans_missing.py                 # counts per app/domain, and what we lack
    python scripts/wagtail_zh_hans_missing.py --list          # print every msgid we still lack
    python scripts/wagtail_zh_hans_missing.py --template new.po --domain django
                                                              # a PO file of the entries we still lack
    python scripts/wagtail_zh_hans_missing.py --stale         # our entries Wagtail no longer needs
    python scripts/wagtail_zh_hans_missing.py --all --template new.po --domain django
                                                              # every entry Wagtail lacks, ours filled in:
                                                              # translate the empty ones, replace ours

The exit status is 1 when something is still missing from our supplement (or stale with --stale).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPLEMENT = ROOT / "gongkai" / "locale" / "zh_Hans" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
# Languages to take the msgid list from when an app ships no English catalogue.
FALLBACK_LANGUAGES = ("en", "de", "fr", "nl", "es")


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one item, or one per plural form
    flags: set[str] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)  # "#." extracted comments
    references: list[str] = field(default_factory=list)  # "#:" source references
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, bool]:
        # gettext looks plural entries up by (msgid, n): a singular translation does not serve a
        # plural msgid and vice versa, so plurality is part of the key.
        return (self.msgctxt, self.msgid, self.msgid_plural is not None)

    @property
    def translated(self) -> bool:
        return not self.obsolete and "fuzzy" not in self.flags and bool(self.msgstr) and all(self.msgstr)


def _unquote(text: str) -> str:
    return ast.literal_eval(text) if text.startswith('"') else ""


def parse_po(path: Path) -> list[Entry]:
    """Parse a PO file into entries (the header, msgid "", is dropped)."""
    entries: list[Entry] = []
    entry = Entry(msgid="")
    values: dict[tuple[str, int | None], str] = {}
    target: tuple[str, int | None] | None = None  # the field that bare "..." lines continue

    def finish() -> None:
        nonlocal entry, values, target
        if values:
            entry.msgid = values.get(("msgid", None), "")
            entry.msgctxt = values.get(("msgctxt", None))
            entry.msgid_plural = values.get(("msgid_plural", None))
            forms = sorted(i for (name, i) in values if name == "msgstr" and i is not None)
            entry.msgstr = [values[("msgstr", i)] for i in forms] or [values.get(("msgstr", None), "")]
            if entry.msgid or entry.msgctxt is not None:
                entries.append(entry)
            entry = Entry(msgid="")
        values, target = {}, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            if not obsolete:
                finish()
            continue
        has_msgstr = any(name == "msgstr" for name, _i in values)
        if line.startswith("#"):
            if has_msgstr:  # a comment after a complete entry starts the next one
                finish()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#."):
                entry.comments.append(line[2:].strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: string outside an entry")
            values[target] += _unquote(line)
            continue
        keyword, _sep, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and has_msgstr:  # next entry without a blank line
            finish()
        if keyword.startswith("msgstr[") and keyword.endswith("]"):
            target = ("msgstr", int(keyword[7:-1]))
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            target = (keyword, None)
        else:
            raise ValueError(f"{path}:{number}: cannot parse {raw!r}")
        entry.obsolete = entry.obsolete or obsolete
        values[target] = _unquote(rest.strip())
    finish()
    return entries


def quote(text: str) -> str:
    """A PO string literal, split after newlines the way gettext tools write them."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n\n")
    parts = escaped.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    if len(parts) <= 1 and len(escaped) < 70:
        return f'"{escaped}"'
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def format_entry(entry: Entry, msgstr: list[str] | None = None, extra_comments: list[str] = ()) -> str:
    lines = [f"#. {comment}" for comment in [*extra_comments, *entry.comments]]
    flags = sorted(entry.flags - {"fuzzy"})
    if flags:
        lines.append("#, " + ", ".join(flags))
    if entry.msgctxt is not None:
        lines.append("msgctxt " + quote(entry.msgctxt))
    lines.append("msgid " + quote(entry.msgid))
    strings = msgstr if msgstr is not None else [""]
    if entry.msgid_plural is not None:
        lines.append("msgid_plural " + quote(entry.msgid_plural))
        lines.append("msgstr[0] " + quote(strings[0]))  # Chinese: nplurals=1
    else:
        lines.append("msgstr " + quote(strings[0]))
    return "\n".join(lines)


def header(root: Path) -> str:
    """The PO header of our supplement (also used for --template files)."""
    version = "?"
    init = (root / "__init__.py").read_text(encoding="utf-8") if (root / "__init__.py").exists() else ""
    for line in init.splitlines():
        if line.startswith("VERSION = ("):
            parts = [p.strip() for p in line.split("(", 1)[1].split(")")[0].split(",")]
            version = ".".join(parts[:3])
    fields = [
        f"Project-Id-Version: Gongkai supplement to Wagtail {version} zh_Hans",
        "Report-Msgid-Bugs-To: ",
        f"PO-Revision-Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M}+0000",
        "Last-Translator: Gongkai",
        "Language-Team: Gongkai",
        "Language: zh_Hans",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "Plural-Forms: nplurals=1; plural=0;",
    ]
    return (
        "# Simplified Chinese for the Wagtail admin strings that Wagtail's own zh_Hans catalogues lack.\n"
        "# See docs/adr/0008-wagtail-zh-hans-supplement.md; list the gaps with\n"
        "# scripts/wagtail_zh_hans_missing.py.\n"
        'msgid ""\nmsgstr ""\n' + "\n".join(f'"{field}\\n"' for field in fields)
    )


def wagtail_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("wagtail")
    if spec is None or spec.origin is None:
        sys.exit("wagtail is not importable: run with the project's virtualenv, or pass --wagtail")
    return Path(spec.origin).parent


def reference_catalogue(locale_dir: Path, domain: str) -> Path | None:
    for language in FALLBACK_LANGUAGES:
        path = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
        if path.exists():
            return path
    return None


def collect(root: Path, domain: str):
    """Return (per-app counts, missing entries by key, apps by key, upstream zh translations by key)."""
    counts: dict[str, tuple[int, int, str]] = {}
    missing: dict[tuple, Entry] = {}
    apps: dict[tuple, list[str]] = defaultdict(list)
    upstream: dict[tuple, list[str]] = {}
    for locale_dir in sorted(root.rglob("locale")):
        if not locale_dir.is_dir() or "tests" in locale_dir.relative_to(root).parts:
            continue
        source = reference_catalogue(locale_dir, domain)
        if source is None:
            continue
        app = "wagtail/" + str(locale_dir.parent.relative_to(root)).replace("\\", "/")
        app = app.rstrip("/.") or "wagtail"
        zh_path = locale_dir / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        zh = {e.key: e for e in parse_po(zh_path)} if zh_path.exists() else {}
        for entry in zh.values():
            if entry.translated:
                upstream.setdefault(entry.key, entry.msgstr)
        wanted = [e for e in parse_po(source) if not e.obsolete]
        lacking = [e for e in wanted if not (e.key in zh and zh[e.key].translated)]
        counts[app] = (len(wanted), len(lacking), source.parent.parent.name)
        for entry in lacking:
            missing.setdefault(entry.key, entry)
            apps[entry.key].append(app)
    return counts, missing, apps, upstream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--wagtail", type=Path, help="the wagtail package folder (default: the importable one)"
    )
    parser.add_argument("--domain", choices=DOMAINS, help="only this gettext domain")
    parser.add_argument(
        "--list", action="store_true", help="print each msgid that our supplement still lacks"
    )
    parser.add_argument(
        "--all", action="store_true", help="with --list/--template: include those we already supply"
    )
    parser.add_argument(
        "--template", type=Path, help="write the lacking entries as a PO file (needs --domain)"
    )
    parser.add_argument("--stale", action="store_true", help="list our entries that Wagtail no longer lacks")
    args = parser.parse_args(argv)
    if args.template and not args.domain:
        parser.error("--template needs --domain")

    root = args.wagtail or wagtail_dir()
    status = 0
    for domain in [args.domain] if args.domain else DOMAINS:
        counts, missing, apps, upstream = collect(root, domain)
        ours_path = SUPPLEMENT / f"{domain}.po"
        ours = {e.key: e for e in parse_po(ours_path)} if ours_path.exists() else {}
        todo = {k: e for k, e in missing.items() if args.all or not (k in ours and ours[k].translated)}
        if not missing and not ours:
            continue

        print(f"== {domain} ({root})")
        for app, (total, lacking, source) in counts.items():
            if lacking:
                supplied = sum(
                    1 for k, e in missing.items() if app in apps[k] and k in ours and ours[k].translated
                )
                note = "" if source == "en" else f" (msgids from {source})"
                print(f"  {app:42} {total:4} msgids, {lacking:4} not in zh_Hans, {supplied:4} supplied{note}")
        lacking_ours = [k for k in missing if not (k in ours and ours[k].translated)]
        print(f"  distinct msgids lacking upstream: {len(missing)}; still lacking in {ours_path.relative_to(ROOT)}: "
              f"{len(lacking_ours)}")  # fmt: skip
        if lacking_ours:
            status = 1

        if args.list:
            for key, entry in todo.items():
                ctxt = f"[{entry.msgctxt}] " if entry.msgctxt is not None else ""
                print(f"    {', '.join(apps[key])}: {ctxt}{entry.msgid!r}")

        if args.stale:
            stale = [e for k, e in ours.items() if k not in missing]
            for entry in stale:
                ctxt = f"[{entry.msgctxt}] " if entry.msgctxt is not None else ""
                print(f"  stale: {ctxt}{entry.msgid!r}")
            if stale:
                status = 1

        if args.template:
            blocks = [header(root)]
            for key, entry in todo.items():
                hint = [f"apps: {', '.join(apps[key])}"]
                if key in upstream:
                    hint.append(f"upstream zh_Hans elsewhere: {' | '.join(upstream[key])}")
                current = None
                if key in ours:  # keep our translation, our "Gongkai:" notes and a format flag we dropped
                    mine = ours[key]
                    current = mine.msgstr
                    dropped = {flag for flag in entry.flags if flag.endswith("-format")} - mine.flags
                    notes = [c for c in mine.comments if c.startswith("Gongkai:")]
                    entry = replace(entry, flags=entry.flags - dropped, comments=notes + entry.comments)
                blocks.append(format_entry(entry, current, hint))
            args.template.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
            print(f"  wrote {len(todo)} entries to {args.template}")
    return status


if __name__ == "__main__":
    sys.exit(main())
