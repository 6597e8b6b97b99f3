"""The outbox and the settings in the staff admin.

- Reminders and notices: every message the station's work called for, with
  its state: waiting, sent (when, to which address, in which language), not
  sent and why (no address, switched off, too late...), or failed with the
  mail server's answer. Nobody edits a row; staff may ask for failed ones,
  and ones that had no valid address, to be tried again once the cause is
  mended.
- Reminder settings: per station and kind, on or off, and how long before.
  A station's managers change them; the rows are made with the defaults the
  first time the list is opened.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stations.adminbase import StationScopedAdmin

from .kinds import UNIT_LABELS, spec
from .models import Kind, Reminder, ReminderPolicy
from .services import policies_ensure, policy_update

# what each kind's target_id points at, for a link to its admin page
TARGET_ADMIN = {
    Kind.REGISTRATION_CONFIRMED: "events_registration",
    Kind.REGISTRATION_WAITLISTED: "events_registration",
    Kind.REGISTRATION_PROMOTED: "events_registration",
    Kind.REGISTRATION_CANCELLED: "events_registration",
    Kind.EVENT_CANCELLED: "events_registration",
    Kind.EVENT_REMINDER: "events_registration",
    Kind.CONSULTATION_BOOKED: "consultations_consultation",
    Kind.CONSULTATION_RESCHEDULED: "consultations_consultation",
    Kind.CONSULTATION_CANCELLED: "consultations_consultation",
    Kind.CONSULTATION_REMINDER: "consultations_consultation",
    Kind.SHIFT_REMINDER: "volunteers_signup",
    Kind.HOURS_REVIEWED: "volunteers_hoursentry",
    Kind.DOCUMENT_EXPIRY: "residents_resident",
    Kind.SUMMARY_DELIVERY: "stations_region",
}
RECIPIENT_LABELS = {"resident": _("resident"), "counsellor": _("counsellor")}
RETRYABLE = (Reminder.Status.FAILED, Reminder.Status.SKIPPED)
RETRYABLE_REASONS = (
    Reminder.Reason.PERMANENT_FAILURE,
    Reminder.Reason.GAVE_UP,
    Reminder.Reason.NO_ADDRESS,
    Reminder.Reason.INVALID_ADDRESS,
)


@admin.register(Reminder)
class ReminderAdmin(StationScopedAdmin):
    list_display = (
        "kind",
        "about",
        "to_whom",
        "remind_at",
        "status",
        "why",
        "sent_at",
        "attempts",
        "station",
    )
    list_filter = ("status", "kind", "reason", "station")
    date_hierarchy = "remind_at"
    search_fields = ("sent_to",)
    list_select_related = ("station",)
    actions = ("try_again",)
    fields = (
        "station",
        "kind",
        "about",
        "to_whom",
        "occasion",
        "remind_at",
        "stale_at",
        "status",
        "why",
        "detail",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "sent_to",
        "language",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # rows are never edited; "change" is the right to ask for a new try,
        # used by the list action only
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("what it is about"), ordering="target_id")
    def about(self, obj: Reminder):
        name = TARGET_ADMIN.get(obj.kind)
        try:
            url = reverse(f"admin:{name}_change", args=[obj.target_id])
        except NoReverseMatch:
            return obj.target_id
        return format_html('<a href="{}">#{}</a>', url, obj.target_id)

    @admin.display(description=_("recipient"), ordering="recipient")
    def to_whom(self, obj: Reminder) -> str:
        if obj.recipient.startswith("user:"):
            return _("official")
        return RECIPIENT_LABELS.get(obj.recipient, obj.recipient)

    @admin.display(description=_("reason"), ordering="reason")
    def why(self, obj: Reminder) -> str:
        return obj.get_reason_display() if obj.reason else "-"

    @admin.action(description=_("Try the selected messages again"), permissions=["change"])
    def try_again(self, request, queryset):
        def retry(reminder: Reminder) -> Reminder:
            if reminder.status not in RETRYABLE or reminder.reason not in RETRYABLE_REASONS:
                from django.core.exceptions import ValidationError

                raise ValidationError(
                    _("Only a message that failed, or had no valid address, can be tried again.")
                )
            now = timezone.now()
            Reminder.objects.filter(pk=reminder.pk, status=reminder.status).update(
                status=Reminder.Status.PENDING,
                attempts=0,
                reason="",
                next_attempt_at=now,
                updated_at=now,
            )
            return reminder

        done = self.run_row_action(
            request,
            queryset,
            service=retry,
            done_message=lambda count: ngettext(
                "%(count)d message will be tried again.",
                "%(count)d messages will be tried again.",
                count,
            )
            % {"count": count},
        )
        if done:
            from .kick import send_soon

            send_soon()


class PolicyForm(forms.ModelForm):
    offsets = SimpleArrayField(
        forms.IntegerField(min_value=1, max_value=24 * 60),
        label=_("times before"),
        required=False,
        max_length=4,
        help_text=_("Separate several with commas, e.g. 24,2."),
    )

    class Meta:
        model = ReminderPolicy
        fields = ("enabled", "offsets")

    def clean_offsets(self):
        offsets = self.cleaned_data["offsets"]
        kind_spec = spec(self.instance.kind)
        if kind_spec.has_offsets and not offsets:
            raise forms.ValidationError(
                _("Give at least one time before, or switch this reminder off.")
            )
        if len(set(offsets)) != len(offsets):
            raise forms.ValidationError(_("Each time before may be given only once."))
        return offsets


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(StationScopedAdmin):
    form = PolicyForm
    list_display = ("kind", "enabled", "when", "updated_by", "updated_at", "station")
    list_filter = ("station", "enabled")
    list_select_related = ("station", "updated_by")
    list_display_links = ("kind",)
    readonly_fields = ("station", "kind", "unit", "updated_by", "updated_at")

    def get_fields(self, request, obj=None):
        if obj is not None and not spec(obj.kind).has_offsets:
            return ("station", "kind", "enabled", "updated_by", "updated_at")
        return ("station", "kind", "enabled", "offsets", "unit", "updated_by", "updated_at")

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        ids = self.station_ids(request)
        if ids is None:
            from stations.models import Station

            ids = list(Station.objects.values_list("pk", flat=True))
        policies_ensure(station_ids=ids)
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("when"))
    def when(self, obj: ReminderPolicy) -> str:
        kind_spec = spec(obj.kind)
        if not kind_spec.has_offsets:
            return _("at once")
        return f"{', '.join(str(o) for o in obj.offsets)} {UNIT_LABELS[kind_spec.unit]}"

    @admin.display(description=_("unit"))
    def unit(self, obj: ReminderPolicy) -> str:
        kind_spec = spec(obj.kind)
        return UNIT_LABELS[kind_spec.unit] if kind_spec.has_offsets else "-"

    def save_model(self, request, obj, form, change):
        self.check_can_save(request, obj, change)
        policy_update(
            policy=obj,
            actor=request.user,
            enabled=form.cleaned_data["enabled"],
            offsets=form.cleaned_data.get("offsets") or [],
        )
