"""Every string a person reads exists in Chinese and in English."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import catalogues  # noqa: E402


def test_both_catalogues_exist():
    names = {p.parent.parent.name for p in catalogues.catalogues()}
    assert {"zh_Hans", "en"} <= names


def test_no_entry_is_untranslated_or_fuzzy():
    assert catalogues.problems() == []
