"""Helpers for django-axes (brute-force protection, see config/settings.py)."""

from __future__ import annotations


def login_identifier(request, credentials: dict | None) -> str:
    """The account a login attempt is counted against: the e-mail address as
    typed in the admin's or the public site's log-in form, lower-cased, so that
    changing the case of a letter does not start a fresh count."""
    value = ""
    if credentials:
        value = credentials.get("username") or credentials.get("email") or ""
    if not value and request is not None:
        value = request.POST.get("username", "") if request.method == "POST" else ""
    return str(value).strip().lower()


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out log-in gets, in the language of the page it came
    from, with status 429 (Too Many Requests)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)
