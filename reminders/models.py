"""Reminders and notices as rows: the portal's outbox.

Every message the portal owes somebody about an event, a consultation, a
shift, volunteer hours, an identity document or a yearly summary is a
`Reminder` row, written in the same transaction as the change that calls for
it. The beat task sends the rows that are due (reminders/dispatch.py); the
broker only ever carries "look at the table now", so nothing is lost when it
is down.

A row is one message to one recipient about one thing: `kind` says what it
is, `target_id` which row it is about (the kind fixes the model: a
registration, a consultation, a sign-up, an hours entry, a resident or a
region), `recipient` who gets it ("resident", "counsellor", or "user:<id>"),
and `occasion` which instance of it (the offset and the start it counts back
from, the document's expiry date, the decision, the year). The unique
constraint on these makes a second row for the same message, and so a second
send, impossible.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from stations.models import Station

MAX_ATTEMPTS = 5


class Kind(models.TextChoices):
    REGISTRATION_CONFIRMED = "registration_confirmed", _("Event registration confirmed")
    REGISTRATION_WAITLISTED = "registration_waitlisted", _("Place on an event's waiting list")
    REGISTRATION_PROMOTED = "registration_promoted", _("Moved up from the waiting list")
    REGISTRATION_CANCELLED = "registration_cancelled", _("Event registration cancelled")
    EVENT_CANCELLED = "event_cancelled", _("Event called off")
    EVENT_REMINDER = "event_reminder", _("Reminder before an event")
    CONSULTATION_BOOKED = "consultation_booked", _("Consultation booked")
    CONSULTATION_RESCHEDULED = "consultation_rescheduled", _("Consultation moved")
    CONSULTATION_CANCELLED = "consultation_cancelled", _("Consultation cancelled")
    CONSULTATION_REMINDER = "consultation_reminder", _("Reminder before a consultation")
    SHIFT_REMINDER = "shift_reminder", _("Reminder before a volunteer shift")
    HOURS_REVIEWED = "hours_reviewed", _("Volunteer hours approved or rejected")
    DOCUMENT_EXPIRY = "document_expiry", _("Identity document about to expire")
    SUMMARY_DELIVERY = "summary_delivery", _("Yearly summary for officials")


class Reminder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        # claimed by a worker, which is handing it to the mail server
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")
        CANCELLED = "cancelled", pgettext_lazy("message status", "Withdrawn")

    class Reason(models.TextChoices):
        NO_ADDRESS = "no_address", _("The recipient has no e-mail address.")
        INVALID_ADDRESS = "invalid_address", _("The recipient's e-mail address is not valid.")
        RECIPIENT_GONE = "recipient_gone", _("The recipient no longer exists.")
        TARGET_GONE = "target_gone", _("What the message is about was deleted.")
        NO_LONGER_APPLIES = "no_longer_applies", _(
            "What the message is about has changed, so it no longer applies."
        )
        SWITCHED_OFF = "switched_off", _("The station has switched this kind of message off.")
        STALE = "stale", _("Too late: the moment it was for has passed.")
        TEMPORARY_FAILURE = "temporary_failure", _(
            "The mail server refused it for now; it is tried again later."
        )
        GAVE_UP = "gave_up", _("The mail server kept refusing it; it was tried five times.")
        PERMANENT_FAILURE = "permanent_failure", _("The mail server refused it for good.")
        CHANGED = "changed", _("Withdrawn by a change before it was due.")

    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
        help_text=_("Empty for messages to a region's officials."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    target_id = models.BigIntegerField(_("about (row id)"))
    recipient = models.CharField(_("recipient"), max_length=40)
    occasion = models.CharField(_("occasion"), max_length=64, blank=True)
    remind_at = models.DateTimeField(_("due"))
    stale_at = models.DateTimeField(_("too late after"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    detail = models.CharField(_("server's answer"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=16, default="email")
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("reminder or notice")
        verbose_name_plural = _("reminders and notices")
        ordering = ["-remind_at", "-pk"]
        indexes = [
            # the beat's question, every minute: what is due now (and which
            # claim has run out, reminders/dispatch.py)?
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="reminder_due_idx",
            ),
            # the services' question: what does this row already have?
            models.Index(fields=["kind", "target_id"], name="reminder_target_idx"),
            models.Index(fields=["station", "remind_at"], name="reminder_station_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind", "target_id", "recipient", "occasion"],
                name="reminder_once",
                nulls_distinct=False,
                violation_error_message=_("This message already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="reminder_sent_at_matches_status",
                violation_error_message=_("A sent message records when it was sent."),
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=MAX_ATTEMPTS),
                name="reminder_attempts_bounded",
                violation_error_message=_("A message is tried at most five times."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.remind_at:%Y-%m-%d %H:%M}"


def _positive_offsets(value: list[int]) -> None:
    if not value:
        return
    if any(offset <= 0 for offset in value):
        raise ValidationError(
            _("Each time before must be more than 0."), code="offset_not_positive"
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each time before may be given only once."), code="offset_twice")


class ReminderPolicy(models.Model):
    """A station's choice for one kind of message: on or off, and for the
    reminders before something, how long before (hours, or days for
    identity documents). A station without a row for a kind has the defaults
    (reminders/kinds.py)."""

    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="reminder_policies",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    enabled = models.BooleanField(_("send"), default=True)
    offsets = ArrayField(
        models.PositiveIntegerField(),
        verbose_name=_("times before"),
        default=list,
        blank=True,
        size=4,
        validators=[_positive_offsets],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("reminder setting")
        verbose_name_plural = _("reminder settings")
        ordering = ["station", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "kind"],
                name="reminder_policy_once_per_kind",
                violation_error_message=_("This station already has a setting for this kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.get_kind_display()}"
