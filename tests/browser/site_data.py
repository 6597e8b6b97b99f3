"""The rows the browser tests walk through: one station with something on
every public page (a notice, a guide page, an event with places, a counsellor
with free slots on a non-sensitive topic, a volunteer opportunity with a
shift), and a resident with an account, a registration and a consent.

Everything is bilingual, so a page shown in the wrong language is visible in
a screenshot and in the assertions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from consultations.models import Availability, Consultation, Counsellor, Topic
from events.models import Event, Registration
from residents.consent_texts import current
from residents.models import Consent, Resident
from stations.models import GuidePage, Notice, Station
from tests import factories
from volunteers.models import Opportunity, Shift

EVENT_TITLE = {"en": "Dumpling evening with neighbours", "zh-hans": "中外邻里包饺子晚会"}
TOPIC_NAME = {"en": "Daily life", "zh-hans": "日常生活"}
COUNSELLOR_NAME = "Li Mei"


@dataclass
class PublicSite:
    station: Station
    event: Event
    topic: Topic
    counsellor: Counsellor
    availability: Availability
    notice: Notice
    guide: GuidePage
    opportunity: Opportunity
    shift: Shift
    resident: Resident
    registration: Registration
    consultation: Consultation


def build_station() -> Station:
    xiamen = factories.CityFactory(name_zh_hans="厦门市", name_en="Xiamen")
    siming = factories.RegionFactory.create_district(city=xiamen)
    siming.name_zh_hans, siming.name_en = "思明区", "Siming District"
    siming.save()
    yundang = factories.RegionFactory.create_street(district=siming)
    yundang.name_zh_hans, yundang.name_en = "筼筜街道", "Yundang Street"
    yundang.save()
    guanren = factories.RegionFactory(
        parent=yundang, name_zh_hans="官任社区", name_en="Guanren Community"
    )
    return factories.StationFactory(
        region=guanren,
        slug="guanren",
        name_zh_hans="官任社区国际分站",
        name_en="Guanren International Sub-station",
        description_zh_hans="为辖区境外居民提供一对一咨询、中外邻里活动和志愿服务。",
        description_en=(
            "One-to-one consultations, Chinese-foreign neighbour events and volunteer "
            "service for the foreign residents of the community."
        ),
        address_zh_hans="厦门市思明区官任路 8 号",
        address_en="8 Guanren Road, Siming District, Xiamen",
        opening_hours_zh_hans="周一至周五 9:00-17:30",
        opening_hours_en="Monday to Friday 9:00-17:30",
        languages=["zh", "nan", "en", "ko", "ja"],
    )


def build_bookable(station: Station) -> tuple[Event, Topic, Counsellor, Availability]:
    """An event with places, and a counsellor with free slots on a topic that
    needs no separate consent."""
    event = factories.EventFactory(
        station=station,
        category=factories.EventCategoryFactory(),
        title_en=EVENT_TITLE["en"],
        title_zh_hans=EVENT_TITLE["zh-hans"],
        description_en="Make and eat dumplings together. Everyone is welcome.",
        description_zh_hans="一起包饺子、吃饺子，欢迎大家参加。",
        place_en="Community hall, 2nd floor",
        place_zh_hans="社区活动室二楼",
        capacity=30,
    )
    topic = factories.TopicFactory(
        slug="daily-life",
        name_en=TOPIC_NAME["en"],
        name_zh_hans=TOPIC_NAME["zh-hans"],
        description_en="Housing, banks, telephones, transport and everything else.",
        description_zh_hans="住房、银行、电话、交通等日常问题。",
        is_sensitive=False,
    )
    counsellor = factories.CounsellorFactory(
        station=station, name=COUNSELLOR_NAME, languages=["zh", "en"]
    )
    counsellor.topics.add(topic)
    availability = factories.AvailabilityFactory(counsellor=counsellor, station=station)
    return event, topic, counsellor, availability


def build_public_site() -> PublicSite:
    station = build_station()
    event, topic, counsellor, availability = build_bookable(station)
    now = timezone.now()
    notice = factories.NoticeFactory(
        station=station,
        title_en="Flu vaccination at the community health centre",
        title_zh_hans="社区卫生服务中心流感疫苗接种通知",
        body_en="Free flu vaccination for residents over 60.\n\nBring your passport.",
        body_zh_hans="60 岁以上居民可免费接种流感疫苗。\n\n请携带护照。",
        kind=Notice.Kind.HEALTH,
    )
    guide = factories.GuidePageFactory(
        station=station,
        slug="seeing-a-doctor",
        title_en="Seeing a doctor",
        title_zh_hans="如何看病",
        body_en="Most hospitals take appointments through their app.\n\nBring your passport.",
        body_zh_hans="大多数医院可在其应用程序上预约挂号。\n\n请携带护照。",
        topic=GuidePage.Topic.MEDICAL,
    )
    opportunity = factories.OpportunityFactory(
        station=station,
        title_en="Interpreting at the free clinic",
        title_zh_hans="义诊现场翻译",
        description_en="Help foreign patients talk with the doctors.",
        description_zh_hans="帮助外籍患者与医生沟通。",
    )
    shift = factories.ShiftFactory(opportunity=opportunity, station=station)
    user = factories.UserFactory(
        email="anna.albrecht@example.org",
        full_name="Anna Albrecht",
        preferred_language="en",
        email_confirmed_at=now,
    )
    resident = factories.ResidentFactory(
        station=station,
        user=user,
        given_name="Anna",
        family_name="Albrecht",
        email=user.email,
    )
    text = current(Consent.Purpose.PERSONAL_DATA)
    factories.ConsentFactory(resident=resident, purpose=text.purpose, text_version=text.version)
    registration = factories.RegistrationFactory(event=event, resident=resident)
    # on another day than the free slots, which stay free
    consultation = factories.ConsultationFactory(
        station=station,
        resident=resident,
        counsellor=counsellor,
        topic=topic,
        starts_at=availability.ends_at + timedelta(days=1),
        ends_at=availability.ends_at + timedelta(days=1, hours=1),
    )
    factories.SignupFactory(shift=shift, volunteer=resident)
    factories.HoursEntryFactory(
        station=station, volunteer=resident, opportunity=opportunity, description="Interpreting"
    )
    return PublicSite(
        station=station,
        event=event,
        topic=topic,
        counsellor=counsellor,
        availability=availability,
        notice=notice,
        guide=guide,
        opportunity=opportunity,
        shift=shift,
        resident=resident,
        registration=registration,
        consultation=consultation,
    )
