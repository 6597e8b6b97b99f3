"""`manage.py generate_city`: a large, realistic city for load and scale work.

    python manage.py generate_city --stations 100 [--scale 1.0] [--seed 2025]
                                   [--prefix city] [--start 2025-02-01]

With the defaults: 100 community sub-stations in the districts and streets of
Xiamen, 150,000 residents, 3,000 events with 60,000 registrations, 60,000
consultations and 30,000 volunteer hours entries spread over two years, plus
3 partners and 3 volunteer opportunities per station. Per station that is
1,500 residents, 30 events (20 registrations each), 600 consultations and 300
hours entries; `--scale` multiplies those, `--stations` sets the number of
stations.

Invariants:
- Deterministic: the same options and seed give the same rows (one seeded
  generator for the figures, a second for names and other words).
  scripts/bench_summary.py calls `generate_city()` with the window
  2024-01-01..2025-12-31 and seed 2025, the data its figures were taken on.
- The two years start at `--start` (by default about 22 months ago, so about
  one event in twelve is still to come). Nothing is dated after today where
  that could not have happened yet: no check-in, completed consultation or
  hours entry in the future, no resident registered in the future.
- Region codes and station slugs start with `--prefix`, so a generated city
  sits beside the demo (`load_demo`) in one database; the catalogues (event
  categories, topics) are the demo's, shared city-wide, created when missing.
- City-wide generator code: runs with scopes disabled, in one transaction;
  the four large tables with COPY in batches, the rest with bulk_create (no
  services, no audit rows, no reminder rows: the history is written as it
  ended up).
"""

from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from stations import demo_data

# Per station at --scale 1.0
RESIDENTS, EVENTS, REGISTRATIONS_PER_EVENT = 1_500, 30, 20
CONSULTATIONS, HOURS_ENTRIES = 600, 300
PARTNERS, OPPORTUNITIES = 3, 3
BATCH = 5_000
# Nationalities of the figures' generator (Chinese citizens: returned overseas Chinese)
COUNTRIES = "CN KR US JP GB DE FR RU CA AU IT ES BR IN ID TH VN PH MY SG NG EG PK BD MX".split()
CHINESE_SPEAKING = {"CN", "HK", "MO", "TW", "SG"}

