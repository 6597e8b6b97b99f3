"""One-to-one consultations: topics, counsellors and the consultations themselves."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from residents.models import Resident
from stations.fields import LanguagesField
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
    notes = models.TextField(_("notes"), blank=True)
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
