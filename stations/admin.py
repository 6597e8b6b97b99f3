"""Staff admin of the region tree, stations, staff roles, officials, partners,
and the notices and guide pages stations publish.

Also the two helpers the domain admins share for writing through services
(`ServiceForm`, `ServiceAdminMixin`) and `StationFixedMixin`.

Choosing the person for a new station role: superusers pick any account
(autocomplete over every account). Managers type the e-mail address of an
existing account instead: a list of every account would show them residents
and other stations' staff. Accounts themselves are created by superusers.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, Q
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from .adminbase import (
    NOT_ALLOWED,
    CatalogueAdmin,
    NotFoundNotRedirectMixin,
    RolePermissionMixin,
    StationScopedAdmin,
    StationScopedTranslationAdmin,
)
from .models import (
    AuditEntry,
    GuidePage,
    Notice,
    Partner,
    Region,
    RegionMembership,
    Station,
    StationMembership,
)
from .services import (
    membership_create,
    membership_delete,
    membership_update,
    region_membership_create,
    region_membership_delete,
)
from .tenancy import user_station_ids


class ServiceForm(forms.ModelForm):
    """A model form that saves through a service while it validates.

    The admin saves only after validation, so a refusal found while writing
    (the database refusing a double booking under a race) would surface there
    as a server error. Saving here turns every refusal into a form error; the
    service's own transaction is a savepoint inside the admin's, so a refused
    write leaves nothing behind. The admin's `save_model` then has nothing
    left to do (see ServiceAdminMixin).

    Only for admins without inlines: an inline that failed validation after
    the row was saved here would not undo the save.

    Subclasses leave `Meta.fields` empty and the admin names the fields: a
    form class built at import time would query station-owned choices outside
    any scope.
    """

    # set on the per-request form class by ServiceAdminMixin.get_form
    request: ClassVar[Any] = None
    model_admin: ClassVar[Any] = None
    # errors the service reports on a model field shown under another name
    error_field_map: ClassVar[dict[str, str]] = {}

    def save_through_service(self) -> Model:
        raise NotImplementedError

    def permission_target(self) -> Model:
        """The row whose station decides whether the user's role allows saving."""
        return self.instance

    def _post_clean(self):
        super()._post_clean()
        if self._errors:
            return
        action = "add" if self.instance._state.adding else "change"
        if self.model_admin is not None and not self.model_admin.role_allows_saving(
            self.request, action, self.permission_target()
        ):
            self.add_error(None, NOT_ALLOWED)
            return
        try:
            self.instance = self.save_through_service()
        except ValidationError as exc:
            self.add_service_errors(exc)

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.error_list)
            return
        for name, errors in exc.error_dict.items():
            target = self.error_field_map.get(name, name)
            if target == NON_FIELD_ERRORS or target not in self.fields:
                target = None
            self.add_error(target, errors)

    def save(self, commit: bool = True) -> Model:
        if self.errors:
            raise ValueError("A form with errors cannot be saved.")
        if commit:
            self._save_m2m()
        else:
            self.save_m2m = self._save_m2m
        return self.instance


