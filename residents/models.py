"""Residents served by a station, and the consent they gave."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from stations import crypto
from stations.fields import EncryptedCharField, KeyedHashField, LanguagesField, PhoneField
from stations.models import Station
from stations.validation import check_same_station


class Resident(models.Model):
    """One person a station serves ("one file per person").

    A login account may hold a profile at more than one station (a person who
    moves, or who joins another station's event): each profile is owned by its
    station, and at most one per station and account.
    """

    class Category(models.TextChoices):
        FOREIGN_NATIONAL = "foreign", _("Foreign national")
        RETURNED_OVERSEAS_CHINESE = "returned", _("Returned overseas Chinese")
        OVERSEAS_CHINESE_RELATIVE = "relative", _("Relative of overseas Chinese")
        HMT_RESIDENT = "hmt", _("Hong Kong, Macao or Taiwan resident")

    class DocumentType(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        WORK_PERMIT = "work_permit", _("Work permit")
        VISA = "visa", _("Visa")
        PERMANENT_RESIDENCE = "permanent_residence", _("Permanent residence ID card")
        HMT_PERMIT = "hmt_permit", _("Mainland travel permit (Hong Kong, Macao, Taiwan)")
        HMT_RESIDENCE = (
            "hmt_residence",
            _("Residence permit for Hong Kong, Macao and Taiwan residents"),
        )
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="residents"
    )
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    chinese_name = models.CharField(_("Chinese name"), max_length=50, blank=True)
    nationality = CountryField(_("nationality (country or region)"))
    languages = LanguagesField(_("languages spoken"))
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The language the portal writes to this person in."),
    )
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.FOREIGN_NATIONAL
    )
    phone = PhoneField(_("phone"))
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    arrival_date = models.DateField(_("arrived in the city"), null=True, blank=True)
    document_type = models.CharField(
        _("identity document"), max_length=24, choices=DocumentType.choices, blank=True
    )
    # Encrypted at rest (PIPL: sensitive personal information); found through
    # its keyed hash, never by its value (residents.selectors.resident_by_document).
    document_number = EncryptedCharField(_("document number"), max_length=40, blank=True)
    document_number_hash = KeyedHashField(source="document_number")
    document_expires = models.DateField(_("document expires"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident_profiles",
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set when the person's identity was removed (their deletion request, or
    # the station's retention period): the row stays so that yearly figures
    # stay as they were, but nothing in it names or reaches the person.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["station", "family_name"], name="resident_station_name_idx"),
            # the hash alone selects one or two rows, with or without a station
            models.Index(fields=["document_number_hash"], name="resident_doc_hash_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "user"],
                condition=Q(user__isnull=False),
                name="resident_one_profile_per_account_and_station",
                violation_error_message=_("This account already has a profile at this station."),
            ),
            models.UniqueConstraint(
                # on the hash: the same number written with other spaces,
                # dashes or case is the same document
                fields=["station", "document_type", "document_number_hash"],
                condition=~Q(document_number_hash=""),
                name="resident_unique_document_per_station",
                violation_error_message=_(
                    "A resident with this document number is already registered at this station."
                ),
            ),
            models.CheckConstraint(
                condition=Q(document_number="") | ~Q(document_type=""),
                name="resident_document_number_needs_type",
                violation_error_message=_("Choose the type of the identity document."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # the hash follows the number, also when only the number is saved
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "document_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "document_number_hash"}
        super().save(*args, **kwargs)

    @property
    def contact_email(self) -> str:
        """Where the portal writes to this person: the e-mail of their login
        account, which they confirmed, or else the e-mail on the profile."""
        if self.user_id and self.user.email:
            return self.user.email
        return self.email

    @property
    def display_name(self) -> str:
        latin = " ".join(p for p in (self.given_name, self.family_name) if p)
        if self.chinese_name:
            return f"{latin} ({self.chinese_name})" if latin else self.chinese_name
        return latin

    def clean(self):
        super().clean()
        # before the constraints are checked (full_clean), so a duplicate
        # number is refused as a message rather than by the database
        self.document_number_hash = crypto.lookup_hash(self.document_number)
        errors = {}
        if self.document_number and not self.document_type:
            errors["document_type"] = _("Choose the type of the identity document.")
        if self.document_expires and not self.document_type:
            errors["document_type"] = _("Choose the type of the identity document.")
        if self.arrival_date and self.arrival_date > timezone.localdate():
            errors["arrival_date"] = _("The arrival date cannot be in the future.")
        if self.email:
            self.email = self.email.strip().lower()
        if errors:
            raise ValidationError(errors)


class Consent(models.Model):
    """A consent a resident gave, with the version of the text they were shown."""

    class Purpose(models.TextChoices):
        PERSONAL_DATA = "personal_data", _("Processing of personal information")
        IDENTITY_DOCUMENT = "identity_document", _("Identity document (sensitive)")
        HEALTH_COUNSELLING = (
            "health_counselling",
            _("Health and counselling information (sensitive)"),
        )
        NEWSLETTER = "newsletter", _("News and event announcements")

    SENSITIVE = {Purpose.IDENTITY_DOCUMENT, Purpose.HEALTH_COUNSELLING}

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="consents"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    text_version = models.CharField(
        _("version of the text"), max_length=20, help_text=_("e.g. 2026-01")
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=models.F("given_at")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("A consent cannot be withdrawn before it was given."),
            ),
            models.UniqueConstraint(
                fields=["resident", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_purpose",
                violation_error_message=_(
                    "This resident already has an active consent for this purpose."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.text_version})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    def clean(self):
        super().clean()
        check_same_station(self, "resident")
        if self.withdrawn_at and self.given_at and self.withdrawn_at < self.given_at:
            raise ValidationError(
                {"withdrawn_at": _("A consent cannot be withdrawn before it was given.")}
            )
