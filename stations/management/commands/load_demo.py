"""`manage.py load_demo`: a bilingual demo city (Xiamen) for trying the portal.

Invariants:
- Running it again changes no counts. Catalogues, regions, stations, partners,
  accounts, roles and counsellors are written with update_or_create on natural
  keys (region code, station slug, e-mail, slug, name). A station's activity
  (residents, consents, events, registrations, consultations, volunteering) is
  generated only while the station has no resident at all; after that the
  station is left as it is, so data entered by hand is never overwritten.
- Generation is deterministic for a given day: one seeded random generator per
  station. Dates are relative to today (the past twelve months and the coming
  weeks), times are in Asia/Shanghai.
- Rows are inserted with bulk_create, which skips save() and the services:
  translated columns are set explicitly, and every row still satisfies the
  database constraints (no overlapping consultations for one counsellor,
  cancelled registrations carry cancelled_at, reviewed hours carry reviewed_at).
  Historical rows (check-ins at past events, completed consultations) are
  written directly, as the services refuse to create them after the fact.
- Reminders of what is still to come (upcoming events, bookings and shifts,
  expiring documents) are planned afterwards as the services would have
  (`reminders_replan_station`); past activity gets no messages.
- The whole load is one transaction: a failure leaves nothing half loaded.
"""

from __future__ import annotations

import math
import random
import time
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from consultations.models import Availability, Consultation, Counsellor, Topic
from events.models import Event, EventCategory, Registration
from reminders.services import reminders_replan_station
from residents.models import Consent, Resident
from stations import demo_data as data
from stations.models import (
    GuidePage,
    Notice,
    Partner,
    Region,
    RegionMembership,
    Station,
    StationMembership,
)
from volunteers.models import HoursEntry, Opportunity, Shift, Signup

User = get_user_model()

SLOT_TIMES = {
    "sat_am": ({5}, clock(9, 30)),
    "sat_pm": ({5}, clock(15, 0)),
    "sun_am": ({6}, clock(9, 0)),
    "sun_pm": ({6}, clock(15, 0)),
    "eve": ({1, 2, 3}, clock(19, 30)),
    "weekday_am": ({0, 1, 2, 3, 4}, clock(9, 0)),
    "weekday_pm": ({0, 1, 2, 3, 4}, clock(14, 30)),
}

CN_MOBILE_PREFIXES = [
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186",
    "187", "188", "189", "198", "199",
]
HMT = {"HK", "MO", "TW"}
# what a volunteer logs for translation done at home, without a shift
ADHOC_ACTIVITY = "翻译政策资讯和社区通知（中译英）"
ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "ß": "ss", "æ": "ae"})


def translated(field: str, pair: tuple[str, str]) -> dict[str, str]:
    """Values for a modeltranslation field. The untranslated column takes the
    default language (the load runs with it active), so it matches what the
    unique constraints on that column expect."""
    zh, en = pair
    return {field: zh, f"{field}_zh_hans": zh, f"{field}_en": en}


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(ASCII_FOLD))
    return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())


def split_name(value: str) -> tuple[str, str]:
    """"Romanised|汉字" -> (romanised, 汉字); a plain name has no Chinese form."""
    latin, _, chinese = value.partition("|")
    return latin, chinese


