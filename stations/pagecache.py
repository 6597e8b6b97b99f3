"""Anonymous visitors' copies of the public pages, kept for a short time.

Most requests to the public site come from people who are not logged in and
read the same pages: the event list, an event, a station, notices and guides.
`cache_for_visitors` keeps the page a view rendered for such a request in the
shared cache and answers the next such request with it, without running the
view: without a query and without rendering a template.

What is cached, and what never is:

- only GET and HEAD requests that carry neither a session cookie nor a
  messages cookie: whoever has a session may be logged in and see their own
  registration, and a pending message is meant for one person;
- only a 200 response that sets no cookie, did not use the CSRF token (a page
  with a form carries a token for one browser) and does not forbid caching;
- the key holds the host, the full path with the query string (the language
  is in the path) and a version number.

Staleness is bounded twice: an entry lives `PUBLIC_PAGE_CACHE_SECONDS`
(60 s by default, 0 switches the cache off), and every save or delete of a row
the public pages show bumps the version (`public_pages_changed`, connected in
`StationsConfig.ready`), at once and again after the commit, so that a page
cached by another request between the two is not served either. Writes that
bypass `save()` (a queryset `update()`) are covered by the time limit only.
The number of places left is therefore never older than the last registration
saved; the registration itself always decides on the locked event row.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.cache import get_max_age

VERSION_KEY = "public-pages:version"
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage


def public_pages_changed(**_signal_kwargs) -> None:
    """Make every cached public page stale, now and after the commit."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # first write since the cache started (or since it was cleared)
        if not cache.add(VERSION_KEY, 2, timeout=None):
            cache.incr(VERSION_KEY)


def _seconds() -> int:
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0))


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
    )


def _cacheable_response(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not getattr(response, "streaming", False)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and "private" not in cache_control
        and "no-store" not in cache_control
        and get_max_age(response) != 0
    )


def _key(request) -> str:
    version = cache.get(VERSION_KEY, 1)
    address = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"public-page:{version}:{digest}"


def cache_for_visitors(view):
    """Serve anonymous visitors `view`'s page from the shared cache (above)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = _seconds()
        if seconds <= 0 or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if _cacheable_response(request, response):
            cache.set(key, response, seconds)
        return response

    return wrapped
