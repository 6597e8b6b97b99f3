"""Rate limits for the public forms (sign-up, log-in, password reset, bookings).

A fixed window per client address and form, counted in the shared cache. Only
POSTs count: reading a form is never limited. Past the limit the person gets a
page in their language with status 429 and nothing is written.

The client address is REMOTE_ADDR: behind a proxy, the proxy must set it (e.g.
gunicorn's --forwarded-allow-ips); X-Forwarded-For is not trusted here, because
anyone can send it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from django.core.cache import cache
from django.shortcuts import render


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(name: str, key: str, *, limit: int, period: int) -> bool:
    """Count one attempt; True while the attempts in this window are within `limit`."""
    window = int(time.time() // period)
    cache_key = f"ratelimit:{name}:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period + 5)
        count = 1
    return count <= limit


def rate_limited(name: str, *, limit: int, period: int, key: Callable = client_address):
    """Limit POSTs to the decorated view to `limit` per `period` seconds per key."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and not hit(name, key(request), limit=limit, period=period):
                minutes = max(1, -(-period // 60))
                response = render(
                    request, "errors/429.html", {"retry_minutes": minutes}, status=429
                )
                response["Retry-After"] = str(period)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
