"""Message catalogues in locale/: compile them, or extract new strings.

    python scripts/catalogues.py compile   # .po -> .mo, pure Python (polib)
    python scripts/catalogues.py extract   # makemessages for both languages (needs GNU gettext)
    python scripts/catalogues.py check     # exit 1 if an entry is untranslated or fuzzy,
                                           # or a literal of the code is in no catalogue
    python scripts/catalogues.py translate zh.json   # apply {msgid: Chinese} to zh_Hans

For `translate`, a key is the message id, or "context\x04id" for an id with a
context; a plural entry takes a list of forms. `extract` and `translate` hold a
lock on locale/.lock, so several people can run them at once safely.

Message ids are English, so the English catalogue's entries are filled with
their own ids on extraction; the Chinese catalogue is translated by hand.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LOCALES = ["zh_Hans", "en"]
# where the portal's own strings live (not the virtual environment, the tests
# or these scripts)
SOURCES = ["accounts", "config", "consultations", "events", "reminders", "residents",
           "stations", "volunteers", "templates"]
# gettext's functions (and `_`, what they are imported as): which argument is
# the message id, and which the context
MARKERS = {
    "_": (0, None), "gettext": (0, None), "gettext_lazy": (0, None),
    "gettext_noop": (0, None), "ngettext": (0, None), "ngettext_lazy": (0, None),
    "pgettext": (1, 0), "pgettext_lazy": (1, 0), "npgettext": (1, 0),
    "npgettext_lazy": (1, 0),
}
TEMPLATE_TAG = re.compile(
    r"""\{%\s*trans(?:late)?\s+(?P<q>["'])(?P<id>.*?)(?P=q)"""
    r"""(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?[^%]*%\}""",
    re.S,
)


@contextlib.contextmanager
def locked():
    LOCALE.mkdir(exist_ok=True)
    with open(LOCALE / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"compiled {len(catalogues())} catalogues")
    return 0


def problems() -> list[str]:
    found = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{po_path.relative_to(ROOT)}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                found.append(f"{po_path.relative_to(ROOT)}: untranslated: {entry.msgid!r}")
    return found


def literals() -> set[tuple[str | None, str, str]]:
    """(context, message id, where) of every literal message of the sources:
    the first argument of gettext's functions in Python, and `{% translate
    "..." %}` in templates. (blocktranslate blocks are left to makemessages.)"""
    found = set()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in MARKERS:
                    continue
                at, ctx_at = MARKERS[name]
                args = node.args
                if len(args) <= at or not _is_text(args[at]):
                    continue
                context = None
                if ctx_at is not None:
                    if not _is_text(args[ctx_at]):
                        continue
                    context = args[ctx_at].value
                found.add((context, args[at].value, f"{path.relative_to(ROOT)}:{node.lineno}"))
        for path in sorted((ROOT / folder).rglob("*.html")):
            text = path.read_text(encoding="utf-8")
            for match in TEMPLATE_TAG.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.add((match.group("ctx"), match.group("id"),
                           f"{path.relative_to(ROOT)}:{line}"))
    return found


def _is_text(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def missing_literals() -> list[str]:
    """The sources' literal messages that a catalogue does not hold: shown in
    English to everybody until `extract` and `translate` add them."""
    found = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        held = {(entry.msgctxt or None, entry.msgid) for entry in po if not entry.obsolete}
        for context, msgid, where in sorted(literals(), key=lambda item: item[2]):
            if (context, msgid) not in held:
                found.append(f"{po_path.relative_to(ROOT)}: not in the catalogue: {msgid!r} "
                             f"({where}; run `catalogues.py extract`)")
    return found


def extract() -> int:
    with locked():
        return _extract()


def translate(path: str) -> int:
    mapping = json.loads(Path(path).read_text(encoding="utf-8"))
    with locked():
        po_path = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        applied = 0
        for entry in po:
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if key not in mapping:
                continue
            value = mapping[key]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
            applied += 1
        po.save()
    print(f"applied {applied} of {len(mapping)} translations")
    return 0


def _extract() -> int:
    env = dict(
        os.environ, DEBUG="1", DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://unused/x")
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            "--ignore",
            ".venv/*",
            "--ignore",
            ".local/*",
            *sum((["-l", loc] for loc in LOCALES), []),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    en = LOCALE / "en" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(en))
    for entry in po:
        if entry.msgid_plural:
            if not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            # gettext's guess from a similar id is never right for English
            entry.flags.remove("fuzzy")
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
    po.save()
    for line in problems():
        print(line)
    return 0


def check() -> int:
    found = problems() + missing_literals()
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "translate":
        sys.exit(translate(sys.argv[2]))
    sys.exit({"compile": compile_all, "extract": extract, "check": check}[command]())
