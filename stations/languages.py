"""Languages a station offers or a person speaks (ISO 639-1 codes).

A fixed list rather than free text so that counsellors can be matched to residents
and summaries can count by language. Labels are translated through gettext.
"""

from django.utils.translation import gettext_lazy as _

SPOKEN_LANGUAGES = [
    ("zh", _("Chinese (Mandarin)")),
    ("nan", _("Minnan (Hokkien)")),
    ("yue", _("Cantonese")),
    ("en", _("English")),
    ("ja", _("Japanese")),
    ("ko", _("Korean")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("it", _("Italian")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("hi", _("Hindi")),
    ("ur", _("Urdu")),
    ("bn", _("Bengali")),
    ("th", _("Thai")),
    ("vi", _("Vietnamese")),
    ("id", _("Indonesian")),
    ("ms", _("Malay")),
    ("tl", _("Filipino")),
    ("tr", _("Turkish")),
    ("fa", _("Persian")),
    ("pl", _("Polish")),
    ("cs", _("Czech")),
    ("uk", _("Ukrainian")),
    ("nl", _("Dutch")),
    ("sv", _("Swedish")),
    ("sw", _("Swahili")),
    ("am", _("Amharic")),
    ("my", _("Burmese")),
    ("km", _("Khmer")),
    ("mn", _("Mongolian")),
    ("kk", _("Kazakh")),
    ("he", _("Hebrew")),
    ("el", _("Greek")),
]

SPOKEN_LANGUAGE_CODES = frozenset(code for code, _label in SPOKEN_LANGUAGES)
