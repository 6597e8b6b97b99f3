"""Security headers on every response, beside what Django's SecurityMiddleware
and XFrameOptionsMiddleware already send (HSTS, nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy, X-Frame-Options).

The Content-Security-Policy allows scripts, styles, fonts and frames only from
the portal itself: no inline script, no inline style, no `eval`; images also
as `data:` URIs (the admin's icons); forms post only to the portal; no page
may be framed (`frame-ancestors 'none'`, the modern form of X-Frame-Options).
The pages were written for it: no template carries a `<script>` body, a
`style=` attribute or an `on...=` handler (tests/test_security_headers.py
checks the templates and every public page).

`CONTENT_SECURITY_POLICY` in the settings replaces the policy; an empty value
sends none.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


IDLE_LIMIT_KEY = "_portal_idle_limit"


class StaffSessionTimeoutMiddleware:
    """End the session of staff and officials after
    `STAFF_SESSION_IDLE_SECONDS` without a request (30 minutes by default).

    Whether the user is staff or an official is decided once per session and
    kept in it, so a resident's request costs no query; every request of
    staff moves the end on (the session is saved with the new expiry).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            limit = request.session.get(IDLE_LIMIT_KEY)
            if limit is None:
                limit = settings.STAFF_SESSION_IDLE_SECONDS if _holds_personal_data(user) else 0
                request.session[IDLE_LIMIT_KEY] = limit
            if limit:
                request.session.set_expiry(limit)
        return self.get_response(request)


def _holds_personal_data(user) -> bool:
    from stations.models import StationMembership

    # runs before the station scope is opened: who the user is decides it
    memberships = StationMembership.objects.with_scopes_disabled().filter(user=user)
    return bool(
        user.is_staff
        or user.is_superuser
        or memberships.exists()
        or user.region_memberships.exists()
    )


def client_address(request) -> str | None:
    """The client's address as the audit log and the lockout see it: the
    socket's, or with TRUSTED_PROXY_COUNT proxies of ours in front, the
    X-Forwarded-For entry the outermost of them appended (a client can forge
    the entries before it, not that one)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
