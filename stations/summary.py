"""The yearly summary: assembly, roll-up, previous year, small-cell merging.

Each domain app counts its own part in `<app>/figures.py`, with aggregate
queries grouped by station (conditional aggregation gives this year and the
previous year in one query). Only those aggregated rows reach Python: a few
numbers per station and breakdown key, never a resident. Roll-ups to streets,
districts and the city add them up; the number of countries is the one figure
that does not add up and is counted from the nationality breakdown instead.

The queries run with scopes disabled: a summary spans stations by design. The
caller decides who may see which scope first (`summary_scope_for_official`,
the station admin), and the summary holds counts only.

Small cells: a breakdown cell counting fewer than `MIN_CELL` people, this year
or last, is merged into "other"; when what was merged is itself still fewer
than `MIN_CELL` people, the next smallest cells join it, so no merged total
points to one or two people either.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_scopes import scopes_disabled

from .models import Region, RegionMembership, Station
from .periods import YearWindow

MIN_CELL = 3
OTHER = "other"
FIRST_YEAR = 2000
FIGURE_MODULES = (
    "residents.figures",
    "events.figures",
    "consultations.figures",
    "volunteers.figures",
    "stations.figures",
)

Number = int | Decimal


class FigureRows:
    """Aggregated rows: figure key -> station id -> breakdown key -> [this year, last year].

    The breakdown key is "" for a headline figure."""

    def __init__(self) -> None:
        self.data: dict[str, dict[int, dict[str, list[Number]]]] = defaultdict(
            lambda: defaultdict(dict)
        )

    def add(self, key: str, station_id: int, breakdown: str, cur: Number, prev: Number) -> None:
        cell = self.data[key][station_id].setdefault(breakdown, [0, 0])
        cell[0] += cur
        cell[1] += prev

    def station_values(self, key: str, station_ids: Iterable[int]) -> dict[str, list[Number]]:
        """{breakdown key: [this year, last year]} summed over `station_ids`."""
        by_station = self.data.get(key, {})
        out: dict[str, list[Number]] = {}
        for sid in station_ids:
            for bkey, (cur, prev) in by_station.get(sid, {}).items():
                cell = out.setdefault(bkey, [0, 0])
                cell[0] += cur
                cell[1] += prev
        return out


# --- what the summary shows ----------------------------------------------------

COUNT, HOURS = "count", "hours"


@dataclass(frozen=True)
class Spec:
    key: str
    label: object  # a lazy translation
    unit: str = COUNT
    breakdown: str | None = None  # what the breakdown keys are (for their labels)
    people: str | None = None  # the figure that says how many people a cell holds
    distinct_of: str | None = None  # counted as the number of keys of this breakdown
    hidden: bool = False  # only used to decide small cells


SECTIONS: list[tuple[str, object, list[Spec]]] = [
    (
        "residents",
        _("Residents"),
        [
            Spec("residents_total", _("Residents registered at the year's end")),
            Spec("residents_new", _("Residents newly registered in the year")),
            Spec(
                "countries",
                _("Countries and regions of origin"),
                distinct_of="residents_by_nationality",
            ),
            Spec(
                "residents_by_nationality",
                _("Residents by nationality"),
                breakdown="country",
                people="residents_by_nationality",
            ),
            Spec(
                "residents_by_category",
                _("Residents by category"),
                breakdown="resident_category",
                people="residents_by_category",
            ),
        ],
    ),
    (
        "events",
        _("Neighbour events"),
        [
            Spec("events_held", _("Events held")),
            Spec("participant_times", _("Participant-times (check-ins)")),
            Spec("participants", _("Distinct participants")),
            Spec("events_by_category", _("Events held by category"), breakdown="event_category"),
            Spec(
                "participant_times_by_category",
                _("Participant-times by category"),
                breakdown="event_category",
                people="participants_by_category",
            ),
            Spec(
                "participants_by_category",
                _("Participants by category"),
                breakdown="event_category",
                hidden=True,
            ),
        ],
    ),
    (
        "consultations",
        _("One-to-one consultations"),
        [
            Spec("consultations", _("Completed consultations")),
            Spec("consultations_epidemic", _("Epidemic-related consultations")),
            Spec("sensitive_hours", _("Hours on sensitive topics"), unit=HOURS),
            Spec("sensitive_people", _("People helped on sensitive topics")),
            Spec(
                "consultations_by_topic",
                _("Consultations by topic"),
                breakdown="topic",
                people="people_by_topic",
            ),
            Spec(
                "consultations_by_channel",
                _("Consultations by channel"),
                breakdown="channel",
                people="people_by_channel",
            ),
            Spec("people_by_topic", _("People by topic"), breakdown="topic", hidden=True),
            Spec("people_by_channel", _("People by channel"), breakdown="channel", hidden=True),
        ],
    ),
    (
        "volunteering",
        _("Volunteering"),
        [
            Spec("volunteer_hours", _("Approved volunteer hours"), unit=HOURS),
            Spec("volunteers", _("Number of volunteers")),
            Spec("shifts", _("Shifts staffed")),
            Spec(
                "volunteer_hours_by_category",
                _("Approved hours by category"),
                unit=HOURS,
                breakdown="volunteer_category",
                people="volunteers_by_category",
            ),
            Spec(
                "volunteers_by_category",
                _("Volunteers by category"),
                breakdown="volunteer_category",
                hidden=True,
            ),
        ],
    ),
    (
        "partners",
        _("Co-building partners"),
        [
            Spec("partners", _("Partner organisations")),
            Spec("agreements_signed", _("Agreements signed in the year")),
            Spec("partners_by_kind", _("Partners by kind"), breakdown="partner_kind"),
        ],
    ),
]

SPECS: dict[str, Spec] = {spec.key: spec for _s, _t, specs in SECTIONS for spec in specs}
HEADLINE_KEYS = [spec.key for _s, _t, specs in SECTIONS for spec in specs if not spec.breakdown]


# --- the scope -------------------------------------------------------------------


@dataclass
class Scope:
    """What a summary covers: one station, or a region with every station under it."""

    region: Region | None
    station: Station | None
    stations: list[Station]
    # {region id: region} of the whole tree (parents linked), for roll-ups
    tree: dict[int, Region] = field(default_factory=dict)

    @property
    def station_ids(self) -> list[int]:
        return [s.pk for s in self.stations]

    @property
    def slug(self) -> str:
        return self.station.slug if self.station else self.region.code

    @property
    def param(self) -> str:
        return f"station:{self.station.slug}" if self.station else f"region:{self.region.code}"

    def name(self) -> str:
        return self.station.name if self.station else self.region.name


def _tree() -> dict[int, Region]:
    """Every region (a small city-wide catalogue), parents linked in Python."""
    regions = {r.pk: r for r in Region.objects.all()}
    for region in regions.values():
        # the tree is in memory: reaching a parent must not query again
        region._state.fields_cache["parent"] = regions.get(region.parent_id)
    return regions


def _below(tree: dict[int, Region], root_id: int) -> set[int]:
    ids, changed = {root_id}, True
    while changed:
        more = {pk for pk, r in tree.items() if r.parent_id in ids} - ids
        changed = bool(more)
        ids |= more
    return ids


def scope_for_region(region: Region) -> Scope:
    with scopes_disabled():
        tree = _tree()
        ids = _below(tree, region.pk)
        stations = list(Station.objects.filter(region_id__in=ids).order_by("region__code", "slug"))
    for station in stations:
        station._state.fields_cache["region"] = tree[station.region_id]
    return Scope(region=tree[region.pk], station=None, stations=stations, tree=tree)


def scope_for_station(station: Station) -> Scope:
    return Scope(region=None, station=station, stations=[station])


def official_regions(user) -> list[Region]:
    """The regions `user` is an official of (every city for a superuser)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Region.objects.filter(level=Region.Level.CITY))
    return [m.region for m in RegionMembership.objects.filter(user=user).select_related("region")]


