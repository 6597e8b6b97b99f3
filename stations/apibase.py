"""Shared machinery of the REST API (docs/api.md), as adminbase.py is the
admin's.

Who may call:
- staff and officials with a personal token (`Authorization: Bearer <key>`,
  read by accounts.middleware before the station scope opens);
- anyone logged in with a session (residents for their own data; staff only
  once the session passed the second factor), with CSRF for writes.

What they see: every station-owned endpoint is scoped like the admin. The
request already runs in the user's station scope (StationScopeMiddleware);
`StationScopedViewSet.get_queryset` filters by the user's stations again, so
another station's id answers 404 exactly like a missing one. Permissions come
from the role at the row's station (stations/roles.py): reading needs "view",
creating "add", changing "change", deleting "delete".

Writes go through the same services as the admin and the public site; a
refusal of a service (a Django ValidationError) answers 400 with its messages.
Errors always have one shape: `{"detail": "...", "errors": {field: [messages]}}`
("errors" only for invalid input). Unknown fields in a request are refused,
not ignored.
"""

from __future__ import annotations

from datetime import UTC, date

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .apiauth import Authenticated, StaffRolePermission
from .models import Station
from .roles import role_allows
from .tenancy import user_station_ids, user_station_roles

__all__ = ["Authenticated", "StaffRolePermission"]

# ids are PostgreSQL bigints; a longer number is no id (404, not a database error)
MAX_ID = 2**63 - 1
ID_PATTERN = "[0-9]{1,18}"
FIRST_YEAR, LAST_YEAR = 1900, 2999


# --- input ------------------------------------------------------------------------


class StrictSerializerMixin:
    """Refuse fields the endpoint does not take, instead of ignoring them: a
    typo must not look like a success."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {
                name for name, field in self.fields.items() if not field.read_only
            }
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field is not accepted here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StationRowField(serializers.PrimaryKeyRelatedField):
    """A related row by id, among the caller's stations' rows only: another
    station's id reads as one that does not exist (400, "Invalid pk")."""

    def __init__(self, model, **kwargs):
        self.model = model
        # for the schema only; requests go through get_queryset
        kwargs.setdefault("queryset", model.objects.with_scopes_disabled())
        super().__init__(**kwargs)

    def get_queryset(self):
        view = self.context.get("view")
        if view is None or not hasattr(view, "station_ids"):
            return self.model.objects.with_scopes_disabled().none()
        ids = view.station_ids()
        # the request's scope is open; the filter is the second wall
        rows = self.model.objects.all()
        return rows if ids is None else rows.filter(station_id__in=ids)


class OptionalURLField(serializers.CharField):
    """An http(s) address, or empty: a URLField's `format: uri` in the schema
    would call the empty value invalid."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", "An http or https address, or empty.")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        # checked here, not as a validator: the schema generator would read a
        # URLValidator as `format: uri`, which the empty value is not
        if value:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return value


def fixed(values: dict, instance, *names: str) -> dict:
    """`values` without `names`, which may be sent unchanged but never changed
    (a row's station, a volunteer's hours): a change is refused with a message."""
    for name in names:
        if name in values:
            if values[name] != getattr(instance, name):
                raise exceptions.ValidationError({name: [_("This cannot be changed.")]})
            del values[name]
    return values


def translated(name: str) -> list[str]:
    """A modeltranslation field as the API shows it: both languages, and the
    plain name, read-only, in the request's language (with the fallback)."""
    return [f"{name}_zh_hans", f"{name}_en", name]


# --- the viewsets -------------------------------------------------------------------


class StationScopedViewSet(viewsets.GenericViewSet):
    """Rows of the user's stations only (every station for a superuser)."""

    role_model: str | None = None
    model: type | None = None
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            manager = self.model.objects
            unscoped = getattr(manager, "with_scopes_disabled", manager.all)
            return unscoped().none()
        return self.rows()

    def rows(self):
        """The rows the caller may see (subclasses)."""
        raise NotImplementedError

    def station_ids(self) -> list[int] | None:
        user = self.request.user
        if user.is_superuser:
            return None
        return list(user_station_ids(user))

    def scoped(self, queryset):
        ids = self.station_ids()
        return queryset if ids is None else queryset.filter(station_id__in=ids)

    def writable_station(self, station: Station, action: str = "add") -> Station:
        """`station` if the user's role there allows `action` on this view's
        model; otherwise a clear refusal (403), never a write elsewhere."""
        user = self.request.user
        if user.is_superuser:
            return station
        if not role_allows(user_station_roles(user), self.role_model, action, station.pk):
            raise exceptions.PermissionDenied(StaffRolePermission.message)
        return station


# --- errors ---------------------------------------------------------------------------


def _messages(detail) -> list[str]:
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item)]
    if isinstance(detail, dict):
        return [m for item in detail.values() for m in _messages(item)]
    return [str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def django_validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's refusal as the API's 400."""
    if hasattr(exc, "error_dict"):
        detail = {
            ("non_field_errors" if key == "__all__" else key): [str(m) for m in messages]
            for key, messages in exc.message_dict.items()
        }
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": [str(m) for m in exc.messages]})


INVALID = _("Some of what was sent is not valid.")


def exception_handler(exc, context):
    """Every error in one shape: {"detail": text, "errors": {field: [text]}}."""
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(INVALID), "errors": _field_errors(exc.detail)}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
        response.data = {"detail": " ".join(_messages(detail))}
    return response


def created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)


# --- filters ----------------------------------------------------------------------


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number that fits the database's ids."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _MomentField(IsoDateTimeField):
    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Give a moment between the years %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        # PostgreSQL refuses offsets beyond ±15:59; in UTC there is none
        return moment.astimezone(UTC)


class MomentFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment (with its offset), compared in UTC."""

    field_class = _MomentField


class DayFilter(django_filters.DateFilter):
    """A day, from year FIRST_YEAR to LAST_YEAR."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra.setdefault(
            "validators",
            [MinValueValidator(date(FIRST_YEAR, 1, 1)), MaxValueValidator(date(LAST_YEAR, 12, 31))],
        )
