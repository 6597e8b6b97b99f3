"""Volunteer opportunities, shifts, sign-ups and the hours volunteers gave."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from residents.models import Resident
from stations.models import Station
from stations.validation import check_period, check_same_station


class Opportunity(models.Model):
    class Category(models.TextChoices):
        EPIDEMIC_PREVENTION = "epidemic", _("Epidemic prevention")
        ENVIRONMENT = "environment", _("Environment")
        CHARITY_EDUCATION = "education", _("Charity education")
        INTERPRETATION = "interpretation", _("Interpretation and translation")
        COMMUNITY_SERVICE = "community", _("Community service")
        CULTURAL_AMBASSADOR = "ambassador", _("Cultural ambassador")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="opportunities"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("volunteer opportunity")
        verbose_name_plural = _("volunteer opportunities")
        ordering = ["station", "title"]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="shifts"
    )
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("places"), default=1)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="shift_capacity_positive",
                violation_error_message=_("A shift needs at least one place."),
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        return f"{self.opportunity} · {start:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        check_period(self.starts_at, self.ends_at, end_field="ends_at")
        check_same_station(self, "opportunity")

    @property
    def hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"))


class Signup(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Signed up")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="signups"
    )
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Resident, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        ordering = ["shift", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=Q(status="active"),
                name="signup_one_active_per_volunteer",
                violation_error_message=_("This volunteer has already signed up for this shift."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.shift}"

    def clean(self):
        super().clean()
        check_same_station(self, "shift", "volunteer")


class HoursEntry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="hours_entries"
    )
    volunteer = models.ForeignKey(
        Resident,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="hours_entries",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hours_entries",
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hours_entries",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    description = models.CharField(_("what was done"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="hours_between_0_and_24",
                violation_error_message=_("Hours must be more than 0 and at most 24 for one day."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(reviewed_at__isnull=False),
                name="hours_reviewed_when_decided",
                violation_error_message=_(
                    "An approved or rejected entry records when it was reviewed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.date} · {self.hours}"

    def clean(self):
        super().clean()
        check_same_station(self, "volunteer", "opportunity", "shift")
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("Hours cannot be logged for a future date.")})
        if self.shift_id and not self.opportunity_id:
            self.opportunity_id = self.shift.opportunity_id
        if (
            self.shift_id
            and self.opportunity_id
            and self.shift.opportunity_id != self.opportunity_id
        ):
            raise ValidationError({"shift": _("This shift belongs to another opportunity.")})
