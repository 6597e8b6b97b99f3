"""Staff admin of consultation topics, counsellors and consultations.

Consultations are booked, changed and closed through consultations.services:
a double booking of a counsellor shows as a form error even when it is only
the database that notices it (two bookings at the same moment).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stations.admin import ServiceAdminMixin, ServiceForm, StationFixedMixin
from stations.adminbase import (
    CatalogueAdmin,
    RecordsSensitiveViewsMixin,
    StationScopedAdmin,
    StationScopedTranslationAdmin,
)
from stations.exports import EXPORT_ACTIONS

from .models import Availability, Consultation, Counsellor, Topic
from .selectors import counsellors_schedulable_by, may_read_notes
from .services import (
    AVAILABILITY_FIELDS,
    EDITABLE_FIELDS,
    availability_create,
    availability_update,
    consultation_create,
    consultation_set_status,
    consultation_update,
    may_schedule_for,
)

Status = Consultation.Status


@admin.register(Topic)
class TopicAdmin(CatalogueAdmin):
    list_display = ("name", "slug", "is_epidemic_related", "is_sensitive", "ordering")
    list_filter = ("is_epidemic_related", "is_sensitive")
    search_fields = ("name_zh_hans", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Counsellor)
class CounsellorAdmin(StationFixedMixin, StationScopedTranslationAdmin):
    list_display = ("name", "title", "station", "is_external", "is_active")
    list_filter = ("station", "is_external", "is_active", "topics")
    search_fields = ("name", "title_zh_hans", "title_en")
    list_select_related = ("station",)
    filter_horizontal = ("topics",)

    def get_autocomplete_fields(self, request):
        # only superusers may browse every account (see stations.admin)
        return ("user",) if request.user.is_superuser else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = self.station_ids(request)
        if db_field.name == "user" and ids is not None:
            # a counsellor's login account is one of the station's staff
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(station_memberships__station_id__in=ids)
                .distinct()
                .order_by("email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConsultationForm(ServiceForm):
    class Meta:
        model = Consultation
        fields = ()  # the admin's `fields`; see ServiceForm

    def _get_validation_exclusions(self):
        # ExclusionConstraint.validate() cannot skip a constraint whose
        # condition names an excluded field (it crashes with FieldError), and
        # the overlap constraint's condition names the read-only status.
        exclude = super()._get_validation_exclusions()
        exclude.discard("status")
        return exclude

    def save_through_service(self) -> Model:
        data = {k: v for k, v in self.cleaned_data.items() if k in EDITABLE_FIELDS}
        if self.instance._state.adding:
            return consultation_create(
                station=self.cleaned_data["station"], actor=self.request.user, **data
            )
        return consultation_update(consultation=self.instance, actor=self.request.user, **data)


@admin.register(Consultation)
class ConsultationAdmin(
    RecordsSensitiveViewsMixin, ServiceAdminMixin, StationFixedMixin, StationScopedAdmin
):
    sensitive_fields = ("notes",)

    form = ConsultationForm
    list_display = ("starts_at", "topic", "counsellor", "channel", "status", "resident")
    list_filter = ("station", "topic", "channel", "status")
    list_select_related = ("topic", "counsellor", "resident")
    date_hierarchy = "starts_at"
    search_fields = (
        "resident__family_name",
        "resident__given_name",
        "resident__chinese_name",
        "counsellor__name",
    )
    fields = (
        "station",
        "resident",
        "topic",
        "counsellor",
        "channel",
        "starts_at",
        "ends_at",
        "language",
        "notes",
        "status",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("status", "created_at", "updated_at")
    # exports never hold the notes (stations/exports.py)
    actions = ("mark_completed", "mark_no_show", "mark_cancelled", *EXPORT_ACTIONS)

    def get_fields(self, request, obj=None):
        """The notes are the counsellor's: shown only to the counsellor of the
        consultation (on the add page, to someone with a counsellor profile at
        one of their stations). Everyone else sees that it took place."""
        fields = super().get_fields(request, obj)
        if may_read_notes(request.user, obj):
            return fields
        return [name for name in fields if name != "notes"]

    def _set_status(self, request, queryset, status: str) -> None:
        self.run_row_action(
            request,
            queryset.select_related("resident", "topic"),
            service=lambda consultation: consultation_set_status(
                consultation=consultation, status=status, actor=request.user
            ),
            done_message=lambda count: ngettext(
                "%(count)d consultation set to “%(status)s”.",
                "%(count)d consultations set to “%(status)s”.",
                count,
            )
            % {"count": count, "status": Status(status).label},
        )

    @admin.action(permissions=["change"], description=_("Mark selected consultations as completed"))
    def mark_completed(self, request, queryset):
        self._set_status(request, queryset, Status.COMPLETED)

    @admin.action(permissions=["change"], description=_("Mark selected consultations as no-show"))
    def mark_no_show(self, request, queryset):
        self._set_status(request, queryset, Status.NO_SHOW)

    @admin.action(permissions=["change"], description=_("Cancel selected consultations"))
    def mark_cancelled(self, request, queryset):
        self._set_status(request, queryset, Status.CANCELLED)


class AvailabilityForm(ServiceForm):
    class Meta:
        model = Availability
        fields = ()  # the admin's `fields`; see ServiceForm

    def save_through_service(self) -> Model:
        data = {k: v for k, v in self.cleaned_data.items() if k in AVAILABILITY_FIELDS}
        topics = self.cleaned_data.get("topics")
        if self.instance._state.adding:
            return availability_create(
                station=self.cleaned_data["station"],
                actor=self.request.user,
                topics=topics,
                **data,
            )
        return availability_update(
            availability=self.instance, actor=self.request.user, topics=topics, **data
        )


@admin.register(Availability)
class AvailabilityAdmin(ServiceAdminMixin, StationFixedMixin, StationScopedAdmin):
    """Windows in which counsellors take bookings; the public site cuts them
    into slots. Someone whose role at the station is counsellor publishes and
    changes windows of their own counsellor profile only."""

    form = AvailabilityForm
    list_display = ("starts_at", "ends_at", "counsellor", "slot_minutes", "channel_list", "station")
    list_filter = ("station", "counsellor")
    list_select_related = ("counsellor", "station")
    date_hierarchy = "starts_at"
    search_fields = ("counsellor__name",)
    fields = ("station", "counsellor", "starts_at", "ends_at", "slot_minutes", "channels", "topics")
    filter_horizontal = ("topics",)

    def _allowed(self, request, action: str, obj=None) -> bool:
        if not super()._allowed(request, action, obj):
            return False
        if obj is None or action == "view" or not obj.counsellor_id:
            return True
        return may_schedule_for(request.user, obj.counsellor)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "channels":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name == "counsellor":
            field.queryset = counsellors_schedulable_by(request.user, field.queryset)
        return field

    @admin.display(description=_("channels offered"))
    def channel_list(self, obj: Availability) -> str:
        labels = dict(Consultation.Channel.choices)
        return ", ".join(str(labels.get(c, c)) for c in obj.channels)
