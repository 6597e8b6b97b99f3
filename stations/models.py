"""The tenant and its surroundings: the region tree, stations, staff roles,
officials' regions and partner organisations."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager

from .fields import LanguagesField, PhoneField


class Region(models.Model):
    """A node of the administrative tree: city > district > street > community."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STREET = "street", _("Street (sub-district)")
        COMMUNITY = "community", _("Community")

    # The level each level hangs under.
    PARENT_LEVEL = {
        Level.DISTRICT: Level.CITY,
        Level.STREET: Level.DISTRICT,
        Level.COMMUNITY: Level.STREET,
    }

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Short unique code, e.g. xiamen-siming.")
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    # The day each year the previous year's summary goes to the region's
    # officials (stations.delivery); 10 January unless set otherwise.
    summary_delivery_month = models.PositiveSmallIntegerField(
        _("summary delivery month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Month in which the previous year's summary is e-mailed to the officials."),
    )
    summary_delivery_day = models.PositiveSmallIntegerField(
        _("summary delivery day"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Day of that month; a day that does not exist every year is refused."),
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="city") & Q(parent__isnull=True))
                | (~Q(level="city") & Q(parent__isnull=False)),
                name="region_city_is_root",
                violation_error_message=_("A city has no parent; every other region has one."),
            ),
            models.UniqueConstraint(
                fields=["parent", "name"], name="region_unique_name_under_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        self.clean_delivery_date()
        if self.level == self.Level.CITY:
            if self.parent_id:
                raise ValidationError({"parent": _("A city cannot have a parent region.")})
            return
        if not self.parent_id:
            raise ValidationError({"parent": _("Choose the region this one belongs to.")})
        expected = self.PARENT_LEVEL[self.level]
        if self.parent.level != expected:
            raise ValidationError(
                {
                    "parent": _("A %(level)s must belong to a %(expected)s.")
                    % {
                        "level": self.get_level_display(),
                        "expected": self.Level(expected).label,
                    }
                }
            )
        if self.pk and self.pk in {r.pk for r in self.parent.ancestors(include_self=True)}:
            raise ValidationError({"parent": _("A region cannot be placed under itself.")})

    def clean_delivery_date(self) -> None:
        try:
            # 2025 is not a leap year: 29 February would be skipped three years in four
            date(2025, self.summary_delivery_month, self.summary_delivery_day)
        except (TypeError, ValueError):
            raise ValidationError(
                {"summary_delivery_day": _("Choose a day that exists in every year.")}
            ) from None

    def ancestors(self, include_self: bool = False) -> list["Region"]:
        """From the city down to the parent (and this region if asked)."""
        chain = [self] if include_self else []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def descendant_ids(self) -> set[int]:
        """Ids of this region and every region below it (one query per level)."""
        ids = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.update(frontier)
        return ids

    @property
    def path(self) -> str:
        return " > ".join(r.name for r in self.ancestors(include_self=True))


class Station(models.Model):
    """An international community service station: the tenant of the portal."""

    class Kind(models.TextChoices):
        CITY_STATION = "city", _("City service station")
        DISTRICT_STATION = "district", _("District service station")
        STREET_STATION = "street", _("Street service station")
        COMMUNITY_SUBSTATION = "community", _("Community sub-station")
        SPECIAL_SUBSTATION = "special", _("Special-purpose sub-station")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stations"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = PhoneField(_("phone"))
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(
        _("opening hours"), blank=True, help_text=_("e.g. Monday to Friday 9:00-17:30")
    )
    languages = LanguagesField(_("languages offered"))
    retention_years = models.PositiveSmallIntegerField(
        _("keep residents' records for (years)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_(
            "A resident with no activity at the station for this long is anonymised "
            "(names, contacts, documents and consultation notes removed; the yearly figures "
            "stay), and consultation notes older than this are removed."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["region__code", "slug"]

    def __str__(self) -> str:
        return self.name


class StationMembership(models.Model):
    """A staff member's role at one station."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        STAFF = "staff", _("Staff")
        COUNSELLOR = "counsellor", _("Counsellor")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="station_memberships",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("station membership")
        verbose_name_plural = _("station memberships")
        ordering = ["station", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "user"],
                name="membership_one_role_per_station",
                violation_error_message=_("This person already has a role at this station."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.station} · {self.get_role_display()}"


class RegionMembership(models.Model):
    """An official of a district or a city: sees yearly summaries, counts only."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="officials"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="region_memberships",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("official's region")
        verbose_name_plural = _("officials' regions")
        ordering = ["region", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "user"],
                name="region_membership_unique",
                violation_error_message=_("This official already belongs to this region."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region}"

    def clean(self):
        super().clean()
        if self.region_id and self.region.level not in (Region.Level.CITY, Region.Level.DISTRICT):
            raise ValidationError({"region": _("Officials belong to a city or a district.")})


class Partner(models.Model):
    """A co-building partner: a hospital, law firm, school, hotel or company."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital")
        LAW_FIRM = "law_firm", _("Law firm")
        SCHOOL = "school", _("School")
        HOTEL = "hotel", _("Hotel")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="partners"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    agreement_date = models.DateField(
        _("agreement signed"),
        null=True,
        blank=True,
        help_text=_("Date the co-building agreement was signed."),
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = PhoneField(_("phone"))
    website = models.URLField(_("website"), blank=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "name"],
                name="partner_unique_name_per_station",
                violation_error_message=_("This station already has a partner with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Notice(models.Model):
    """A bilingual notice a station publishes: a policy update, health and
    vaccination information, news about an event.

    `published_at` empty is a draft; a time in the future schedules it: the
    site shows a notice only once that time has passed. The body is plain text
    (shown with its line breaks), so no markup written in the admin reaches
    the public pages.
    """

    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy update")
        HEALTH = "health", _("Health and vaccination")
        EVENT = "event", _("Event notice")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines start a paragraph."))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to keep a draft. The notice appears on the site from this time on."
        ),
    )
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Shown first on the station's page.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["station", "published_at"], name="notice_station_published_idx")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class GuidePage(models.Model):
    """A page of a station's bilingual handbook for foreign residents (housing,
    medical care, visas and permits, schools, daily life, work).

    The body is plain text, shown with its line breaks; only pages marked
    published appear on the site.
    """

    class Topic(models.TextChoices):
        HOUSING = "housing", _("Housing")
        MEDICAL = "medical", _("Medical care")
        VISAS = "visas", _("Visas and permits")
        SCHOOLS = "schools", _("Schools")
        DAILY_LIFE = "daily_life", _("Daily life")
        WORK = "work", _("Work")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="guides"
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        help_text=_("The last part of the page's address, e.g. seeing-a-doctor."),
    )
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines start a paragraph."))
    topic = models.CharField(_("topic"), max_length=12, choices=Topic.choices)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("guide page")
        verbose_name_plural = _("guide pages")
        ordering = ["station", "topic", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "slug"],
                name="guide_unique_slug_per_station",
                violation_error_message=_("This station already has a guide page at this address."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AuditEntry(models.Model):
    """One create, change, delete, view or export of personal data
    (stations/audit.py). Rows are written once and never changed: the admin
    offers no edit, `save()` refuses an existing row, and a PostgreSQL trigger
    refuses UPDATE and DELETE.

    Nothing here identifies a resident by itself: the row names the record by
    model and id, the fields changed, and values only of fields that are not
    personal (a status, a date); personal values are masked. The actor is a
    user id and a kind, not a name, so anonymising a person leaves no trace of
    them here.
    """

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("audit action", "created")
        CHANGE = "change", pgettext_lazy("audit action", "changed")
        DELETE = "delete", pgettext_lazy("audit action", "deleted")
        VIEW = "view", _("viewed sensitive fields")
        EXPORT = "export", pgettext_lazy("audit action", "exported")

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("staff")
        RESIDENT = "resident", _("resident")
        SYSTEM = "system", _("system")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_kind = models.CharField(_("who"), max_length=10, choices=ActorKind.choices)
    address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=64)
    object_id = models.CharField(_("record id"), max_length=40)
    changes = models.JSONField(_("what changed"), default=dict, blank=True)

    objects = ScopedManager(station="station")

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["station", "-at"], name="audit_station_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.model} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("The audit log cannot be changed."))
        super().save(*args, **kwargs)
