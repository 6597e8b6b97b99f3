"""Template helpers for the public site and the admin header.

`language_switch_url` gives, for the page being rendered, the same page's URL in
another language; `language_switch_link` wraps it in the address of the
`switch_language` view, which remembers the choice and redirects there. The
target is translated here, while the page's own language is active, not by the
switching request, whose language comes from the cookie or the browser and may
not be the page's.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme

from stations.fields import display_phone
from stations.languages import SPOKEN_LANGUAGES

register = template.Library()

LANGUAGE_LABELS = dict(SPOKEN_LANGUAGES)
# A longer `next` is not a page of this site; set_language falls back to "/".
MAX_NEXT_LENGTH = 2000


def _translate_local(url: str, language_code: str) -> str:
    """`url` in `language_code` when it is a path of this site; unchanged otherwise."""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return translate_url(url, language_code)


@register.simple_tag(takes_context=True)
def language_switch_url(context, language_code: str) -> str:
    """The current page in `language_code`, with a `next=` parameter (the admin
    login's) translated too, so that logging in after switching stays in the
    chosen language."""
    request = context.get("request")
    if request is None:
        return "/"
    path = request.get_full_path()
    if len(path) > MAX_NEXT_LENGTH:
        path = request.path
    translated = translate_url(path, language_code)
    parts = urlsplit(translated)
    if not parts.query:
        return translated
    query = [
        (key, _translate_local(value, language_code) if key == "next" else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


@register.simple_tag(takes_context=True)
def language_switch_link(context, language_code: str) -> str:
    """The switcher's link to the current page in `language_code`."""
    target = language_switch_url(context, language_code)
    switch = reverse("switch_language", args=[language_code])
    return f"{switch}?{urlencode({'next': target})}"


@register.filter
def language_labels(codes) -> list[str]:
    """Spoken-language codes (ISO 639) as names in the current language; an
    unknown code is shown as it is rather than dropped."""
    return [str(LANGUAGE_LABELS.get(code, code)) for code in codes or ()]


register.filter("phone_display", display_phone)
