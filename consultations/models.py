"""One-to-one consultations: topics, counsellors and the consultations themselves."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from residents.models import Resident
from stations.fields import ChoiceArrayField, EncryptedTextField, LanguagesField
from stations.languages import SPOKEN_LANGUAGES
from stations.models import Station
from stations.validation import check_period, check_same_station


class Topic(models.Model):
    """A city-wide consultation topic (daily life, visas, legal aid, ...)."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_epidemic_related = models.BooleanField(_("epidemic-related"), default=False)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Health, psychological counselling and similar topics: sensitive personal "
            "information that needs the resident's separate consent."
        ),
    )
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["ordering", "slug"]

    def __str__(self) -> str:
        return self.name


class Counsellor(models.Model):
    """Someone who gives consultations for a station: a staff member, or an
    outside professional such as a foreign psychologist or a partner lawyer."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="counsellors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counsellor_profiles",
    )
    name = models.CharField(_("name"), max_length=120)
    title = models.CharField(
        pgettext_lazy("counsellor", "professional title"),
        max_length=150,
        blank=True,
        help_text=_("e.g. psychologist"),
    )
    bio = models.TextField(_("about"), blank=True)
    is_external = models.BooleanField(
        _("outside professional"),
        default=False,
        help_text=_("Not a member of the station's staff."),
    )
    languages = LanguagesField(_("languages spoken"))
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="counsellors"
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("counsellor")
        verbose_name_plural = _("counsellors")
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "user"],
                condition=Q(user__isnull=False),
                name="counsellor_one_profile_per_account_and_station",
                violation_error_message=_("This account is already a counsellor at this station."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TstzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the constraint


class Consultation(models.Model):
    class Channel(models.TextChoices):
        AT_STATION = "station", _("At the station")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online")
        HOME_VISIT = "home", _("Home visit")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    ACTIVE_STATUSES = (Status.BOOKED, Status.COMPLETED)

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="consultations"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="consultations"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="consultations"
    )
    counsellor = models.ForeignKey(
        Counsellor,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.AT_STATION
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    language = models.CharField(
        _("language used"),
        max_length=8,
        blank=True,
        choices=SPOKEN_LANGUAGES,
    )
    # the counsellor's record: encrypted at rest (PIPL), readable by the
    # consultation's own counsellor only (selectors.may_read_notes)
    notes = EncryptedTextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["station", "starts_at"], name="consultation_station_start_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="consultation_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            # The database itself refuses two active consultations of one
            # counsellor that overlap: a lock-free answer to booking races.
            ExclusionConstraint(
                name="consultation_no_counsellor_overlap",
                expressions=[
                    ("counsellor", RangeOperators.EQUAL),
                    (TstzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "completed"]) & Q(counsellor__isnull=False),
                violation_error_message=_(
                    "The counsellor already has a consultation at this time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} · {self.resident}"

    def clean(self):
        super().clean()
        check_period(self.starts_at, self.ends_at, end_field="ends_at")
        check_same_station(self, "resident", "counsellor")
        if self._state.adding and self.counsellor_id and not self.counsellor.is_active:
            raise ValidationError({"counsellor": _("This counsellor is no longer active.")})

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def _default_channels() -> list[str]:
    return [Consultation.Channel.AT_STATION]


class Availability(models.Model):
    """A window of time in which a counsellor takes bookings, cut into slots.

    The window is cut from its start into slots of `slot_minutes`. When its
    length is not a whole number of slots, the shorter piece left at the end is
    not offered: a 100-minute window of 45-minute slots offers two slots. A
    window holds at least one slot, and one counsellor's windows never overlap.
    Without topics of its own a window offers every topic of the counsellor;
    with topics, only those (each one of the counsellor's topics, checked by
    consultations.services).
    """

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="availabilities"
    )
    counsellor = models.ForeignKey(
        Counsellor,
        verbose_name=_("counsellor"),
        on_delete=models.CASCADE,
        related_name="availabilities",
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("minutes per slot"),
        default=45,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
        help_text=_(
            "e.g. 30, 45 or 60. A shorter piece left at the end of the window is not offered."
        ),
    )
    channels = ChoiceArrayField(
        models.CharField(max_length=10, choices=Consultation.Channel.choices),
        verbose_name=_("channels offered"),
        default=_default_channels,
    )
    topics = models.ManyToManyField(
        Topic,
        verbose_name=_("topics"),
        blank=True,
        related_name="availabilities",
        help_text=_("Leave empty to offer every topic of the counsellor."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["station", "starts_at"], name="availability_station_start_idx"),
            models.Index(fields=["ends_at"], name="availability_end_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="availability_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gt=0),
                name="availability_slot_positive",
                violation_error_message=_("A slot must last at least one minute."),
            ),
            models.CheckConstraint(
                condition=Q(channels__len__gt=0),
                name="availability_has_channel",
                violation_error_message=_("Offer at least one channel."),
            ),
            # Overlapping windows would offer the same time twice.
            ExclusionConstraint(
                name="availability_no_counsellor_overlap",
                expressions=[
                    ("counsellor", RangeOperators.EQUAL),
                    (TstzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_(
                    "This counsellor already has availability at this time."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counsellor} · {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        check_period(self.starts_at, self.ends_at, end_field="ends_at")
        check_same_station(self, "counsellor")
        if self._state.adding and self.counsellor_id and not self.counsellor.is_active:
            raise ValidationError({"counsellor": _("This counsellor is no longer active.")})
        if (
            self.starts_at
            and self.ends_at
            and self.slot_minutes
            and self.ends_at - self.starts_at < timedelta(minutes=self.slot_minutes)
        ):
            raise ValidationError(
                {"slot_minutes": _("The window is shorter than one slot.")},
                code="window_too_short",
            )

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def slot_starts(self) -> list[datetime]:
        """The start of every whole slot in the window, in order."""
        starts, start = [], self.starts_at
        while start + self.slot_length <= self.ends_at:
            starts.append(start)
            start += self.slot_length
        return starts

    def is_slot_start(self, moment: datetime) -> bool:
        """Whether a whole slot of this window starts at `moment`."""
        if moment < self.starts_at or moment + self.slot_length > self.ends_at:
            return False
        return (moment - self.starts_at) % self.slot_length == timedelta(0)