class ServiceAdminMixin:
    """For admins whose form is a ServiceForm: the form has saved the row."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        # modelform_factory builds a new class on every call, so these
        # attributes belong to this request only.
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        form.model_admin = self
        return form

    def role_allows_saving(self, request, action: str, obj: Model) -> bool:
        """The role at the row's station decides (the add and change pages only
        checked that some role of the user allows it)."""
        allowed = getattr(self, "_allowed", None)
        return allowed(request, action, obj) if allowed is not None else True

    def save_model(self, request, obj, form, change):
        if obj.pk is None:
            # every form of these admins saves through its service
            raise RuntimeError(f"{type(form).__name__} did not save through a service.")


class StationFixedMixin:
    """A row stays at the station it was created at: its related rows
    (residents, shifts, sign-ups...) belong to that station."""

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and "station" not in fields:
            fields = ("station", *fields)
        return fields


@admin.register(Region)
class RegionAdmin(CatalogueAdmin):
    list_display = ("name", "level", "parent", "code")
    list_filter = ("level",)
    search_fields = ("name_zh_hans", "name_en", "code")
    list_select_related = ("parent",)
    ordering = ("code",)


@admin.register(Station)
class StationAdmin(NotFoundNotRedirectMixin, RolePermissionMixin, TranslationAdmin):
    """Superusers add and delete stations; a manager edits their own station's
    details, other roles read them. The station is the tenant itself, so the
    rows are filtered on the primary key rather than on a `station` field."""

    list_display = ("name", "kind", "region", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name_zh_hans", "name_en", "slug")
    list_select_related = ("region",)
    # the tree under a station's region: where it sits, not who sees it
    superuser_only_fields = ("region", "slug", "kind", "is_active")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(pk__in=user_station_ids(request.user))

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ("created_at",) if obj is not None else ()
        return (*self.superuser_only_fields, "created_at")

    def delete_view(self, request, object_id, extra_context=None):
        # Only superusers delete stations; for everyone else another station's
        # delete page must still answer exactly like a missing station's.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("This record does not exist or belongs to another station."))
        return super().delete_view(request, object_id, extra_context)

    def get_prepopulated_fields(self, request, obj=None):
        if request.user.is_superuser:
            return {"slug": ("name_en",)}
        return {}

    def get_urls(self):
        from django.urls import path

        view = self.admin_site.admin_view(self.summary_view)
        return [
            path("<path:object_id>/summary/", view, name="stations_station_summary"),
            *super().get_urls(),
        ]

    def summary_view(self, request, object_id):
        """The yearly summary of one station for its staff: a page of links, or
        the file when a format is asked for. Another station's id answers 404."""
        from django.http import HttpResponse
        from django.template.response import TemplateResponse

        from .exporters import FORMAT_LABELS, check_format, check_language, export_summary
        from .summary import parse_year, scope_for_station

        station = self.get_object(request, unquote(object_id))
        if station is None:
            raise Http404(_("This record does not exist or belongs to another station."))
        today = timezone.localdate()
        errors, year = [], today.year - 1
        try:
            if request.GET.get("year"):
                year = parse_year(request.GET["year"], today=today)
            if request.GET.get("format"):
                fmt = check_format(request.GET["format"])
                language = check_language(request.GET.get("language", ""))
                file = export_summary(
                    scope=scope_for_station(station), year=year, fmt=fmt, language=language
                )
                response = HttpResponse(file.content, content_type=file.mimetype)
                response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
                return response
        except ValidationError as exc:
            errors = exc.messages
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": station,
            "title": _("Yearly summary of %(station)s") % {"station": station.name},
            "year": year,
            "errors": errors,
            "formats": FORMAT_LABELS.items(),
            "languages": settings.LANGUAGES,
        }
        return TemplateResponse(
            request,
            "admin/stations/station/summary.html",
            context,
            status=400 if errors else 200,
        )


class MembershipForm(ServiceForm):
    class Meta:
        model = StationMembership
        fields = ()

    def save_through_service(self) -> Model:
        data = self.cleaned_data
        if self.instance._state.adding:
            return membership_create(
                station=data["station"], user=data["user"], role=data["role"],
                actor=self.request.user,
            )
        return membership_update(
            membership=self.instance, role=data["role"], actor=self.request.user
        )


class MembershipByEmailForm(MembershipForm):
    """A manager names the person by the e-mail address of their account."""

    email = forms.EmailField(
        label=_("e-mail address"),
        help_text=_(
            "The e-mail address the person logs in with. The account must exist; "
            "an administrator creates accounts."
        ),
    )
    error_field_map: ClassVar[dict[str, str]] = {"user": "email"}


    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        try:
            self.instance.user = get_user_model().objects.get(email__iexact=email)
        except get_user_model().DoesNotExist as exc:
            raise ValidationError(
                _("No account uses this e-mail address. Ask an administrator to create it."),
                code="no_account",
            ) from exc
        return email

    def save_through_service(self) -> Model:
        data = self.cleaned_data
        return membership_create(
            station=data["station"], user=self.instance.user, role=data["role"],
            actor=self.request.user,
        )


@admin.register(StationMembership)
class StationMembershipAdmin(ServiceAdminMixin, StationScopedAdmin):
    """Managers add and remove the staff of their station; the role is the only
    thing that changes afterwards."""

    list_display = ("user", "user_email", "station", "role", "created_at")
    list_filter = ("station", "role")
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user", "station")
    actions = ("remove_selected",)

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def user_email(self, obj: StationMembership) -> str:
        return obj.user.email

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            fields = ("station", "email", "role")
        else:
            fields = ("station", "user", "role")
        return [(None, {"fields": fields})]

    def get_readonly_fields(self, request, obj=None):
        return ("station", "user") if obj is not None else ()

    def get_autocomplete_fields(self, request):
        return ("user",) if request.user.is_superuser else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        by_email = obj is None and not request.user.is_superuser
        kwargs["form"] = MembershipByEmailForm if by_email else MembershipForm
        return super().get_form(request, obj, change, **kwargs)

    def get_actions(self, request):
        actions = super().get_actions(request)
        # removal goes through the service (admin access, last manager)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            membership_delete(membership=membership, actor=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change",
                    args=[object_id],
                    current_app=self.admin_site.name,
                )
            )

    @admin.action(permissions=["delete"], description=_("Remove selected roles"))
    def remove_selected(self, request, queryset):
        self.run_row_action(
            request,
            queryset.select_related("user", "station"),
            service=lambda membership: membership_delete(
                membership=membership, actor=request.user
            ),
            permission="delete",
            done_message=lambda count: ngettext(
                "%(count)d role removed.", "%(count)d roles removed.", count
            )
            % {"count": count},
        )


