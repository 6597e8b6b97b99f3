"""Who may call the REST API and how often: the authentication, permission,
throttle and pagination classes the settings name (REST_FRAMEWORK). Kept apart
from stations/apibase.py because DRF's views read these settings when they are
imported, so this module must not import them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import SimpleRateThrottle

from .models import Station
from .roles import role_allows
from .tenancy import user_station_roles

SAFE_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view"}
WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


# --- who is calling ---------------------------------------------------------------


class BearerTokenAuthentication(BaseAuthentication):
    """The token accounts.middleware.ApiTokenMiddleware checked."""

    def authenticate(self, request):
        django_request = request._request
        if getattr(django_request, "api_token_refused", False):
            raise exceptions.AuthenticationFailed(
                _("This API token is not valid: it is unknown, revoked or expired.")
            )
        token = getattr(django_request, "api_token", None)
        if token is None:
            return None
        return django_request.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The logged-in session; staff and officials only once it passed the
    second factor, as for the admin."""

    def authenticate(self, request):
        from accounts.two_factor import needs_second_factor

        found = super().authenticate(request)
        if found is None:
            return None
        user = found[0]
        verified = getattr(request._request.user, "is_verified", lambda: False)()
        if needs_second_factor(user) and not verified:
            raise exceptions.AuthenticationFailed(
                _("Pass the second factor on the site first, or use an API token.")
            )
        return found


# --- what they may do ---------------------------------------------------------------


def action_of(request) -> str:
    return SAFE_ACTIONS.get(request.method) or WRITE_ACTIONS.get(request.method, "change")


class StaffRolePermission(permissions.BasePermission):
    """For station staff's endpoints: a role at some station (any superuser),
    and at the row's station the role that allows the action on the view's
    `role_model` (a model label, e.g. "residents.resident")."""

    message = _("Your role at this station does not allow this.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if user.is_superuser:
            return True
        roles = user_station_roles(user)
        if not roles:
            self.message = _("Only the staff of a station may use this part of the API.")
            return False
        label = getattr(view, "role_model", None)
        return label is None or role_allows(roles, label, view_action(view, request))

    def has_object_permission(self, request, view, obj):
        user = request.user
        if user.is_superuser:
            return True
        label = getattr(view, "role_model", None)
        station_id = obj.pk if isinstance(obj, Station) else getattr(obj, "station_id", None)
        return label is None or role_allows(
            user_station_roles(user), label, view_action(view, request), station_id
        )


def view_action(view, request) -> str:
    """The role action of this request: a view's custom actions (check in,
    cancel, review) change their row."""
    extra = getattr(view, "action", None)
    if extra and extra not in {"list", "retrieve", "create", "update", "partial_update",
                               "destroy", "metadata"}:
        return "change"
    return action_of(request)


class Authenticated(permissions.BasePermission):
    """Anyone logged in (residents' own data, officials' summaries)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        return True


class TokenOrAddressThrottle(SimpleRateThrottle):
    """API_RATE requests per token, per account, or per address."""

    scope = "api"

    def get_cache_key(self, request, view):
        token = getattr(request._request, "api_token", None)
        if token is not None:
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
