"""Staff admin of volunteer opportunities, shifts, sign-ups and hours.

Sign-ups and hours are written through volunteers.services (places, duplicates,
review rules); a sign-up is made on the sign-up page, never inside a shift's
page, so the place count is checked in one place.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Model
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stations.admin import ServiceAdminMixin, ServiceForm, StationFixedMixin
from stations.adminbase import (
    AddThenShowMixin,
    StationScopedAdmin,
    StationScopedInline,
    StationScopedReadOnlyInline,
    StationScopedTranslationAdmin,
    adopt,
    form_values,
)
from stations.exports import EXPORT_ACTIONS
from stations.spreadsheets import SpreadsheetImportAdminMixin

from .imports import HOURS
from .models import HoursEntry, Opportunity, Shift, Signup
from .selectors import shifts_with_places
from .services import (
    HOURS_FIELDS,
    hours_entry_create,
    hours_entry_review,
    hours_entry_update,
    shift_create,
    shift_delete,
    shift_update,
    signup_create,
    signup_withdraw,
)


class SameStationFormSet(BaseInlineFormSet):
    """Child rows take their station from the parent row."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.station_id = self.instance.station_id
        return form


class ShiftInline(StationScopedInline):
    model = Shift
    formset = SameStationFormSet
    fields = ("starts_at", "ends_at", "capacity")
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(StationFixedMixin, StationScopedTranslationAdmin):
    list_display = ("title", "category", "station", "is_published", "shift_count")
    list_filter = ("station", "category", "is_published")
    search_fields = ("title_zh_hans", "title_en")
    list_select_related = ("station",)
    inlines = (ShiftInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(shift_count=Count("shifts"))

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, Shift):
            return super().save_formset(request, form, formset, change)
        # every shift write goes through the services: a moved shift moves
        # its volunteers' reminders, a deleted one withdraws them
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.initial_forms:
            if row in formset.deleted_forms:
                shift_delete(shift=row.instance, actor=request.user)
                formset.deleted_objects.append(row.instance)
            elif row.has_changed():
                values = form_values(row, exclude=("station", "id", "opportunity"))
                shift_update(shift=row.instance, actor=request.user, **values)
                formset.changed_objects.append((row.instance, row.changed_data))
        for row in formset.extra_forms:
            if row.has_changed() and row not in formset.deleted_forms:
                values = form_values(row, exclude=("station", "id", "opportunity"))
                values["opportunity"] = form.instance
                formset.new_objects.append(
                    shift_create(station=form.instance.station, actor=request.user, **values)
                )

    @admin.display(description=_("shifts"), ordering="shift_count")
    def shift_count(self, obj: Opportunity) -> int:
        return obj.shift_count


