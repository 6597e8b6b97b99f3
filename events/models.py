"""Neighbour events and registrations."""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from residents.models import Resident
from stations.models import Station
from stations.validation import check_period, check_same_station


def new_token() -> str:
    return secrets.token_urlsafe(32)


class EventCategory(models.Model):
    """A city-wide kind of event: cultural exchange, language class, free clinic..."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("event category")
        verbose_name_plural = _("event categories")
        ordering = ["ordering", "slug"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="events"
    )
    category = models.ForeignKey(
        EventCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    is_published = models.BooleanField(_("published"), default=False)
    cancelled_at = models.DateTimeField(
        _("called off"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the station called the event off; its registrants were told."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["station", "starts_at"], name="event_station_start_idx"),
            # the public list: published events soonest first, read a page at a time
            models.Index(
                fields=["starts_at", "id"],
                condition=Q(is_published=True),
                name="event_published_start_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="event_capacity_positive",
                violation_error_message=_(
                    "The capacity must be at least 1, or empty for no limit."
                ),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__gt=F("registration_opens_at")),
                name="event_registration_window_order",
                violation_error_message=_("Registration must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__isnull=True)
                | Q(registration_closes_at__lte=F("ends_at")),
                name="event_registration_closes_before_end",
                violation_error_message=_("Registration must close before the event ends."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        check_period(self.starts_at, self.ends_at, end_field="ends_at")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes <= opens:
            raise ValidationError(
                {"registration_closes_at": _("Registration must close after it opens.")}
            )
        if closes and self.ends_at and closes > self.ends_at:
            raise ValidationError(
                {"registration_closes_at": _("Registration must close before the event ends.")}
            )

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def has_ended(self) -> bool:
        return self.ends_at <= timezone.now()


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="registrations"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    token = models.CharField(
        _("self-service token"), max_length=64, unique=True, default=new_token, editable=False
    )

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="registration_queue_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "resident"],
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_resident",
                violation_error_message=_("This resident is already registered for this event."),
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status="confirmed"),
                name="registration_checkin_needs_confirmed",
                violation_error_message=_("Only a confirmed registration can be checked in."),
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="registration_cancelled_at_matches_status",
                violation_error_message=_(
                    "A cancelled registration records when it was cancelled."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.event}"

    def clean(self):
        super().clean()
        check_same_station(self, "event", "resident")
        if self._state.adding and self.event_id:
            if not self.event.is_published:
                raise ValidationError({"event": _("This event is not published yet.")})
            if self.event.cancelled_at is not None:
                raise ValidationError({"event": _("This event has been called off.")})
            if self.event.has_ended:
                raise ValidationError({"event": _("This event has already ended.")})
        if self.checked_in_at and self.status != self.Status.CONFIRMED:
            raise ValidationError(
                {"checked_in_at": _("Only a confirmed registration can be checked in.")}
            )