class RegionMembershipForm(ServiceForm):
    class Meta:
        model = RegionMembership
        fields = ()

    def save_through_service(self) -> Model:
        return region_membership_create(
            region=self.cleaned_data["region"], user=self.cleaned_data["user"],
            actor=self.request.user,
        )


@admin.register(RegionMembership)
class RegionMembershipAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Officials of a city or a district; superusers only. A membership is
    added or removed, never edited."""

    form = RegionMembershipForm
    list_display = ("user", "region", "region_level", "created_at")
    list_filter = ("region__level",)
    search_fields = ("user__email", "user__full_name", "region__name_zh_hans", "region__name_en")
    list_select_related = ("user", "region")
    autocomplete_fields = ("user",)
    fields = ("region", "user")

    @admin.display(description=_("level"), ordering="region__level")
    def region_level(self, obj: RegionMembership) -> str:
        return obj.region.get_level_display()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["queryset"] = Region.objects.filter(
                level__in=(Region.Level.CITY, Region.Level.DISTRICT)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_add_permission(self, request):
        return self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)

    def delete_model(self, request, obj):
        region_membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            region_membership_delete(membership=membership, actor=request.user)


@admin.register(Partner)
class PartnerAdmin(StationFixedMixin, StationScopedTranslationAdmin):
    list_display = ("name", "kind", "agreement_date", "station")
    list_filter = ("kind", "station")
    date_hierarchy = "agreement_date"
    search_fields = ("name_zh_hans", "name_en", "contact_name")
    list_select_related = ("station",)


class PublishedNowFilter(admin.SimpleListFilter):
    """Notices on the site now, and the rest (drafts and scheduled ones)."""

    title = _("on the site")
    parameter_name = "live"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(published_at__lte=now)
        if self.value() == "no":
            return queryset.filter(Q(published_at__isnull=True) | Q(published_at__gt=now))
        return queryset


@admin.register(Notice)
class NoticeAdmin(StationFixedMixin, StationScopedTranslationAdmin):
    """Bilingual notices, Chinese and English side by side. A notice without a
    publication time is a draft; one with a future time appears then."""

    list_display = ("title", "kind", "published_at", "is_pinned", "station")
    list_filter = ("kind", PublishedNowFilter, "is_pinned", "station")
    date_hierarchy = "published_at"
    search_fields = ("title_zh_hans", "title_en", "body_zh_hans", "body_en")
    list_select_related = ("station",)
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("station", "kind"),
                    ("title_zh_hans", "title_en"),
                    ("body_zh_hans", "body_en"),
                    ("published_at", "is_pinned"),
                ]
            },
        ),
    ]


@admin.register(GuidePage)
class GuidePageAdmin(StationFixedMixin, StationScopedTranslationAdmin):
    """Pages of a station's bilingual handbook, Chinese and English side by side."""

    list_display = ("title", "topic", "is_published", "updated_at", "station")
    list_filter = ("topic", "is_published", "station")
    search_fields = ("title_zh_hans", "title_en", "body_zh_hans", "body_en", "slug")
    list_select_related = ("station",)
    prepopulated_fields = {"slug": ("title_en",)}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("station", "topic"),
                    ("title_zh_hans", "title_en"),
                    "slug",
                    ("body_zh_hans", "body_en"),
                    "is_published",
                ]
            },
        ),
    ]


@admin.register(AuditEntry)
class AuditEntryAdmin(StationScopedAdmin):
    """The station's audit log, for its managers (and superusers): read only,
    for everyone. The database refuses changes too (migration 0004)."""

    list_display = ("at", "action", "model", "object_id", "actor_kind", "actor_id", "address",
                    "station")
    list_filter = ("action", "model", "actor_kind", "station")
    date_hierarchy = "at"
    search_fields = ("object_id",)
    list_select_related = ("station",)
    fields = ("at", "station", "action", "model", "object_id", "actor_kind", "actor_id",
              "address", "changes")
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