def official_choices(user) -> list[tuple[Region, list[Region], list[Station]]]:
    """For each region of the official: the regions and stations under it (closed
    stations too: their figures still count for the years they worked)."""
    out = []
    roots = official_regions(user)
    if not roots:
        return out
    with scopes_disabled():
        tree = _tree()
        stations = list(Station.objects.all().order_by("region__code", "slug"))
    for root in roots:
        ids = _below(tree, root.pk)
        regions = sorted((tree[i] for i in ids), key=lambda r: r.code)
        out.append((tree[root.pk], regions, [s for s in stations if s.region_id in ids]))
    return out


def summary_scope_for_official(user, param: str) -> Scope:
    """The scope `param` ("region:<code>" or "station:<slug>") if `user` is an
    official of a region above it; 404 alike for a scope that does not exist and
    one the user does not belong to."""
    kind, _sep, value = (param or "").partition(":")
    roots = official_regions(user)
    if not roots or kind not in ("region", "station") or not value:
        raise Http404
    with scopes_disabled():
        tree = _tree()
        allowed: set[int] = set()
        for root in roots:
            allowed |= _below(tree, root.pk)
        if kind == "region":
            region = Region.objects.filter(code=value, pk__in=allowed).first()
            if region is None:
                raise Http404
            return scope_for_region(region)
        station = Station.objects.filter(slug=value, region_id__in=allowed).first()
    if station is None:
        raise Http404
    return scope_for_station(station)