class DemoLoader:
    def __init__(self, *, now: datetime):
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(now)
        self._password = None
        self.report: dict[str, str] = {}

    # ------------------------------------------------------------------ time helpers

    def at(self, day: date, hour_minute: clock) -> datetime:
        return datetime.combine(day, hour_minute, tzinfo=self.tz)

    @staticmethod
    def align(day: date, weekdays: set[int], *, forward: bool) -> date:
        step = timedelta(days=1 if forward else -1)
        while day.weekday() not in weekdays:
            day += step
        return day

    def occurrence(self, key: str, year: int) -> date:
        if key in data.FIXED_DAYS:
            month, day = data.FIXED_DAYS[key]
            return date(year, month, day)
        table = data.FESTIVALS[key]
        if year in table:
            return table[year]
        # beyond the table: the nearest known year's date, a few days off at most
        known = table[min(table, key=lambda y: abs(y - year))]
        return known.replace(year=year)

    def festival_before(self, key: str) -> date:
        """The festival's latest date before today, kept inside the past year."""
        years = range(self.today.year - 2, self.today.year + 1)
        past = [d for d in (self.occurrence(key, y) for y in years) if d < self.today]
        return max(max(past), self.today - timedelta(days=355))

    def festival_after(self, key: str, *, soonest: int, latest: int) -> date | None:
        for year in (self.today.year, self.today.year + 1):
            d = self.occurrence(key, year)
            if self.today + timedelta(days=soonest) <= d <= self.today + timedelta(days=latest):
                return d
        return None

    # ------------------------------------------------------------------ the load

    def password(self) -> str:
        # one hash for every new demo account: PBKDF2 is slow on purpose
        if self._password is None:
            self._password = make_password(data.DEMO_PASSWORD)
        return self._password

    def load(self) -> None:
        regions = self.load_regions()
        stations = self.load_stations(regions)
        self.load_partners(stations)
        categories = self.load_categories()
        topics = self.load_topics()
        users = self.load_users(stations, regions)
        counsellors = self.load_counsellors(stations, users, topics)
        self.load_publications(stations)
        self.load_availability(counsellors)
        for slug, plan in data.PLANS.items():
            station = stations[slug]
            if Resident.objects.filter(station=station).exists():
                self.report[slug] = "already has residents: activity left as it is"
                continue
            StationActivity(
                self, station, plan,
                categories=categories, topics=topics, counsellors=counsellors[slug],
                users=users,
            ).generate()
            # bulk_create skipped the services: write the reminders of what is
            # still to come (upcoming events, bookings, shifts, documents)
            reminders_replan_station(station_id=station.pk)
            self.report[slug] = "activity generated"

    def load_regions(self) -> dict[str, Region]:
        regions: dict[str, Region] = {}
        for code, level, parent, zh, en in data.REGIONS:
            regions[code], _ = Region.objects.update_or_create(
                code=code,
                defaults={
                    **translated("name", (zh, en)),
                    "level": level,
                    "parent": regions[parent] if parent else None,
                },
            )
        return regions

    def load_stations(self, regions: dict[str, Region]) -> dict[str, Station]:
        stations = {}
        for spec in data.STATIONS:
            stations[spec["slug"]], _ = Station.objects.update_or_create(
                slug=spec["slug"],
                defaults={
                    **translated("name", spec["name"]),
                    **translated("description", spec["description"]),
                    **translated("address", spec["address"]),
                    **translated("opening_hours", spec["opening_hours"]),
                    "region": regions[spec["region"]],
                    "kind": spec["kind"],
                    "phone": spec["phone"],
                    "email": spec["email"],
                    "languages": spec["languages"],
                    "is_active": True,
                },
            )
        return stations

    def load_partners(self, stations: dict[str, Station]) -> None:
        for slug, kind, name, description, signed, contact, phone in data.PARTNERS:
            Partner.objects.update_or_create(
                station=stations[slug],
                name_zh_hans=name[0],
                defaults={
                    **translated("name", name),
                    **translated("description", description),
                    "kind": kind,
                    "agreement_date": signed,
                    "contact_name": contact,
                    "phone": phone,
                },
            )

    def load_categories(self) -> dict[str, EventCategory]:
        categories = {}
        for position, (slug, zh, en) in enumerate(data.EVENT_CATEGORIES):
            categories[slug], _ = EventCategory.objects.update_or_create(
                slug=slug, defaults={**translated("name", (zh, en)), "ordering": position * 10}
            )
        return categories

    def load_topics(self) -> dict[str, Topic]:
        topics = {}
        for position, (slug, zh, en, description, epidemic, sensitive) in enumerate(data.TOPICS):
            topics[slug], _ = Topic.objects.update_or_create(
                slug=slug,
                defaults={
                    **translated("name", (zh, en)),
                    **translated("description", description),
                    "is_epidemic_related": epidemic,
                    "is_sensitive": sensitive,
                    "ordering": position * 10,
                },
            )
        return topics

    def load_users(self, stations: dict[str, Station], regions: dict[str, Region]) -> dict:
        users = {}
        for login in data.LOGINS:
            fields = {
                "full_name": login.full_name,
                "is_staff": login.is_staff,
                "is_superuser": login.role == "superuser",
                "is_active": True,
                "preferred_language": "en" if login.role == "resident" else "zh-hans",
            }
            user = User.objects.filter(email__iexact=login.email).first()
            if user is None:
                # the password is set once; a demo user who changed it keeps theirs
                user = User.objects.create(email=login.email, password=self.password(), **fields)
            else:
                for name, value in fields.items():
                    setattr(user, name, value)
                user.save(update_fields=list(fields))
            users[login.email] = user
            if login.role in ("manager", "staff", "counsellor"):
                StationMembership.objects.update_or_create(
                    station=stations[login.station], user=user, defaults={"role": login.role}
                )
            elif login.role == "official":
                RegionMembership.objects.get_or_create(region=regions[login.region], user=user)
            if login.role != "resident":
                # staff and officials need a second factor (accounts/two_factor.py);
                # the demo gives each a known key, `demo_codes` prints the codes
                TOTPDevice.objects.update_or_create(
                    user=user,
                    name="demo authenticator",
                    defaults={"key": data.demo_totp_key(login.email), "confirmed": True},
                )
        return users

    def load_counsellors(self, stations, users, topics) -> dict[str, list[tuple]]:
        """{station slug: [(Counsellor, spec)]}."""
        by_station: dict[str, list[tuple]] = defaultdict(list)
        for spec in data.COUNSELLORS:
            station = stations[spec.station]
            defaults = {
                **translated("title", spec.title),
                **translated("bio", spec.bio),
                "languages": list(spec.languages),
                "is_external": spec.is_external,
                "is_active": True,
            }
            if spec.login:
                counsellor, _ = Counsellor.objects.update_or_create(
                    station=station, user=users[spec.login],
                    defaults={**defaults, "name": spec.name},
                )
            else:
                counsellor, _ = Counsellor.objects.update_or_create(
                    station=station, user=None, name=spec.name, defaults=defaults
                )
            counsellor.topics.set([topics[slug] for slug in spec.topics])
            by_station[spec.station].append((counsellor, spec))
        return by_station


    def load_publications(self, stations: dict[str, Station]) -> None:
        """Notices and guide pages, keyed by station and Chinese title or slug."""
        for slug, kind, title, body in data.NOTICES:
            Notice.objects.update_or_create(
                station=stations[slug], title_zh_hans=title[0],
                defaults={**translated("title", title), **translated("body", body),
                          "kind": kind, "published_at": self.now - timedelta(days=3)},
            )
        for slug, topic, page_slug, title, body in data.GUIDES:
            GuidePage.objects.update_or_create(
                station=stations[slug], slug=page_slug,
                defaults={**translated("title", title), **translated("body", body),
                          "topic": topic, "is_published": True},
            )

    def load_availability(self, counsellors: dict[str, list[tuple]]) -> None:
        """Bookable windows for every counsellor over the next two weeks; the
        same window is found again, not duplicated, on a second run."""
        for pairs in counsellors.values():
            for counsellor, _spec in pairs:
                for offset in range(1, 15):
                    day = self.today + timedelta(days=offset)
                    hours = data.AVAILABILITY_HOURS.get(day.weekday())
                    if hours is None:
                        continue
                    starts, ends = (self.at(day, clock(*hm)) for hm in hours)
                    Availability.objects.get_or_create(
                        station=counsellor.station, counsellor=counsellor, starts_at=starts,
                        defaults={"ends_at": ends, "slot_minutes": 60,
                                  "channels": ["station", "phone", "online"]},
                    )