# Xiamen's districts, their streets and some communities of each street:
# "汉字 Romanised" pairs.
XIAMEN = {
    "思明 Siming": {
        "筼筜 Yundang": "官任 Guanren,仙岳 Xianyue,屿后 Yuhou,金榜 Jinbang",
        "嘉莲 Jialian": "莲花 Lianhua,长青 Changqing,嘉莲 Jialian,湖光 Huguang",
        "鹭江 Lujiang": "大同 Datong,营平 Yingping,镇海 Zhenhai",
        "中华 Zhonghua": "中山 Zhongshan,霞溪 Xiaxi,大元 Dayuan",
        "厦港 Xiagang": "大学 Daxue,沙坡尾 Shapowei,蜂巢山 Fengchaoshan",
        "滨海 Binhai": "曾厝垵 Zengcuo'an,黄厝 Huangcuo,上李 Shangli,东坪山 Dongpingshan",
        "梧村 Wucun": "梧村 Wucun,西林 Xilin,东浦 Dongpu,金鸡亭 Jinjiting",
        "莲前 Lianqian": "前埔 Qianpu,瑞景 Ruijing,龙山 Longshan,岭兜 Lingdou",
        "开元 Kaiyuan": "文屏 Wenping,槟榔 Binlang,美仁 Meiren,新华 Xinhua",
        "鼓浪屿 Gulangyu": "内厝澳 Neicuo'ao,龙头 Longtou",
    },
    "湖里 Huli": {
        "江头 Jiangtou": "江头 Jiangtou,蔡塘 Caitang,围里 Weili,后埔 Houpu",
        "湖里 Huli": "东渡 Dongdu,塘边 Tangbian,兴隆 Xinglong,海天 Haitian",
        "殿前 Dianqian": "高崎 Gaoqi,殿前 Dianqian,寨上 Zhaishang,高殿 Gaodian",
        "禾山 Heshan": "枋湖 Fanghu,后坑 Houkeng,禾山 Heshan,县后 Xianhou",
        "金山 Jinshan": "金山 Jinshan,五缘湾 Wuyuanwan,金湖 Jinhu,高林 Gaolin",
    },
    "集美 Jimei": {
        "集美 Jimei": "浔江 Xunjiang,大社 Dashe,岑头 Centou",
        "侨英 Qiaoying": "侨英 Qiaoying,孙厝 Suncuo,叶厝 Yecuo",
        "杏林 Xinglin": "杏林 Xinglin,西滨 Xibin,内林 Neilin",
        "杏滨 Xingbin": "杏北 Xingbei,马銮 Maluan,日东 Ridong",
    },
    "海沧 Haicang": {
        "海沧 Haicang": "海沧 Haicang,温厝 Wencuo,渐美 Jianmei",
        "新阳 Xinyang": "新阳 Xinyang,霞阳 Xiayang,祥露 Xianglu",
        "嵩屿 Songyu": "嵩屿 Songyu,海发 Haifa,鳌冠 Aoguan",
    },
    "同安 Tong'an": {
        "祥平 Xiangping": "祥平 Xiangping,西湖 Xihu,凤岗 Fenggang",
        "大同 Datong": "城东 Chengdong,三秀 Sanxiu,东山 Dongshan",
    },
    "翔安 Xiang'an": {
        "新店 Xindian": "新店 Xindian,洪前 Hongqian,东园 Dongyuan",
    },
}

# (Chinese, English) titles by event category (the demo's first six categories)
EVENT_TITLES = {
    "cultural-exchange": [
        ("中外邻里茶话会", "Neighbours' tea afternoon"),
        ("闽南功夫茶体验", "Minnan gongfu tea"),
        ("中秋博饼·中外邻里同乐", "Mid-Autumn Bobing for neighbours"),
        ("南音欣赏会", "An afternoon of Nanyin music"),
    ],
    "language-class": [
        ("实用汉语口语课", "Everyday Chinese conversation"),
        ("闽南话入门", "First words of Minnan"),
        ("汉字书法体验课", "Chinese calligraphy for beginners"),
    ],
    "free-clinic": [
        ("社区义诊", "Free clinic in the community"),
        ("中医体质辨识义诊", "TCM constitution check"),
        ("儿童健康义诊", "Free children's health check"),
    ],
    "expert-lecture": [
        ("外国人居留政策讲座", "Residence permits explained"),
        ("个人所得税年度汇算讲座", "Filing your yearly income tax"),
        ("医保与商业保险讲座", "Health insurance in China"),
    ],
    "support-group": [
        ("异乡生活适应小组", "Settling in: a support group"),
        ("新手父母互助小组", "New parents' circle"),
    ],
    "environmental": [
        ("筼筜湖净滩行动", "Clean-up walk by the lake"),
        ("垃圾分类宣传活动", "Sorting waste: a hands-on session"),
        ("海滩清洁日", "Beach clean-up day"),
    ],
}

OPPORTUNITY_TITLES = {
    "epidemic": ("社区防疫志愿服务", "Epidemic prevention in the community"),
    "environment": ("环保志愿者", "Environmental volunteers"),
    "education": ("公益英语角", "Volunteer English corner"),
    "interpretation": ("政策资讯双语翻译", "Translating notices into English"),
    "community": ("社区服务日", "Community service day"),
    "ambassador": ("城市文化大使", "City culture ambassadors"),
    "other": ("社区志愿服务", "Community volunteering"),
}

LAW_FIRMS = [("联合信实", "Lianhe Xinshi"), ("天衡", "Tianheng"), ("鹭都", "Ludu"),
             ("嘉禾", "Jiahe"), ("海峡", "Straits")]