def parse_year(value, *, today=None) -> int:
    """A year a summary can be made for: from 2000 to the running year."""
    today = today or timezone.localdate()
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a year, e.g. 2025."), code="year") from None
    if year > today.year:
        raise ValidationError(
            _("%(year)s has not begun yet; choose %(last)s or an earlier year.")
            % {"year": year, "last": today.year},
            code="future_year",
        )
    if year < FIRST_YEAR:
        raise ValidationError(
            _("Choose a year from %(first)s on.") % {"first": FIRST_YEAR}, code="year"
        )
    return year


# --- counting ----------------------------------------------------------------------


def collect(scope: Scope, year: int, *, now=None) -> FigureRows:
    """Every figure of every station of `scope`, this year and last (a fixed
    number of aggregate queries, whatever the number of stations)."""
    window = YearWindow.for_year(year, now=now)
    rows = FigureRows()
    ids = scope.station_ids
    if not ids:
        return rows
    with scopes_disabled():
        for name in FIGURE_MODULES:
            importlib.import_module(name).collect(window, ids, rows)
    return rows


# --- labels and small cells --------------------------------------------------------------


def _labeller(kind: str) -> Callable[[str], str]:
    from consultations.models import Consultation, Topic
    from events.models import EventCategory
    from residents.models import Resident
    from volunteers.models import Opportunity

    from .models import Partner

    if kind == "country":
        return lambda code: str(countries.name(code) or code)
    if kind == "event_category":
        names = {str(pk): c.name for pk, c in EventCategory.objects.in_bulk().items()}
        return lambda key: names.get(key, key)
    if kind == "topic":
        names = {str(pk): t.name for pk, t in Topic.objects.in_bulk().items()}
        return lambda key: names.get(key, key)
    choices = {
        "resident_category": Resident.Category,
        "channel": Consultation.Channel,
        "volunteer_category": Opportunity.Category,
        "partner_kind": Partner.Kind,
    }[kind]
    labels = {value: str(label) for value, label in choices.choices}
    return lambda key: labels.get(key, key)


def _memo(label: Callable[[str], str]) -> Callable[[str], str]:
    """A labeller that looks each key up once (country names are slow to translate)."""
    seen: dict[str, str] = {}

    def cached(key: str) -> str:
        if key not in seen:
            seen[key] = label(key)
        return seen[key]

    return cached


def merge_small_cells(
    cells: dict[str, list[Number]], people: dict[str, list[Number]] | None
) -> dict[str, list[Number]]:
    """Merge cells of fewer than MIN_CELL people (this year or last) into OTHER.

    `people` holds the people each cell stands for (None: the cells count
    things, not people, and are kept). When the merged cells still hold fewer
    than MIN_CELL people, the next smallest cells are merged too."""
    if people is None:
        return {k: list(v) for k, v in cells.items()}

    def small(key: str) -> bool:
        counts = people.get(key, [0, 0])
        return any(0 < c < MIN_CELL for c in counts)

    def size(key: str) -> Number:
        return sum(people.get(key, [0, 0]))

    merged = {k for k in cells if k != OTHER and small(k)}
    if OTHER in cells:
        merged.add(OTHER)
    while merged:
        held = [sum(people.get(k, [0, 0])[i] for k in merged) for i in (0, 1)]
        if not any(0 < c < MIN_CELL for c in held):
            break
        rest = sorted((k for k in cells if k not in merged), key=lambda k: (size(k), k))
        if not rest:
            break
        merged.add(rest[0])
    out = {k: list(v) for k, v in cells.items() if k not in merged}
    if merged:
        out[OTHER] = [sum(cells[k][i] for k in merged if k in cells) for i in (0, 1)]
    return out


# --- the assembled summary ------------------------------------------------------------


@dataclass
class Cell:
    key: str
    label: str
    current: Number
    previous: Number


@dataclass
class Line:
    key: str
    label: str
    unit: str
    current: Number
    previous: Number
    cells: list[Cell] = field(default_factory=list)

    @property
    def change(self) -> Number:
        return self.current - self.previous

    @property
    def is_breakdown(self) -> bool:
        return SPECS[self.key].breakdown is not None


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line]