class StationActivity:
    """Residents and their year at one station, generated in memory and
    inserted table by table with bulk_create."""

    def __init__(self, loader: DemoLoader, station: Station, plan: data.Plan, *,
                 categories, topics, counsellors, users):
        self.loader = loader
        self.station = station
        self.plan = plan
        self.categories = categories
        self.topics = topics
        self.counsellors = counsellors
        self.rng = random.Random(f"load_demo:{station.slug}")
        self.today = loader.today
        self.now = loader.now
        self.opened = data.OPENED[station.slug]
        logins = [u for e, u in users.items() if self._login(e).station == station.slug]
        self.reviewers = [u for u in logins if self._login(u.email).role in ("manager", "staff")]
        self.users = users

    @staticmethod
    def _login(email: str) -> data.Login:
        return next(login for login in data.LOGINS if login.email == email)

    def generate(self) -> None:
        self.residents = self.make_residents()
        self.make_consents()
        self.make_events()
        self.make_consultations()
        self.make_volunteering()

    # ------------------------------------------------------------------ residents

    def chinese_mobile(self) -> str:
        while True:
            number = f"+86{self.rng.choice(CN_MOBILE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                return number

    def home_mobile(self, region: str) -> str:
        """A valid mobile number of the resident's country: the library's example
        number with other last digits."""
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if example is None:
            return self.chinese_mobile()
        national = str(example.national_number)
        for _ in range(20):
            candidate = f"{national[:-4]}{self.rng.randrange(10**4):04d}"
            number = phonenumbers.parse(f"+{example.country_code}{candidate}", None)
            if phonenumbers.is_valid_number(number):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return self.chinese_mobile()

    def pick_name(self, code: str, used: set) -> tuple[str, str, str, str]:
        """(gender, given, family, Chinese name) for a person of nationality `code`."""
        for _ in range(20):
            male, female, families = self.rng.choice(data.NAMES[code])
            gender = self.rng.choice("mf")
            given, given_zh = split_name(self.rng.choice(male if gender == "m" else female))
            family, family_zh = split_name(self.rng.choice(families))
            if "/" in family:
                family = family.split("/")[0 if gender == "m" else 1]
            if (given, family) not in used:
                break
        used.add((given, family))
        chinese = ""
        if given_zh and family_zh:
            always = code in HMT or code == "CN"
            if always or self.rng.random() < 0.6:
                chinese = family_zh + given_zh
        return gender, given, family, chinese

    def document(self, code: str, category: str, taken: set) -> tuple[str, str]:
        rng = self.rng
        if category in ("returned", "relative"):
            return "", ""
        if category == "hmt":
            kind = rng.choices(["hmt_residence", "hmt_permit", ""], weights=[50, 45, 5])[0]
        else:
            kind = rng.choices(
                ["residence_permit", "passport", "work_permit", "permanent_residence", "visa", ""],
                weights=[45, 25, 15, 5, 5, 5],
            )[0]
        while kind:
            if kind == "hmt_permit":
                prefix = {"HK": "H", "MO": "M", "TW": ""}[code]
                number = f"{prefix}{rng.randrange(10**8):08d}"
            elif kind == "hmt_residence":
                prefix = {"HK": "810000", "MO": "820000", "TW": "830000"}[code]
                number = f"{prefix}{rng.randrange(10**12):012d}"
            elif kind == "passport":
                letters = "".join(rng.choice("CEGKMNPRSTX") for _ in range(rng.choice((1, 2))))
                number = f"{letters}{rng.randrange(10**7):07d}"
            elif kind == "work_permit":
                number = f"156{rng.randrange(10**15):015d}"
            elif kind == "permanent_residence":
                number = f"9{rng.randrange(10**17):017d}"
            elif kind == "residence_permit":
                number = f"XM{rng.randrange(10**9):09d}"
            else:
                number = f"{rng.randrange(10**8):08d}"
            if (kind, number) not in taken:
                taken.add((kind, number))
                return kind, number
        return "", ""

    def expiry(self, kind: str) -> date | None:
        if not kind:
            return None
        if self.rng.random() < 0.07:
            # renewals due within a month: staff should notice these
            return self.today + timedelta(days=self.rng.randint(1, 30))
        longest = {"permanent_residence": 3650, "passport": 3000, "hmt_permit": 1800}
        return self.today + timedelta(days=self.rng.randint(31, longest.get(kind, 1500)))

    def registered_at(self, arrival: date | None) -> datetime:
        start = max(arrival or self.opened, self.opened)
        span = (self.today - start).days - 1
        if arrival and arrival >= self.opened:
            offset = min(span, self.rng.randint(3, 40))
        else:
            offset = int(span * self.rng.random() ** 1.6)
        day = start + timedelta(days=max(offset, 0))
        return self.loader.at(day, clock(self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45))))

    def make_residents(self) -> list[Resident]:
        plan = self.plan.residents
        rng = self.rng
        people = []  # (code, category, gender, given, family, chinese, login email)
        used: set = set()
        for slug, code, gender, given, family, chinese in data.PERSONAS:
            if slug == self.station.slug:
                is_login = (slug, family) == data.RESIDENT_LOGIN[:2]
                login = data.RESIDENT_LOGIN[2] if is_login else None
                used.add((given, family))
                people.append((code, "foreign", gender, given, family, chinese, login))
        for category, count in (("returned", plan.returned), ("relative", plan.relatives)):
            for _ in range(count):
                people.append(("CN", category, *self.pick_name("CN", used), None))
        codes = list(plan.nationalities)
        foreign = plan.count - len(people)
        # every country and region at least once, the rest by weight
        drawn = codes[:foreign] + rng.choices(codes, weights=list(plan.nationalities.values()),
                                              k=max(foreign - len(codes), 0))
        for code in drawn:
            category = "hmt" if code in HMT else "foreign"
            people.append((code, category, *self.pick_name(code, used), None))

        residents = []
        documents: set = set()
        emails: set = set()
        for code, category, _gender, given, family, chinese, login in people:
            languages = list(data.LANGUAGES[code])
            if category == "returned":
                languages.append(rng.choice(data.RETURNED_FROM_LANGUAGES))
            elif category == "relative" and rng.random() < 0.5:
                languages.append("en")
            elif category == "foreign":
                if "zh" not in languages and rng.random() < 0.35:
                    languages.append("zh")
                if rng.random() < 0.03:
                    languages.append("nan")
            languages = list(dict.fromkeys(languages))
            if category == "foreign":
                preferred = "zh-hans" if "zh" in languages and rng.random() < 0.3 else "en"
            else:
                preferred = "zh-hans" if rng.random() < 0.9 else "en"

            if category == "relative":
                arrival = None
            elif category == "returned":
                arrival = date(1995, 1, 1) + timedelta(days=rng.randint(0, 27 * 365))
            elif rng.random() < 0.25:
                arrival = self.today - timedelta(days=rng.randint(7, 400))
            else:
                arrival = date(2009, 1, 1) + timedelta(
                    days=rng.randint(0, (self.today - date(2009, 1, 1)).days - 400)
                )

            if login:
                email = login
            elif rng.random() < 0.85:
                local = ".".join(p for p in (ascii_slug(given), ascii_slug(family)) if p)
                email = f"{local}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
                while email in emails:
                    email = f"{local}{rng.randint(2, 99)}@{email.split('@')[1]}"
            else:
                email = ""
            emails.add(email)

            kind, number = self.document(code, category, documents)
            if category in ("foreign", "hmt") and rng.random() < 0.35:
                phone = self.home_mobile(code)
            else:
                phone = self.chinese_mobile()
            address = ""
            if rng.random() < 0.8:
                pattern = rng.choice(plan.address)
                address = pattern.format(
                    b=rng.randint(1, 40), r=f"{rng.randint(2, 28)}{rng.randint(1, 4):02d}"
                )
            residents.append(
                Resident(
                    station=self.station,
                    family_name=family,
                    given_name=given,
                    chinese_name=chinese,
                    nationality=code,
                    languages=languages,
                    preferred_language=preferred,
                    category=category,
                    phone=phone,
                    email=email,
                    address=address,
                    arrival_date=arrival,
                    document_type=kind,
                    document_number=number,
                    document_expires=self.expiry(kind),
                    user=self.users[login] if login else None,
                    registered_at=self.registered_at(arrival),
                )
            )
        return Resident.objects.bulk_create(residents)

    def make_consents(self) -> None:
        rng = self.rng
        consents = []
        self.health_consented: set[int] = set()
        for resident in self.residents:
            given = resident.registered_at
            purposes = [Consent.Purpose.PERSONAL_DATA]
            # a document is kept only with the separate consent for it
            if resident.document_number:
                purposes.append(Consent.Purpose.IDENTITY_DOCUMENT)
            if rng.random() < self.plan.residents.health_consent_share:
                purposes.append(Consent.Purpose.HEALTH_COUNSELLING)
                self.health_consented.add(resident.pk)
            withdrawn = {}
            if rng.random() < 0.6:
                purposes.append(Consent.Purpose.NEWSLETTER)
                if rng.random() < 0.1:
                    moment = min(given + timedelta(days=rng.randint(10, 400)),
                                 self.now - timedelta(days=1))
                    withdrawn[Consent.Purpose.NEWSLETTER] = max(moment, given)
            consents += [
                Consent(station=self.station, resident=resident, purpose=purpose,
                        text_version="2021-07" if given.year < 2024 else "2024-01",
                        given_at=given, withdrawn_at=withdrawn.get(purpose))
                for purpose in purposes
            ]
        Consent.objects.bulk_create(consents)

    def registered_before(self, moment: datetime, pool=None) -> list[Resident]:
        return [r for r in (self.residents if pool is None else pool) if r.registered_at < moment]

    # ------------------------------------------------------------------ events

    def make_events(self) -> None:
        plan = self.plan.events
        used: set = set()
        past: list[tuple[Event, data.EventSpec]] = []
        window = self.today - timedelta(days=362)
        for spec in plan.past:
            weekdays, _ = SLOT_TIMES[spec.slot]
            if isinstance(spec.when, str):
                base = self.loader.festival_before(spec.when)
            else:
                base = self.today - timedelta(days=spec.when)
            day = self.loader.align(base, weekdays, forward=False)
            for shift in (0, -7, 7, -14, 14, -21, 21):
                candidate = day + timedelta(days=shift)
                if window <= candidate < self.today and (candidate, spec.slot) not in used:
                    day = candidate
                    break
            used.add((day, spec.slot))
            past.append((self.event(spec, day, upcoming=False), spec))

        upcoming = []
        specs = list(plan.upcoming)
        if plan.festival_upcoming:
            coming = [
                (d, key) for key in data.FESTIVAL_UPCOMING
                if (d := self.loader.festival_after(key, soonest=5, latest=100))
            ]
            if coming:
                specs.append(data.FESTIVAL_UPCOMING[min(coming)[1]])
        for spec in specs:
            weekdays, _ = SLOT_TIMES[spec.slot]
            if isinstance(spec.when, str):
                base = self.loader.festival_after(spec.when, soonest=5, latest=100)
                day = self.loader.align(base, weekdays, forward=False)
                if day <= self.today + timedelta(days=1):
                    day = self.loader.align(base, weekdays, forward=True)
            else:
                day = self.loader.align(self.today + timedelta(days=spec.when), weekdays,
                                        forward=True)
            while (day, spec.slot) in used:
                day += timedelta(days=7)
            used.add((day, spec.slot))
            upcoming.append((self.event(spec, day, upcoming=True), spec))

        held = []
        checkins = self.split(plan.participant_times, [spec.weight for _, spec in past])
        for (event, _spec), attended in zip(past, checkins, strict=True):
            no_shows = round(attended * self.rng.uniform(0.05, 0.2))
            cancelled = self.rng.randint(0, max(1, attended // 6))
            if event.capacity is not None:
                event.capacity = max(event.capacity, attended + no_shows)
            held.append((event, attended, no_shows, cancelled))
        Event.objects.bulk_create([event for event, _ in past + upcoming])
        registrations = []
        for event, attended, no_shows, cancelled in held:
            registrations += self.past_registrations(event, attended, no_shows, cancelled)
        for event, spec in upcoming:
            if event.is_published:
                registrations += self.upcoming_registrations(event, spec)
        Registration.objects.bulk_create(registrations)

    def event(self, spec: data.EventSpec, day: date, *, upcoming: bool) -> Event:
        _, start_time = SLOT_TIMES[spec.slot]
        starts = self.loader.at(day, start_time)
        opens = starts - timedelta(days=21 if upcoming else 14)
        if upcoming:
            opens = min(opens, self.now - timedelta(days=2))
        return Event(
            station=self.station,
            category=self.categories[spec.category],
            **translated("title", spec.title),
            **translated("description", spec.description),
            **translated("place", spec.place),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=spec.minutes),
            capacity=spec.capacity,
            registration_opens_at=opens,
            registration_closes_at=starts - timedelta(hours=2),
            online_url=(f"https://live.example.org/{self.station.slug}/{day:%Y%m%d}"
                        if spec.online else ""),
            is_published=spec.published,
        )

    @staticmethod
    def split(total: int, weights: list[int]) -> list[int]:
        """`total` shared out in proportion to `weights`, summing exactly to it."""
        raw = [total * w / sum(weights) for w in weights]
        shares = [math.floor(x) for x in raw]
        by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)
        for i in by_remainder[: total - sum(shares)]:
            shares[i] += 1
        return shares

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        seconds = max(int((end - start).total_seconds()), 60)
        return start + timedelta(seconds=self.rng.randrange(seconds))

    def past_registrations(self, event: Event, attended: int, no_shows: int,
                           cancelled: int) -> list[Registration]:
        rng = self.rng
        pool = self.registered_before(event.registration_opens_at)
        people = rng.sample(pool, min(attended + no_shows + cancelled, len(pool)))
        rows = []
        for index, resident in enumerate(people):
            created = self.moment_between(event.registration_opens_at, event.registration_closes_at)
            row = Registration(station=self.station, event=event, resident=resident,
                               created_at=created)
            if index < attended:
                row.checked_in_at = event.starts_at + timedelta(minutes=rng.randint(-10, 20))
            elif index >= attended + no_shows:
                row.status = Registration.Status.CANCELLED
                row.cancelled_at = self.moment_between(created, event.starts_at)
            rows.append(row)
        return rows

    def upcoming_registrations(self, event: Event, spec: data.EventSpec) -> list[Registration]:
        rng = self.rng
        capacity = event.capacity
        if spec.full:
            confirmed, waiting = capacity, rng.randint(2, 6)
        elif capacity:
            confirmed, waiting = rng.randint(int(capacity * 0.35), int(capacity * 0.8)), 0
        else:
            confirmed, waiting = rng.randint(12, 30), 0
        cancelled = rng.randint(0, 2)
        pool = self.registered_before(event.registration_opens_at)
        people = rng.sample(pool, min(confirmed + waiting + cancelled, len(pool)))
        until = self.now - timedelta(minutes=10)
        times = sorted(self.moment_between(event.registration_opens_at, until) for _ in people)
        # cancellations freed places that later sign-ups took: confirmed first, then the queue
        cancelled_at = set(rng.sample(range(len(people)), cancelled))
        rows, seated = [], 0
        for index, (resident, created) in enumerate(zip(people, times, strict=True)):
            row = Registration(station=self.station, event=event, resident=resident,
                               created_at=created)
            if index in cancelled_at:
                row.status = Registration.Status.CANCELLED
                row.cancelled_at = self.moment_between(created, self.now - timedelta(minutes=5))
            elif seated < confirmed:
                seated += 1
            else:
                row.status = Registration.Status.WAITLISTED
            rows.append(row)
        return rows

    # ------------------------------------------------------------------ consultations

    def make_consultations(self) -> None:
        plan = self.plan.consultations
        rng = self.rng
        busy: dict[tuple[int, date], list[tuple[int, int]]] = defaultdict(list)
        past_days = [self.today - timedelta(days=n) for n in range(1, 364)]
        next_days = [self.today + timedelta(days=n) for n in range(1, 22)]
        health = [r for r in self.residents if r.pk in self.health_consented]

        def slot(counsellor, spec, minutes, days) -> datetime | None:
            periods = (spec.periods if spec and spec.periods else self.plan.opening)
            open_days = [d for d in days if d.weekday() in periods]
            for _ in range(400):
                day = rng.choice(open_days)
                (sh, sm), (eh, em) = rng.choice(periods[day.weekday()])
                first, last = sh * 60 + sm, eh * 60 + em - minutes
                if last < first:
                    continue
                start = first + 30 * rng.randint(0, (last - first) // 30)
                if counsellor is not None:
                    taken = busy[(counsellor.pk, day)]
                    if any(start < end and begin < start + minutes for begin, end in taken):
                        continue
                    taken.append((start, start + minutes))
                return self.loader.at(day, clock(start // 60, start % 60))
            return None

        def counsellor_for(topic: str):
            able = [(c, s) for c, s in self.counsellors if topic in s.topics]
            if topic in ("health-code", "vaccination", "daily-life") and rng.random() < 0.04:
                return None, None
            weights = [3 if s.is_external else 1 for _, s in able]
            return rng.choices(able, weights=weights)[0]

        def language(resident, counsellor) -> str:
            wanted = "zh" if resident.preferred_language == "zh-hans" else "en"
            spoken = counsellor.languages if counsellor else ["zh", "en"]
            if wanted in spoken and wanted in resident.languages:
                return wanted
            common = [code for code in resident.languages if code in spoken]
            return common[0] if common else ("en" if "en" in spoken else "zh")

        rows = []

        def add(topic: str, status: str, days: list[date]) -> None:
            counsellor, spec = counsellor_for(topic)
            minutes = rng.choice(data.DURATIONS[topic])
            starts = slot(counsellor, spec, minutes, days)
            if starts is None:
                return
            sensitive = self.topics[topic].is_sensitive
            pool = self.registered_before(starts - timedelta(days=1), health if sensitive else None)
            if not pool:
                return
            resident = rng.choice(pool)
            channels = data.CHANNELS.get(topic, data.DEFAULT_CHANNELS)
            notes = ""
            if status == Consultation.Status.COMPLETED:
                notes = rng.choice(data.NOTES[topic])
            elif status == Consultation.Status.CANCELLED:
                notes = "居民提前取消预约。"
            elif status == Consultation.Status.NO_SHOW:
                notes = "未到场，已电话联系改约。"
            rows.append(Consultation(
                station=self.station, resident=resident, topic=self.topics[topic],
                counsellor=counsellor,
                channel=rng.choices(["station", "phone", "online", "home"], weights=channels)[0],
                starts_at=starts, ends_at=starts + timedelta(minutes=minutes), status=status,
                language=language(resident, counsellor), notes=notes,
            ))

        for topic, count in plan.completed.items():
            statuses = (
                [Consultation.Status.COMPLETED] * count
                + [Consultation.Status.CANCELLED] * round(count * plan.cancelled_share)
                + [Consultation.Status.NO_SHOW] * round(count * plan.no_show_share)
            )
            for status in statuses:
                add(topic, status, past_days)
        topics, weights = zip(*plan.completed.items(), strict=True)
        for topic in rng.choices(topics, weights=weights, k=plan.upcoming):
            add(topic, Consultation.Status.BOOKED, next_days)
        Consultation.objects.bulk_create(rows)

    # ------------------------------------------------------------------ volunteering

    def make_volunteering(self) -> None:
        plan = self.plan.volunteers
        rng = self.rng
        seasoned = [r for r in self.residents
                    if r.registered_at < self.loader.at(self.today - timedelta(days=200), clock(9))]
        volunteers = rng.sample(seasoned, min(self.plan.residents.volunteers, len(seasoned)))
        opportunities = Opportunity.objects.bulk_create([
            Opportunity(station=self.station, category=spec.category,
                        **translated("title", spec.title),
                        **translated("description", spec.description),
                        is_published=spec.published)
            for spec in plan.opportunities
        ])
        shifts: list[tuple[Shift, data.OpportunitySpec]] = []
        for opportunity, spec in zip(opportunities, plan.opportunities, strict=True):
            weekdays, start_time = SLOT_TIMES[spec.slot]
            span = spec.past_from_days - spec.past_to_days
            days = [
                self.loader.align(
                    self.today - timedelta(
                        days=int(spec.past_from_days - span * (i + rng.random()) / spec.past_shifts)
                    ),
                    weekdays, forward=False,
                )
                for i in range(spec.past_shifts)
            ]
            days += [
                self.loader.align(self.today + timedelta(days=3 + 7 * i + rng.randint(0, 4)),
                                  weekdays, forward=True)
                for i in range(spec.upcoming_shifts)
            ]
            for day in days:
                starts = self.loader.at(day, start_time)
                shifts.append((Shift(
                    station=self.station, opportunity=opportunity, starts_at=starts,
                    ends_at=starts + timedelta(minutes=int(spec.hours * 60)),
                    capacity=rng.randint(*spec.capacity),
                ), spec))
        Shift.objects.bulk_create([shift for shift, _ in shifts])

        signups, entries = [], []
        for shift, spec in shifts:
            pool = self.registered_before(shift.starts_at - timedelta(days=3), volunteers)
            past = shift.ends_at < self.now
            wanted = rng.randint(math.ceil(shift.capacity * 0.6), shift.capacity)
            people = rng.sample(pool, min(wanted + 1, len(pool)))
            withdrawn = people[wanted:] if rng.random() < 0.3 else []
            for resident in people[:wanted] + withdrawn:
                created = self.moment_between(
                    max(resident.registered_at,
                        min(shift.starts_at - timedelta(days=14), self.now - timedelta(days=7))),
                    min(shift.starts_at - timedelta(days=1), self.now - timedelta(hours=1)),
                )
                status = Signup.Status.WITHDRAWN if resident in withdrawn else Signup.Status.ACTIVE
                signups.append(Signup(station=self.station, shift=shift, volunteer=resident,
                                      created_at=created, status=status))
                if past and resident not in withdrawn:
                    hours = Decimal(str(spec.hours))
                    if rng.random() < 0.1 and hours > 1:
                        hours -= Decimal("0.5")
                    entries.append(self.hours_entry(
                        resident, shift.opportunity, shift, timezone.localdate(shift.starts_at),
                        hours, spec.activity,
                    ))
        for opportunity, spec in zip(opportunities, plan.opportunities, strict=True):
            for _ in range(spec.adhoc_entries):
                day = self.today - timedelta(days=rng.randint(1, 350))
                hours = Decimal(rng.choice(("1", "1.5", "2", "2.5", "3")))
                entries.append(self.hours_entry(rng.choice(volunteers), opportunity, None, day,
                                                hours, ADHOC_ACTIVITY))
        # the latest entries always wait for review, so staff have a queue to work on
        for entry in sorted(entries, key=lambda e: e.date, reverse=True)[:4]:
            entry.status = HoursEntry.Status.PENDING
            entry.reviewed_by = entry.reviewed_at = None
        if plan.approved_hours is not None:
            self.settle_hours(entries, Decimal(plan.approved_hours), opportunities)
        Signup.objects.bulk_create(signups)
        HoursEntry.objects.bulk_create(entries)

    def hours_entry(self, volunteer, opportunity, shift, day: date, hours: Decimal,
                    activity: str) -> HoursEntry:
        rng = self.rng
        entry = HoursEntry(station=self.station, volunteer=volunteer, opportunity=opportunity,
                           shift=shift, date=day, hours=hours, description=activity)
        if day > self.today - timedelta(days=14):
            return entry  # still waiting for review
        entry.status = (HoursEntry.Status.REJECTED if rng.random() < 0.05
                        else HoursEntry.Status.APPROVED)
        entry.reviewed_by = rng.choice(self.reviewers)
        reviewed = self.loader.at(day + timedelta(days=rng.randint(1, 5)),
                                  clock(rng.randint(9, 17), rng.choice((0, 30))))
        entry.reviewed_at = min(reviewed, self.now - timedelta(hours=1))
        return entry

    def settle_hours(self, entries: list[HoursEntry], target: Decimal, opportunities) -> None:
        """Make the approved hours of the past year add up to `target` (the
        report's figure): trim long entries, or log more translation work."""
        approved = [e for e in entries if e.status == HoursEntry.Status.APPROVED]
        total = sum((e.hours for e in approved), Decimal(0))
        step = Decimal("0.5")
        while total > target:
            candidates = [e for e in approved if e.hours - step >= Decimal("1")]
            if not candidates:
                break
            entry = max(candidates, key=lambda e: e.hours)
            cut = min(step, total - target)
            entry.hours -= cut
            total -= cut
        translation_work = next(
            (o for o in opportunities if o.category == Opportunity.Category.INTERPRETATION),
            opportunities[0],
        )
        volunteers = sorted({e.volunteer_id: e.volunteer for e in approved}.values(),
                            key=lambda r: r.pk)
        while total < target:
            hours = min(Decimal(3), target - total)
            day = self.today - timedelta(days=self.rng.randint(15, 350))
            entry = self.hours_entry(self.rng.choice(volunteers), translation_work, None, day,
                                     hours, ADHOC_ACTIVITY)
            entry.status = HoursEntry.Status.APPROVED
            entries.append(entry)
            total += hours


def demo_figures(station: Station, today: date) -> dict[str, object]:
    """The past twelve months at one station, as the yearly summary counts them."""
    since = datetime.combine(today - timedelta(days=365), clock(0),
                             tzinfo=timezone.get_current_timezone())
    now = timezone.now()
    events = Event.objects.filter(station=station, starts_at__gte=since, ends_at__lt=now)
    consultations = Consultation.objects.filter(
        station=station, starts_at__gte=since, starts_at__lt=now,
        status=Consultation.Status.COMPLETED,
    )
    psychological = consultations.filter(topic__slug="psychological-counselling")
    hours = sum((c.duration_hours for c in psychological), 0.0)
    approved = HoursEntry.objects.filter(
        station=station, date__gte=since.date(), status=HoursEntry.Status.APPROVED
    ).aggregate(total=Sum("hours"))["total"]
    return {
        "residents": Resident.objects.filter(station=station).count(),
        "countries and regions": Resident.objects.filter(station=station)
        .exclude(nationality="CN").values("nationality").distinct().count(),
        "events held": events.count(),
        "participant-times": Registration.objects.filter(
            event__in=events, checked_in_at__isnull=False
        ).count(),
        "consultations completed": consultations.count(),
        "epidemic-related": consultations.filter(topic__is_epidemic_related=True).count(),
        "psychological counselling hours": round(hours, 1),
        "approved volunteer hours": approved or 0,
    }


class Command(BaseCommand):
    help = (
        "Load a bilingual demo city (Xiamen: the Guanren community sub-station, the TCM "
        "health sub-station, Jiangtou street) with residents, events, consultations and "
        "volunteering. Running it again duplicates nothing."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        loader = DemoLoader(now=timezone.now())
        # city-wide set-up: it writes every station's rows, so no single scope fits
        with scopes_disabled(), translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            loader.load()
        elapsed = time.monotonic() - started
        with scopes_disabled():
            self.print_summary(loader, elapsed)

    def print_summary(self, loader: DemoLoader, elapsed: float) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo city loaded in {elapsed:.1f} s."))
        for slug, outcome in loader.report.items():
            out.write(f"  {slug}: {outcome}")
        out.write("\nRows per table:")
        models = [Region, Station, Partner, User, StationMembership, RegionMembership, Resident,
                  Consent, EventCategory, Event, Registration, Topic, Counsellor, Consultation,
                  Opportunity, Shift, Signup, HoursEntry]
        for model in models:
            out.write(f"  {model._meta.label:<32} {model.objects.count():>6}")
        guanren = Station.objects.get(slug=data.GUANREN)
        out.write(f"\nGuanren, past twelve months ({guanren.name_en}):")
        for label, value in demo_figures(guanren, loader.today).items():
            out.write(f"  {label:<32} {value}")
        out.write(f"\nDemo logins (password for all: {data.DEMO_PASSWORD}):")
        for login in data.LOGINS:
            where = login.station or login.region or "all stations"
            out.write(f"  {login.email:<36} {login.role:<11} {where}")
        out.write(
            "Staff and officials also type a six-digit code after the password: "
            "`python manage.py demo_codes` prints the current ones."
        )