CN_MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "152", "158", "159", "186",
                      "187", "188", "189", "199"]
ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "ß": "ss", "æ": "ae",
                            "'": ""})


def ascii_slug(text: str, sep: str = "") -> str:
    folded = unicodedata.normalize("NFKD", text.translate(ASCII_FOLD))
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in folded.lower()).split()
    return sep.join(words)


def pair(text: str) -> tuple[str, str]:
    zh, en = text.split(" ", 1)
    return zh, en


@dataclass
class Place:
    district: tuple[str, str]
    street: tuple[str, str]
    community: tuple[str, str]


def places() -> list[Place]:
    """Every community, the streets taken in turn so that stations spread over
    all of them (station i takes the i-th place)."""
    per_street = [
        [Place(pair(d), pair(s), pair(c)) for c in communities.split(",")]
        for d, streets in XIAMEN.items()
        for s, communities in streets.items()
    ]
    ordered = []
    for k in range(max(len(p) for p in per_street)):
        ordered.extend(p[k] for p in per_street if k < len(p))
    return ordered


def copy_value(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | tuple):
        items = ('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value)
        value = "{" + ",".join(items) + "}"
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value)
    return (
        text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def copy_insert(model, objs: list) -> list:
    """Insert `objs` with COPY (about twice as fast as bulk_create here: no
    SQL to build), each field's value prepared by the field itself as
    bulk_create would; the ids are taken from the table's sequence first and
    set on the objects. No signals, like bulk_create."""
    if not objs:
        return objs
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        buffer = StringIO()
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            values = [pk] + [
                f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields
            ]
            buffer.write("\t".join(copy_value(v) for v in values) + "\n")
            obj._state.adding = False
        buffer.seek(0)
        columns = ", ".join(
            connection.ops.quote_name(f.column) for f in [meta.pk, *fields]
        )
        cursor.copy_expert(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", buffer
        )
    return objs


def default_start(today: date) -> date:
    """The two years end about two months from today."""
    return today + timedelta(days=60) - timedelta(days=730)


@dataclass
class Sizes:
    stations: int
    residents: int
    events: int
    registrations_per_event: int
    consultations: int
    hours_entries: int

    @classmethod
    def of(cls, stations: int, scale: float) -> Sizes:
        def n(per_station: int) -> int:
            return max(1, round(per_station * stations * scale))

        return cls(
            stations=stations,
            residents=n(RESIDENTS),
            events=n(EVENTS),
            registrations_per_event=REGISTRATIONS_PER_EVENT,
            consultations=n(CONSULTATIONS),
            hours_entries=n(HOURS_ENTRIES),
        )


class Words:
    """Names, addresses and contacts: a generator of its own, so that the
    figures come out the same whatever is drawn here."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"words-{seed}")
        self.pools = {code: demo_data.NAMES[code] for code in COUNTRIES}

    def person(self, nationality: str, i: int) -> dict:
        rng = self.rng
        male, female, families = rng.choice(self.pools[nationality])
        female_person = rng.random() < 0.5
        given = rng.choice(female if female_person else male)
        family = rng.choice(families)
        if "/" in family:
            family = family.split("/")[1 if female_person else 0]
        given_latin, _, given_zh = given.partition("|")
        family_latin, _, family_zh = family.partition("|")
        chinese = family_zh + given_zh if family_zh and given_zh else ""
        if nationality == "CN":
            preferred = "zh-hans"
        elif nationality in CHINESE_SPEAKING:
            preferred = rng.choice(["zh-hans", "en"])
        else:
            preferred = "zh-hans" if rng.random() < 0.15 else "en"
        email = ""
        if rng.random() < 0.8:
            local = ascii_slug(f"{given_latin} {family_latin}", ".") or "resident"
            email = f"{local}.{i}@example.org"
        phone = f"+86{rng.choice(CN_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        return {
            "family_name": family_latin,
            "given_name": given_latin,
            "chinese_name": chinese,
            "languages": list(demo_data.LANGUAGES.get(nationality, ["en"])),
            "preferred_language": preferred,
            "email": email,
            "phone": phone,
        }

    def address(self, place: Place) -> str:
        building, room = self.rng.randrange(1, 40), self.rng.randrange(101, 2800)
        return (
            f"厦门市{place.district[0]}区{place.street[0]}街道{place.community[0]}社区"
            f"{building}号楼{room}室"
        )


def generate_city(
    *,
    stations: int = 100,
    scale: float = 1.0,
    seed: int = 2025,
    prefix: str = "city",
    start: date | None = None,
    log=lambda message: None,
) -> dict[str, int]:
    """Write a city of `stations` stations and its activity; return the row counts.

    Raises ValueError when the prefix is already taken (the city exists)."""
    from consultations.models import Consultation, Topic
    from events.models import Event, EventCategory, Registration
    from residents.models import Resident
    from stations.models import Partner, Region, Station
    from stations.periods import SUMMARY_TZ
    from volunteers.models import HoursEntry, Opportunity

    if stations < 1 or scale <= 0:
        raise ValueError("--stations must be at least 1 and --scale more than 0")
    sizes = Sizes.of(stations, scale)
    now = timezone.now()
    today = timezone.localdate(now, SUMMARY_TZ)
    start = start or default_start(today)
    window_start = datetime(start.year, start.month, start.day, tzinfo=SUMMARY_TZ)
    window_end = window_start + timedelta(days=730)
    last_year = (window_end - timedelta(days=1)).year
    rng = random.Random(seed)
    words = Words(seed)

    def moment() -> datetime:
        """A moment in the two years of the window, Shanghai time."""
        return window_start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))

    counts: dict[str, int] = {}
    with scopes_disabled(), transaction.atomic():
        if Region.objects.filter(code=f"{prefix}-city").exists():
            raise ValueError(
                f"a city with the prefix {prefix!r} exists already: choose another --prefix"
            )
        city = Region.objects.create(
            level="city", code=f"{prefix}-city", name_zh_hans="厦门市", name_en="Xiamen",
            name="厦门市",
        )
        all_places = places()
        used = all_places[: min(stations, len(all_places))]
        regions: dict[tuple, Region] = {}
        for place in used:
            d_key = (place.district,)
            if d_key not in regions:
                regions[d_key] = Region.objects.create(
                    level="district",
                    parent=city,
                    code=f"{prefix}-{ascii_slug(place.district[1], '-')}",
                    name=f"{place.district[0]}区",
                    name_zh_hans=f"{place.district[0]}区",
                    name_en=f"{place.district[1]} District",
                )
            s_key = (place.district, place.street)
            if s_key not in regions:
                regions[s_key] = Region.objects.create(
                    level="street",
                    parent=regions[d_key],
                    code=f"{prefix}-{ascii_slug(place.district[1], '-')}-"
                    f"{ascii_slug(place.street[1], '-')}",
                    name=f"{place.street[0]}街道",
                    name_zh_hans=f"{place.street[0]}街道",
                    name_en=f"{place.street[1]} Street",
                )
        station_rows, station_places = [], []
        for i in range(stations):
            place = all_places[i % len(all_places)]
            round_no = i // len(all_places)
            suffix_zh = f"第{round_no + 1}服务点" if round_no else ""
            suffix_en = f", service point {round_no + 1}" if round_no else ""
            zh, en = place.community
            street_zh, street_en = place.street
            district_zh, district_en = place.district
            name_zh = f"{street_zh}街道{zh}社区国际服务分站{suffix_zh}"
            name_en = (
                f"{en} Community International Service Sub-station, {street_en} Street{suffix_en}"
            )
            station_places.append(place)
            station_rows.append(
                Station(
                    region=regions[(place.district, place.street)],
                    slug=f"{prefix}-{ascii_slug(en, '-')}-{i}",
                    kind="community",
                    name=name_zh,
                    name_zh_hans=name_zh,
                    name_en=name_en,
                    description_zh_hans=f"服务{zh}社区及周边的外籍居民、港澳台居民和归侨侨眷："
                    "政策咨询、中外邻里活动、一对一咨询和志愿服务。",
                    description_en=f"Serves foreign residents, Hong Kong, Macao and Taiwan "
                    f"residents and returned overseas Chinese around {en}: policy advice, "
                    "neighbour events, one-to-one consultations and volunteering.",
                    address_zh_hans=f"厦门市{district_zh}区{street_zh}街道{zh}社区党群服务中心",
                    address_en=f"{en} Community Service Centre, {street_en} Street, "
                    f"{district_en} District, Xiamen",
                    phone=f"+86 592 5{words.rng.randrange(10**6):06d}",
                    email=f"{ascii_slug(en)}{i}@stations.example.org",
                    opening_hours_zh_hans="周一至周五 9:00-12:00，14:30-17:30",
                    opening_hours_en="Monday to Friday 9:00-12:00 and 14:30-17:30",
                    languages=["zh", "en"],
                )
            )
        station_list = Station.objects.bulk_create(station_rows)
        place_of = {s.pk: p for s, p in zip(station_list, station_places, strict=True)}
        categories = []
        for n, (slug, zh, en) in enumerate(demo_data.EVENT_CATEGORIES[:6]):
            category, _ = EventCategory.objects.get_or_create(
                slug=slug, defaults={"name": zh, "name_zh_hans": zh, "name_en": en, "ordering": n}
            )
            categories.append(category)
        topics = []
        for n, (slug, zh, en, (dzh, den), epidemic, sensitive) in enumerate(
            demo_data.TOPICS[:10]
        ):
            topic, _ = Topic.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": zh, "name_zh_hans": zh, "name_en": en, "description": dzh,
                    "description_zh_hans": dzh, "description_en": den,
                    "is_epidemic_related": epidemic, "is_sensitive": sensitive, "ordering": n,
                },
            )
            topics.append(topic)
        partners = []
        for s in station_list:
            place = place_of[s.pk]
            kinds: list[str] = []
            for _k in range(PARTNERS):
                kind = rng.choice(["hospital", "law_firm", "school", "hotel", "company"])
                agreed = date(last_year - rng.randrange(3), rng.randrange(1, 13), 1)
                zh, en = partner_name(kind, place, kinds.count(kind))
                kinds.append(kind)
                partners.append(
                    Partner(station=s, name=zh, name_zh_hans=zh, name_en=en, kind=kind,
                            agreement_date=min(agreed, today))
                )
        Partner.objects.bulk_create(partners)
        opportunities = []
        for s in station_list:
            for _k in range(OPPORTUNITIES):
                category = rng.choice(Opportunity.Category.values)
                zh, en = OPPORTUNITY_TITLES[category]
                opportunities.append(
                    Opportunity(station=s, title=zh, title_zh_hans=zh, title_en=en,
                                category=category, is_published=True)
                )
        opportunities = Opportunity.objects.bulk_create(opportunities)
        log(f"{len(station_list)} stations in {len(regions)} districts and streets, "
            f"{len(partners)} partners, {len(opportunities)} opportunities")

        by_station: dict[int, list[int]] = {s.pk: [] for s in station_list}
        for first in range(0, sizes.residents, BATCH):
            batch = []
            for i in range(first, min(first + BATCH, sizes.residents)):
                station = station_list[i % stations]
                nationality = rng.choice(COUNTRIES)
                category = rng.choice(Resident.Category.values)
                registered = moment() - timedelta(days=rng.randrange(0, 900))
                if nationality == "CN" and category == "foreign":
                    category = "returned"
                batch.append(
                    Resident(
                        station=station,
                        nationality=nationality,
                        category=category,
                        registered_at=min(registered, now),
                        address=words.address(place_of[station.pk]),
                        arrival_date=(registered - timedelta(days=words.rng.randrange(400)))
                        .astimezone(SUMMARY_TZ)
                        .date(),
                        **words.person(nationality, i),
                    )
                )
            for r in copy_insert(Resident, batch):
                by_station[r.station_id].append(r.pk)
        counts["residents"] = sizes.residents
        log(f"{sizes.residents} residents")

        event_rows = []
        for i in range(sizes.events):
            station = station_list[i % stations]
            category = rng.choice(categories)
            starts = moment()
            zh, en = words.rng.choice(EVENT_TITLES[category.slug])
            event_rows.append(
                Event(
                    station=station,
                    category=category,
                    title=zh,
                    title_zh_hans=zh,
                    title_en=en,
                    description_zh_hans="欢迎社区里的外籍居民、港澳台居民和家人参加，"
                    "现场提供中英双语服务。",
                    description_en="Foreign residents, Hong Kong, Macao and Taiwan residents "
                    "and their families are welcome; the event is held in Chinese and English.",
                    place_zh_hans=f"{place_of[station.pk].community[0]}社区党群服务中心活动室",
                    place_en=f"Activity room, {place_of[station.pk].community[1]} Community "
                    "Service Centre",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=words.rng.choice([None, 30, 40, 60]),
                    is_published=True,
                )
            )
        events = Event.objects.bulk_create(event_rows, batch_size=BATCH)
        per_event = sizes.registrations_per_event
        registrations = 0
        step = max(1, BATCH // per_event)
        for first in range(0, len(events), step):
            batch = []
            for event in events[first : first + step]:
                pool = by_station[event.station_id]
                people = rng.sample(pool, min(per_event, len(pool)))
                upcoming = event.starts_at > now
                for person in people:
                    status = rng.choices(["confirmed", "cancelled", "waitlisted"], [85, 10, 5])[0]
                    came = status == "confirmed" and rng.random() < 0.8
                    created = min(event.starts_at - timedelta(days=3), now)
                    batch.append(
                        Registration(
                            station_id=event.station_id,
                            event=event,
                            resident_id=person,
                            status=status,
                            created_at=created,
                            cancelled_at=min(event.starts_at, now)
                            if status == "cancelled"
                            else None,
                            checked_in_at=event.starts_at if came and not upcoming else None,
                        )
                    )
            copy_insert(Registration, batch)
            registrations += len(batch)
        counts["events"], counts["registrations"] = len(events), registrations
        log(f"{len(events)} events, {registrations} registrations")

        for first in range(0, sizes.consultations, BATCH):
            batch = []
            for i in range(first, min(first + BATCH, sizes.consultations)):
                station = station_list[i % stations]
                t = moment()
                consultation = Consultation(
                    station=station,
                    resident_id=rng.choice(by_station[station.pk]),
                    topic=rng.choice(topics),
                    counsellor=None,  # no overlap rule without one
                    channel=rng.choice(Consultation.Channel.values),
                    starts_at=t,
                    ends_at=t + timedelta(minutes=rng.choice([30, 45, 60, 90])),
                    status=rng.choices(
                        ["completed", "booked", "cancelled", "no_show"], [80, 5, 10, 5]
                    )[0],
                )
                if t > now and consultation.status in ("completed", "no_show"):
                    consultation.status = "booked"
                batch.append(consultation)
            copy_insert(Consultation, batch)
        counts["consultations"] = sizes.consultations
        log(f"{sizes.consultations} consultations")

        reviewed = min(window_start + timedelta(days=730 - 1), now)
        for first in range(0, sizes.hours_entries, BATCH):
            batch = []
            for i in range(first, min(first + BATCH, sizes.hours_entries)):
                opportunity = opportunities[i % len(opportunities)]
                status = rng.choices(["approved", "pending", "rejected"], [80, 10, 10])[0]
                batch.append(
                    HoursEntry(
                        station_id=opportunity.station_id,
                        opportunity=opportunity,
                        volunteer_id=rng.choice(by_station[opportunity.station_id]),
                        date=min(start + timedelta(days=rng.randrange(730)), today),
                        hours=Decimal(rng.choice(["1.00", "2.50", "3.00", "4.00"])),
                        status=status,
                        reviewed_at=None if status == "pending" else reviewed,
                    )
                )
            copy_insert(HoursEntry, batch)
        counts["hours_entries"] = sizes.hours_entries
        log(f"{sizes.hours_entries} hours entries")
        counts = {
            "stations": len(station_list),
            "partners": len(partners),
            "opportunities": len(opportunities),
            **counts,
        }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


PARTNER_NAMES = {
    "hospital": [
        ("{street_zh}街道社区卫生服务中心", "{street_en} Street Community Health Centre"),
        ("厦门市中医院{zh}社区门诊", "Xiamen Hospital of TCM, {en} Community Clinic"),
        ("厦门市第一医院{zh}社区门诊", "Xiamen First Hospital, {en} Community Clinic"),
    ],
    "law_firm": [("福建{firm_zh}律师事务所", "Fujian {firm_en} Law Firm")] * 3,
    "school": [
        ("厦门市{zh}小学", "{en} Primary School, Xiamen"),
        ("厦门市{zh}中学", "{en} Secondary School, Xiamen"),
        ("{zh}社区幼儿园", "{en} Community Kindergarten"),
    ],
    "hotel": [
        ("厦门{zh}国际酒店", "{en} International Hotel, Xiamen"),
        ("厦门{zh}大酒店", "{en} Grand Hotel, Xiamen"),
        ("{zh}公寓酒店", "{en} Serviced Apartments"),
    ],
    "company": [
        ("厦门{zh}科技有限公司", "Xiamen {en} Technology Co., Ltd."),
        ("厦门{zh}贸易有限公司", "Xiamen {en} Trading Co., Ltd."),
        ("厦门{zh}文化传播有限公司", "Xiamen {en} Culture and Media Co., Ltd."),
    ],
}


def partner_name(kind: str, place: Place, nth: int) -> tuple[str, str]:
    """The name of a station's `nth` partner of `kind` (0, 1, 2): distinct
    within the station, as the database requires."""
    zh, en = place.community
    firm_zh, firm_en = LAW_FIRMS[(ord(zh[0]) + nth) % len(LAW_FIRMS)]
    values = {"zh": zh, "en": en, "street_zh": place.street[0], "street_en": place.street[1],
              "firm_zh": firm_zh, "firm_en": firm_en}
    name_zh, name_en = PARTNER_NAMES[kind][nth]
    return name_zh.format(**values), name_en.format(**values)


class Command(BaseCommand):
    help = (
        "Generate a large, realistic city for load and scale work: 100 stations, 150,000 "
        "residents, 3,000 events, 60,000 registrations, 60,000 consultations and 30,000 "
        "hours entries at the defaults (docs/load.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stations", type=int, default=100, help="stations (default 100)")
        parser.add_argument(
            "--scale", type=float, default=1.0,
            help="multiplies the activity per station (default 1.0: 1,500 residents each)",
        )
        parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
        parser.add_argument(
            "--prefix", default="city",
            help="start of the region codes and station slugs (default city)",
        )
        parser.add_argument(
            "--start", type=date.fromisoformat, default=None,
            help="first day of the two years of activity (default: about 22 months ago)",
        )

    def handle(self, *args, stations, scale, seed, prefix, start, **options):
        started = time.monotonic()

        def log(message: str) -> None:
            self.stderr.write(f"  {message} ({time.monotonic() - started:.1f} s)")

        try:
            counts = generate_city(
                stations=stations, scale=scale, seed=seed, prefix=prefix, start=start, log=log
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        rows = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(f"generated in {elapsed:.1f} s: {rows}")