@dataclass
class Unit:
    """One row of the per-station (or per-region) table: its headline figures
    and, for the tidy CSV, its breakdowns."""

    kind: str  # "station" or "region"
    slug: str
    name: str
    parent: str
    lines: dict[str, Line]


@dataclass
class Summary:
    year: int
    language: str
    scope_kind: str
    scope_slug: str
    scope_name: str
    generated_at: object
    sections: list[Section]
    stations: list[Unit]
    regions: list[Unit]

    def line(self, key: str) -> Line:
        for section in self.sections:
            for line in section.lines:
                if line.key == key:
                    return line
        raise KeyError(key)

    @property
    def headline(self) -> list[tuple[str, str, str]]:
        """(key, label, unit) of the figures in the per-station table."""
        return [
            (line.key, line.label, line.unit)
            for section in self.sections
            for line in section.lines
            if not line.cells and not SPECS[line.key].breakdown
        ]


def _lines(rows: FigureRows, station_ids: list[int], labellers) -> dict[str, Line]:
    values = {key: rows.station_values(key, station_ids) for key in SPECS}
    figure = labellers["figure"]
    out: dict[str, Line] = {}
    for key, spec in SPECS.items():
        if spec.hidden:
            continue
        if spec.distinct_of:
            keys = values[spec.distinct_of]
            cur = sum(1 for c in keys.values() if c[0] > 0)
            prev = sum(1 for c in keys.values() if c[1] > 0)
            out[key] = Line(key, figure(key), spec.unit, cur, prev)
            continue
        if not spec.breakdown:
            cur, prev = values[key].get("", [0, 0])
            out[key] = Line(key, figure(key), spec.unit, cur, prev)
            continue
        cells = merge_small_cells(values[key], values[spec.people] if spec.people else None)
        label = labellers[spec.breakdown]
        built = [
            Cell(k, labellers["other"] if k == OTHER else label(k), c[0], c[1])
            for k, c in cells.items()
            if c[0] or c[1]
        ]
        built.sort(key=lambda c: (c.key == OTHER, -c.current, -c.previous, c.label))
        total = [sum(c.current for c in built), sum(c.previous for c in built)]
        out[key] = Line(key, figure(key), spec.unit, total[0], total[1], built)
    return out


def _child_regions(scope: Scope) -> list[tuple[Region, list[int]]]:
    """The regions one level below the scope's region, each with its stations."""
    if scope.region is None:
        return []
    groups: dict[int, list[int]] = {}
    for station in scope.stations:
        node = scope.tree.get(station.region_id)
        while node is not None and node.parent_id != scope.region.pk:
            node = scope.tree.get(node.parent_id)
        if node is not None:
            groups.setdefault(node.pk, []).append(station.pk)
    return sorted(((scope.tree[pk], ids) for pk, ids in groups.items()), key=lambda g: g[0].code)


def build_summary(
    scope: Scope, year: int, language: str, rows: FigureRows | None = None
) -> Summary:
    """The summary of `scope` for `year`, labelled in `language`.

    `rows` lets one count serve both languages (the PDF is bilingual)."""
    rows = rows if rows is not None else collect(scope, year)
    with translation.override(language), scopes_disabled():
        labellers = {
            kind: _memo(_labeller(kind))
            for kind in {s.breakdown for s in SPECS.values() if s.breakdown}
        }
        labellers["figure"] = _memo(lambda key: str(SPECS[key].label))
        labellers["other"] = str(_("Other"))
        totals = _lines(rows, scope.station_ids, labellers)
        sections = [
            Section(key, str(title), [totals[s.key] for s in specs if not s.hidden])
            for key, title, specs in SECTIONS
        ]
        stations = [
            Unit(
                "station",
                s.slug,
                s.name,
                s.region.name,
                _lines(rows, [s.pk], labellers),
            )
            for s in scope.stations
        ]
        regions = [
            Unit("region", r.code, r.name, scope.region.name, _lines(rows, ids, labellers))
            for r, ids in _child_regions(scope)
        ]
        if scope.region is not None:
            kind = scope.region.get_level_display()
        else:
            kind = str(_("Station"))
        return Summary(
            year=year,
            language=language,
            scope_kind=str(kind),
            scope_slug=scope.slug,
            scope_name=scope.name(),
            generated_at=timezone.localtime(),
            sections=sections,
            stations=stations if scope.region is not None else [],
            regions=regions,
        )
