"""Base classes and shared helpers for the staff admin: every station-owned
admin is scoped.

Three walls keep a station's staff inside their stations:
1. the request runs inside a django-scopes scope (StationScopeMiddleware);
2. `get_queryset` filters by the user's stations explicitly, so a missing scope
   could not widen what is shown;
3. foreign-key choices and list filters offer only the user's stations' rows,
   and saving checks that every related row belongs to the same station.
Another station's object id answers 404, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import Station
from .roles import role_allows
from .tenancy import is_station_owned, user_station_ids, user_station_roles

NOT_ALLOWED = _("Your role at this station does not allow this.")


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def form_values(form: forms.ModelForm, *, exclude: tuple[str, ...] = ("station",)) -> dict:
    """The model field values a form cleaned, for passing to a service."""
    names = {f.name for f in form._meta.model._meta.concrete_fields}
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in names and name not in exclude
    }


def adopt(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved `obj` the row a service created, so the rest of
    the admin's save (inlines, log entry, redirect) works on the saved row."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


class TimestampListFilter(admin.SimpleListFilter):
    """Yes/no over a nullable timestamp `field`: "yes" keeps the rows where it
    is set (the moment has happened), or, with `yes_when_empty`, the rows where
    it is still empty."""

    field: str
    yes_when_empty = False
    yes_label = _("Yes")
    no_label = _("No")

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        empty = (self.value() == "yes") == self.yes_when_empty
        return queryset.filter(**{f"{self.field}__isnull": empty})


class RolePermissionMixin:
    """Permissions from the role at the row's station (see stations.roles)."""

    def _allowed(self, request, action: str, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        station_id = None
        if obj is not None:
            station_id = obj.pk if isinstance(obj, Station) else getattr(obj, "station_id", None)
        return role_allows(user_station_roles(user), _label(self.model), action, station_id)

    def has_module_permission(self, request):
        return self._allowed(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view", obj) or self._allowed(request, "change", obj)

    def has_add_permission(self, request, *args):
        return self._allowed(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change", obj)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete", obj)


class RecordsSensitiveViewsMixin:
    """Records in the audit log each time a change page shows one of
    `sensitive_fields` with a value (stations/audit.py)."""

    sensitive_fields: tuple[str, ...] = ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200 and self.sensitive_fields:
            from django.contrib.admin.utils import unquote

            from .audit import record_view

            obj = self.get_object(request, unquote(object_id))
            on_page = set(self.get_fields(request, obj)) if obj is not None else set()
            shown = [
                name
                for name in self.sensitive_fields
                if name in on_page and getattr(obj, name, None)
            ]
            if obj is not None and shown:
                record_view(obj, shown)
        return response


class NotFoundNotRedirectMixin:
    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin redirects with a message; for another station's id the
        # answer must not differ from a missing id, and both are a plain 404.
        raise Http404(_("This record does not exist or belongs to another station."))


class StationScopedAdminMixin(NotFoundNotRedirectMixin, RolePermissionMixin):
    """For models with a `station` foreign key."""

    station_field = "station"

    def station_ids(self, request) -> list[int] | None:
        if request.user.is_superuser:
            return None
        return list(user_station_ids(request.user))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = self.station_ids(request)
        return qs if ids is None else qs.filter(station_id__in=ids)

    def _single_station(self, request) -> bool:
        ids = self.station_ids(request)
        return ids is not None and len(ids) <= 1

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self._single_station(request):
            # one station: a station filter would offer a single choice
            filters = [f for f in filters if f != self.station_field]
        return filters

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self._single_station(request) and len(columns) > 1:
            # one station: the column would repeat its name on every row
            columns = [c for c in columns if c != self.station_field]
        return columns

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is None:
            return field
        ids = self.station_ids(request)
        if ids is None:
            return field
        related = db_field.related_model
        if related is Station:
            field.queryset = field.queryset.filter(pk__in=ids)
            if len(ids) == 1:
                field.initial = ids[0]
        elif is_station_owned(related):
            field.queryset = field.queryset.filter(station_id__in=ids)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        ids = self.station_ids(request)
        if field is not None and ids is not None and is_station_owned(db_field.related_model):
            field.queryset = field.queryset.filter(station_id__in=ids)
        return field

    def check_can_save(self, request, obj, change) -> None:
        """Refuse a row placed at a station where the user holds no role that
        allows this save (the station choice lists every station the user works
        at, whatever the role there)."""
        ids = self.station_ids(request)
        if ids is None:
            return
        action = "change" if change else "add"
        if obj.station_id not in ids or not self._allowed(request, action, obj):
            raise PermissionDenied

    def save_model(self, request, obj, form, change):
        self.check_can_save(request, obj, change)
        super().save_model(request, obj, form, change)

    def run_row_action(
        self,
        request,
        queryset: QuerySet,
        *,
        service: Callable[[Model], Any],
        done_message: Callable[[int], str],
        permission: str = "change",
    ) -> list[Any]:
        """A list action, row by row: `service(row)` for each row the user's
        role at that row's station allows. A row the role does not allow, or
        the service refuses with a ValidationError, stays as it was and gets
        one warning with the reason, after the success message
        `done_message(count)` (shown only when some row was done). Returns
        what the service returned for the rows it did."""
        done, refused = [], []
        for obj in queryset:
            if not self._allowed(request, permission, obj):
                refused.append((obj, ValidationError(NOT_ALLOWED)))
                continue
            try:
                done.append(service(obj))
            except ValidationError as exc:
                refused.append((obj, exc))
        if done:
            self.message_user(request, done_message(len(done)), messages.SUCCESS)
        for obj, exc in refused:
            self.message_user(
                request,
                _("%(item)s: %(reason)s") % {"item": obj, "reason": " ".join(exc.messages)},
                messages.WARNING,
            )
        return done


class AddThenShowMixin:
    """For rows that are added on the add page (with `add_fields`) and then
    only shown (`fields`, read-only): they change by the list's actions. Those
    actions and the add page need the change right, so only a saved row's own
    page refuses changing."""

    add_fields: Sequence[str] = ()

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


class StationScopedAdmin(StationScopedAdminMixin, admin.ModelAdmin):
    pass


class StationScopedTranslationAdmin(StationScopedAdminMixin, TranslationAdmin):
    pass


class StationScopedInline(RolePermissionMixin, admin.TabularInline):
    """Inline rows of a station-owned parent; choices limited like the parent."""

    def station_ids(self, request) -> list[int] | None:
        if request.user.is_superuser:
            return None
        return list(user_station_ids(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        ids = self.station_ids(request)
        if field is not None and ids is not None:
            if db_field.related_model is Station:
                field.queryset = field.queryset.filter(pk__in=ids)
            elif is_station_owned(db_field.related_model):
                field.queryset = field.queryset.filter(station_id__in=ids)
        return field


class StationScopedReadOnlyInline(StationScopedInline):
    """Child rows shown on the parent's page and never added, changed or
    deleted there: they change on their own pages or by their list's actions.
    Subclasses set `readonly_fields = fields`."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CatalogueAdmin(NotFoundNotRedirectMixin, RolePermissionMixin, TranslationAdmin):
    """City-wide catalogues: every station role reads, superusers write."""
