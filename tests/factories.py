"""Factories for the test suite. They build valid, realistic rows; tests then
change the one thing they are about."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import User
from consultations.models import Availability, Consultation, Counsellor, Topic
from events.models import Event, EventCategory, Registration
from reminders.models import Kind, Reminder, ReminderPolicy
from residents.models import Consent, Resident
from stations.models import (
    AuditEntry,
    GuidePage,
    Notice,
    Partner,
    Region,
    RegionMembership,
    Station,
    StationMembership,
)
from volunteers.models import HoursEntry, Opportunity, Shift, Signup

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password(PASSWORD)


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    level = Region.Level.CITY
    parent = None
    name_zh_hans = factory.Sequence(lambda n: f"测试市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    code = factory.Sequence(lambda n: f"city-{n}")


class RegionFactory(factory.django.DjangoModelFactory):
    """A community, with its street, district and city above it."""

    class Meta:
        model = Region

    level = Region.Level.COMMUNITY
    name_zh_hans = factory.Sequence(lambda n: f"测试社区{n}")
    name_en = factory.Sequence(lambda n: f"Test Community {n}")
    code = factory.Sequence(lambda n: f"community-{n}")
    parent = factory.LazyFunction(lambda: RegionFactory.create_street())

    @staticmethod
    def create_street(district=None):
        district = district or RegionFactory.create_district()
        n = Region.objects.count()
        return Region.objects.create(
            level=Region.Level.STREET,
            parent=district,
            name_zh_hans=f"测试街道{n}",
            name_en=f"Test Street {n}",
            code=f"street-{n}",
        )

    @staticmethod
    def create_district(city=None):
        city = city or CityFactory()
        n = Region.objects.count()
        return Region.objects.create(
            level=Region.Level.DISTRICT,
            parent=city,
            name_zh_hans=f"测试区{n}",
            name_en=f"Test District {n}",
            code=f"district-{n}",
        )


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name_zh_hans = factory.Sequence(lambda n: f"测试社区分站{n}")
    name_en = factory.Sequence(lambda n: f"Test Community Sub-station {n}")
    slug = factory.Sequence(lambda n: f"station-{n}")
    region = factory.SubFactory(RegionFactory)
    kind = Station.Kind.COMMUNITY_SUBSTATION
    address_zh_hans = "厦门市思明区测试路1号"
    address_en = "1 Test Road, Siming District, Xiamen"
    phone = "+86 592 123 4567"
    languages = ["zh", "en"]


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StationMembership

    station = factory.SubFactory(StationFactory)
    user = factory.SubFactory(UserFactory, is_staff=True)
    role = StationMembership.Role.STAFF


class RegionMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionMembership

    region = factory.LazyFunction(lambda: RegionFactory.create_district())
    user = factory.SubFactory(UserFactory, is_staff=True)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    station = factory.SubFactory(StationFactory)
    name_zh_hans = factory.Sequence(lambda n: f"测试医院{n}")
    name_en = factory.Sequence(lambda n: f"Test Hospital {n}")
    kind = Partner.Kind.HOSPITAL


class NoticeFactory(factory.django.DjangoModelFactory):
    """A published notice (set `published_at=None` for a draft)."""

    class Meta:
        model = Notice

    station = factory.SubFactory(StationFactory)
    title_zh_hans = factory.Sequence(lambda n: f"疫苗接种通知{n}")
    title_en = factory.Sequence(lambda n: f"Vaccination notice {n}")
    body_zh_hans = "社区卫生服务中心周六上午提供流感疫苗接种。\n\n请携带护照。"
    body_en = (
        "The community health centre gives flu vaccinations on Saturday morning."
        "\n\nPlease bring your passport."
    )
    kind = Notice.Kind.HEALTH
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class GuidePageFactory(factory.django.DjangoModelFactory):
    """A published guide page."""

    class Meta:
        model = GuidePage

    station = factory.SubFactory(StationFactory)
    title_zh_hans = factory.Sequence(lambda n: f"如何看病{n}")
    title_en = factory.Sequence(lambda n: f"Seeing a doctor {n}")
    slug = factory.Sequence(lambda n: f"seeing-a-doctor-{n}")
    body_zh_hans = "带上护照，到医院挂号。"
    body_en = "Bring your passport and register at the hospital's front desk."
    topic = GuidePage.Topic.MEDICAL
    is_published = True


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    station = factory.SubFactory(StationFactory)
    family_name = factory.Sequence(lambda n: f"Family{n}")
    given_name = "Anna"
    nationality = "DE"
    languages = ["de", "en"]
    preferred_language = "en"
    category = Resident.Category.FOREIGN_NATIONAL
    phone = "+49 30 901820"
    email = factory.Sequence(lambda n: f"resident{n}@example.org")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    resident = factory.SubFactory(ResidentFactory)
    station = factory.SelfAttribute("resident.station")
    purpose = Consent.Purpose.PERSONAL_DATA
    text_version = "2026-01"


class EventCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventCategory
        django_get_or_create = ("slug",)

    slug = "cultural-exchange"
    name_zh_hans = "文化交流"
    name_en = "Cultural exchange"


def _future(days: int, hours: int = 0):
    return timezone.now().replace(microsecond=0) + timedelta(days=days, hours=hours)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    station = factory.SubFactory(StationFactory)
    category = factory.SubFactory(EventCategoryFactory)
    title_zh_hans = factory.Sequence(lambda n: f"中外邻里活动{n}")
    title_en = factory.Sequence(lambda n: f"Neighbour event {n}")
    starts_at = factory.LazyFunction(lambda: _future(7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    capacity = 20
    is_published = True


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    station = factory.SelfAttribute("event.station")
    resident = factory.SubFactory(ResidentFactory, station=factory.SelfAttribute("..station"))
    status = Registration.Status.CONFIRMED


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    slug = "daily-life"
    name_zh_hans = "日常生活"
    name_en = "Daily life"


class CounsellorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counsellor

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"Counsellor {n}")
    languages = ["zh", "en"]


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    station = factory.SubFactory(StationFactory)
    resident = factory.SubFactory(ResidentFactory, station=factory.SelfAttribute("..station"))
    counsellor = factory.SubFactory(CounsellorFactory, station=factory.SelfAttribute("..station"))
    topic = factory.SubFactory(TopicFactory)
    starts_at = factory.LazyFunction(lambda: _future(2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    language = "en"


class AvailabilityFactory(factory.django.DjangoModelFactory):
    """Three one-hour slots, two days ahead, at the station or by phone."""

    class Meta:
        model = Availability
        skip_postgeneration_save = True

    counsellor = factory.SubFactory(CounsellorFactory)
    station = factory.SelfAttribute("counsellor.station")
    starts_at = factory.LazyFunction(lambda: _future(2).replace(minute=0, second=0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    slot_minutes = 60
    channels = factory.LazyFunction(lambda: ["station", "phone"])

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    station = factory.SubFactory(StationFactory)
    title_zh_hans = factory.Sequence(lambda n: f"社区环保志愿服务{n}")
    title_en = factory.Sequence(lambda n: f"Community environment volunteering {n}")
    category = Opportunity.Category.ENVIRONMENT
    is_published = True


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    opportunity = factory.SubFactory(OpportunityFactory)
    station = factory.SelfAttribute("opportunity.station")
    starts_at = factory.LazyFunction(lambda: _future(3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    capacity = 5


class SignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signup

    shift = factory.SubFactory(ShiftFactory)
    station = factory.SelfAttribute("shift.station")
    volunteer = factory.SubFactory(ResidentFactory, station=factory.SelfAttribute("..station"))


class HoursEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HoursEntry

    station = factory.SubFactory(StationFactory)
    volunteer = factory.SubFactory(ResidentFactory, station=factory.SelfAttribute("..station"))
    date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    hours = Decimal("2.50")


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    station = factory.SubFactory(StationFactory)
    actor_kind = AuditEntry.ActorKind.SYSTEM
    action = AuditEntry.Action.VIEW
    model = "residents.resident"
    object_id = factory.Sequence(str)


class ReminderFactory(factory.django.DjangoModelFactory):
    """A due confirmation about a registration id that need not exist."""

    class Meta:
        model = Reminder

    station = factory.SubFactory(StationFactory)
    kind = Kind.REGISTRATION_CONFIRMED
    target_id = factory.Sequence(lambda n: 900_000 + n)
    recipient = "resident"
    remind_at = factory.LazyFunction(timezone.now)
    next_attempt_at = factory.SelfAttribute("remind_at")


class ReminderPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderPolicy
        django_get_or_create = ("station", "kind")

    station = factory.SubFactory(StationFactory)
    kind = Kind.EVENT_REMINDER
    offsets = factory.LazyFunction(lambda: [24])