class SignupInline(StationScopedReadOnlyInline):
    """The shift's sign-ups, read-only: they are made on the sign-up page."""

    model = Signup
    fields = ("volunteer", "status", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer")


@admin.register(Shift)
class ShiftAdmin(StationFixedMixin, StationScopedAdmin):
    list_display = (
        "opportunity",
        "starts_at",
        "ends_at",
        "capacity",
        "places_taken",
        "places_left",
    )
    list_filter = ("station", "opportunity__category")
    list_select_related = ("opportunity",)
    date_hierarchy = "starts_at"
    search_fields = ("opportunity__title_zh_hans", "opportunity__title_en")
    fields = ("station", "opportunity", "starts_at", "ends_at", "capacity")
    inlines = (SignupInline,)

    def get_queryset(self, request):
        return shifts_with_places(super().get_queryset(request))

    def save_model(self, request, obj, form, change):
        self.check_can_save(request, obj, change)
        values = form_values(form)
        if change:
            shift_update(shift=obj, actor=request.user, **values)
        else:
            adopt(obj, shift_create(station=obj.station, actor=request.user, **values))

    def delete_model(self, request, obj):
        shift_delete(shift=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # the place counts are a GROUP BY: go through the plain rows
        for shift in Shift.objects.filter(pk__in=queryset.values("pk")):
            shift_delete(shift=shift, actor=request.user)

    @admin.display(description=_("places taken"), ordering="places_taken")
    def places_taken(self, obj: Shift) -> int:
        return obj.places_taken

    @admin.display(description=_("places left"), ordering="places_left")
    def places_left(self, obj: Shift) -> int:
        return max(obj.places_left, 0)


def _with_opportunity(field):
    """Shift choices print their opportunity: fetch it in the same query."""
    if field is not None and field.queryset.model is Shift:
        field.queryset = field.queryset.select_related("opportunity")
    return field


class SignupForm(ServiceForm):
    class Meta:
        model = Signup
        fields = ()  # the admin's `fields`; see ServiceForm

    def clean(self):
        cleaned = super().clean()
        shift = cleaned.get("shift")
        if shift is not None:
            # lets the model check that the volunteer is the shift's station's
            self.instance.station_id = shift.station_id
        return cleaned

    def permission_target(self) -> Model:
        return self.cleaned_data["shift"]

    def save_through_service(self) -> Model:
        return signup_create(
            shift=self.cleaned_data["shift"],
            volunteer=self.cleaned_data["volunteer"],
            actor=self.request.user,
        )


@admin.register(Signup)
class SignupAdmin(AddThenShowMixin, ServiceAdminMixin, StationScopedAdmin):
    """Sign-ups are added here and withdrawn with the action; a saved sign-up
    is read-only."""

    form = SignupForm
    list_display = ("volunteer", "shift", "status", "created_at")
    list_filter = ("station", "status", "shift__opportunity__category")
    list_select_related = ("volunteer", "shift__opportunity")
    search_fields = ("volunteer__family_name", "volunteer__given_name", "volunteer__chinese_name")
    actions = ("withdraw_selected",)
    add_fields = ("shift", "volunteer")
    fields = ("station", "shift", "volunteer", "status", "created_at")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _with_opportunity(super().formfield_for_foreignkey(db_field, request, **kwargs))

    @admin.action(permissions=["change"], description=_("Withdraw selected sign-ups"))
    def withdraw_selected(self, request, queryset):
        self.run_row_action(
            request,
            queryset.select_related("volunteer", "shift__opportunity"),
            service=lambda signup: signup_withdraw(signup=signup, actor=request.user),
            done_message=lambda count: ngettext(
                "%(count)d sign-up withdrawn.", "%(count)d sign-ups withdrawn.", count
            )
            % {"count": count},
        )


class HoursEntryForm(ServiceForm):
    class Meta:
        model = HoursEntry
        fields = ()  # the admin's `fields`; see ServiceForm

    def save_through_service(self) -> Model:
        data = {k: v for k, v in self.cleaned_data.items() if k in HOURS_FIELDS}
        if self.instance._state.adding:
            return hours_entry_create(
                station=self.cleaned_data["station"],
                volunteer=self.cleaned_data["volunteer"],
                actor=self.request.user,
                **data,
            )
        return hours_entry_update(entry=self.instance, actor=self.request.user, **data)


@admin.register(HoursEntry)
class HoursEntryAdmin(
    SpreadsheetImportAdminMixin, ServiceAdminMixin, StationFixedMixin, StationScopedAdmin
):
    """Hours are logged as pending and decided with the approve and reject
    actions; decided hours are read-only."""

    form = HoursEntryForm
    list_display = ("volunteer", "date", "hours", "opportunity", "status", "reviewed_by")
    list_filter = ("status", "opportunity__category", "station")
    list_select_related = ("volunteer", "opportunity", "reviewed_by")
    date_hierarchy = "date"
    search_fields = ("volunteer__family_name", "volunteer__given_name", "volunteer__chinese_name")
    fields = (
        "station",
        "volunteer",
        "date",
        "hours",
        "opportunity",
        "shift",
        "description",
        "status",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    )
    readonly_fields = ("status", "reviewed_by", "reviewed_at", "created_at")
    actions = ("approve_selected", "reject_selected", *EXPORT_ACTIONS)
    # import of spreadsheets (docs/import-export.md)
    spreadsheet_importer = HOURS

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and "volunteer" not in fields:
            fields = ("volunteer", *fields)
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != HoursEntry.Status.PENDING:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _with_opportunity(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def _review(self, request, queryset, *, approve: bool) -> None:
        def done_message(count: int) -> str:
            if approve:
                message = ngettext(
                    "%(count)d entry of hours approved.", "%(count)d entries of hours approved.",
                    count,
                )
            else:
                message = ngettext(
                    "%(count)d entry of hours rejected.", "%(count)d entries of hours rejected.",
                    count,
                )
            return message % {"count": count}

        self.run_row_action(
            request,
            queryset.select_related("volunteer"),
            service=lambda entry: hours_entry_review(
                entry=entry, approve=approve, actor=request.user
            ),
            done_message=done_message,
        )

    @admin.action(permissions=["change"], description=_("Approve selected %(verbose_name_plural)s"))
    def approve_selected(self, request, queryset):
        self._review(request, queryset, approve=True)

    @admin.action(permissions=["change"], description=_("Reject selected %(verbose_name_plural)s"))
    def reject_selected(self, request, queryset):
        self._review(request, queryset, approve=False)
