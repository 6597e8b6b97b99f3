"""Importing volunteer hours from a spreadsheet (docs/import-export.md).

One row is one day of one volunteer, optionally for one opportunity. The
volunteer is a resident of the station, found by the identity document's
number (its keyed hash, stations.crypto) or by the e-mail address; the
opportunity by its title in Chinese or English. The name column is shown in
the preview beside the resident found, and not used to find anyone.

Matching: a row updates the station's entry of the same volunteer, date and
opportunity when there is one, so a sheet imported twice adds nothing the
second time. Such an entry still pending gets the row's hours and
description; one already approved or rejected is final (as in
hours_entry_update): a row that would change it is refused, one that says
the same is unchanged. Two rows of one volunteer, date and opportunity are
refused: write their sum in one row.

The rules of volunteers.services.hours_entry_create hold for the sheet as a
whole: the model's full_clean per row (hours more than 0 and at most 24, no
future date, the volunteer and the opportunity of the station), entries
logged as pending, and at most 24 hours per volunteer and day, pending and
approved entries together, counting what the database holds and what the
sheet adds. While writing, the volunteers' rows are locked as the service
locks them, so hours logged meanwhile cannot slip past the limit. Rows are
written with bulk_create and one UPDATE per batch
(stations.spreadsheets.bulk_update_rows), with an audit log entry each.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from residents.imports import residents_by_document_or_email
from stations import crypto
from stations.spreadsheets import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Column,
    ImportResult,
    Plan,
    RowPlan,
    Sheet,
    as_text,
    audit_bulk,
    bulk_update_rows,
    chunks,
    normalize_choice,
    parse_cells,
    parse_date,
    parse_decimal,
    snapshot,
)

from .models import HoursEntry, Opportunity
from .services import HOURS_IN_A_DAY

COLUMNS = [
    Column("document_number", "document number", "证件号码", aliases=("证件号",)),
    Column("email", "e-mail", "电子邮箱", aliases=("e-mail address", "邮箱", "电子邮件")),
    Column("name", "name", "姓名", aliases=("volunteer", "volunteer name", "志愿者")),
    Column("date", "date", "日期", required=True, aliases=("date of service", "服务日期")),
    Column("hours", "hours", "时长", required=True, aliases=("小时", "小时数", "服务时长")),
    Column("opportunity", "opportunity", "志愿服务项目",
           aliases=("volunteer opportunity", "项目", "志愿项目")),
    Column("description", "what was done", "服务内容", aliases=("description", "内容", "描述")),
]
KEYS = [c.key for c in COLUMNS]
PARSERS = {
    "document_number": as_text,
    "email": lambda value: as_text(value).lower(),
    "name": as_text,
    "date": parse_date,
    "hours": parse_decimal,
    "opportunity": as_text,
    "description": as_text,
}
# the related rows are found and checked once for the sheet, not per row
_NOT_CLEANED = ["station", "volunteer", "opportunity", "shift", "reviewed_by"]


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class HoursImporter:
    kind = "hours"
    model = HoursEntry
    # pending entries are corrected too
    actions = ("add", "change")
    columns = COLUMNS
    required_any = (("document_number", "email"),)

    def title(self):
        return _("Import volunteer hours")

    def column_help(self) -> dict[str, str]:
        return {
            "document_number": _(
                "The volunteer's document number, as recorded at the station (or give the "
                "e-mail address)."
            ),
            "email": _("The volunteer's e-mail address, as recorded at the station."),
            "name": _("The volunteer's name, shown in the preview; not used to find them."),
            "date": _(
                "Required. The day of the work, not in the future: 2025-03-01, 2025/3/1, "
                "2025年3月1日, 01.03.2025, or a date cell."
            ),
            "hours": _("Required. Hours on that day, more than 0 and at most 24: 2.5."),
            "opportunity": _(
                "The title of one of the station's volunteer opportunities, in Chinese or "
                "English."
            ),
            "description": _("What the volunteer did."),
        }

    def template_rows(self, language: str) -> list[list]:
        """Hours of the two residents of the residents' template, for an
        opportunity titled as in the example (the station must have one)."""
        chinese = language.startswith("zh")
        opportunity = "社区环保志愿服务" if chinese else "Community environment volunteering"
        return [
            ["C4RJ8K2L9", "anna.schmidt@example.org", "Anna Schmidt", date(2025, 3, 1), 3.5,
             opportunity, "清理白城沙滩" if chinese else "Cleaning Baicheng beach"],
            ["XM2023004512", "minjun.kim@example.org", "Kim Min-jun", date(2025, 3, 2), 2,
             opportunity, "中韩双语导览" if chinese else "Guiding visitors in Korean and Chinese"],
        ]

    # --- planning -----------------------------------------------------------------

    def plan(self, sheet: Sheet, *, station, for_write: bool = False) -> Plan:
        rows = [RowPlan(number=n, values=list(v)) for n, v in sheet.rows]
        for row in rows:
            values = parse_cells(row, sheet, PARSERS)
            row.data["values"] = values
            row.data["hash"] = crypto.lookup_hash(values.get("document_number", ""))
        by_hash, by_email = self._volunteers(rows, station, for_write)
        opportunities = self._opportunities(station)
        for row in rows:
            self._identify(row, by_hash, by_email, opportunities)
        existing = self._existing(rows, station, for_write)
        first: dict[tuple, int] = {}
        for row in rows:
            if row.action == ERROR:
                continue
            key = row.data["key"]
            if key in first:
                row.add_error(
                    "",
                    _(
                        "Row %(row)d has the same volunteer, date and opportunity: write the "
                        "hours of one day and opportunity in one row."
                    )
                    % {"row": first[key]},
                )
                continue
            first[key] = row.number
            found = existing["by_key"].get(key, [])
            if len(found) > 1:
                row.add_error(
                    "",
                    _(
                        "This volunteer already has several entries for this date and "
                        "opportunity; correct them in the admin."
                    ),
                )
            elif found:
                self._plan_update(row, found[0])
            else:
                self._plan_create(row, station)
        self._check_days(rows, existing["by_day"])
        return Plan(kind=self.kind, station_id=station.pk, sheet=sheet, rows=rows)

    def _volunteers(self, rows, station, for_write):
        # locked for writing as volunteers.services._lock_volunteer does: the
        # day totals hold while we write
        return residents_by_document_or_email(rows, station, for_write=for_write)

    def _opportunities(self, station) -> dict[str, list[Opportunity]]:
        titles: dict[str, list[Opportunity]] = defaultdict(list)
        for opportunity in Opportunity.objects.filter(station_id=station.pk):
            for title in {opportunity.title_zh_hans, opportunity.title_en}:
                if title:
                    titles[normalize_choice(title)].append(opportunity)
        return titles

    def _identify(self, row: RowPlan, by_hash, by_email, opportunities) -> None:
        values = row.data["values"]
        volunteer = None
        if row.data["hash"]:
            holders = by_hash.get(row.data["hash"], [])
            if len(holders) > 1:
                row.add_error(
                    "document_number",
                    _(
                        "Several residents of this station hold this document number; give "
                        "the e-mail address instead."
                    ),
                )
            elif not holders:
                row.add_error(
                    "document_number", _("No resident of this station has this document number.")
                )
            else:
                volunteer = holders[0]
        if values.get("email"):
            holders = by_email.get(values["email"], [])
            if volunteer is not None:
                if holders and volunteer not in holders:
                    row.add_error(
                        "email",
                        _("The document number and the e-mail address belong to different "
                          "residents."),
                    )
            elif row.data["hash"]:
                pass  # the document number was refused already
            elif len(holders) > 1:
                row.add_error(
                    "email",
                    _(
                        "Several residents of this station have this e-mail address; give "
                        "the document number instead."
                    ),
                )
            elif not holders:
                row.add_error("email", _("No resident of this station has this e-mail address."))
            else:
                volunteer = holders[0]
        identified_by = ("document_number", "email")
        if not row.data["hash"] and not values.get("email") and not (
            set(identified_by) & set(row.errors)
        ):
            row.add_error("", _("Give the volunteer's document number or e-mail address."))
        opportunity = None
        if values.get("opportunity"):
            found = opportunities.get(normalize_choice(values["opportunity"]), [])
            if len(found) > 1:
                row.add_error(
                    "opportunity",
                    _("Several volunteer opportunities of this station are called “%(title)s”.")
                    % {"title": values["opportunity"]},
                )
            elif not found:
                row.add_error(
                    "opportunity",
                    _("No volunteer opportunity of this station is called “%(title)s”.")
                    % {"title": values["opportunity"]},
                )
            else:
                opportunity = found[0]
        row.data["volunteer"] = volunteer
        row.data["opportunity"] = opportunity
        if volunteer is not None:
            row.label = volunteer.display_name
        if row.action != ERROR:
            row.data["key"] = (
                volunteer.pk, values.get("date"), opportunity.pk if opportunity else None
            )

    def _existing(self, rows, station, for_write):
        """The station's entries of the sheet's volunteers on the sheet's days:
        by (volunteer, date, opportunity), and the day totals that count."""
        volunteers = {row.data["key"][0] for row in rows if row.action != ERROR}
        days = [row.data["key"][1] for row in rows if row.action != ERROR and row.data["key"][1]]
        by_key: dict[tuple, list[HoursEntry]] = defaultdict(list)
        by_day: dict[tuple, list[HoursEntry]] = defaultdict(list)
        if not volunteers or not days:
            return {"by_key": by_key, "by_day": by_day}
        qs = HoursEntry.objects.filter(
            station_id=station.pk, date__gte=min(days), date__lte=max(days)
        ).order_by("pk")
        if for_write:
            qs = qs.select_for_update(of=("self",))
        wanted = {(row.data["key"][0], row.data["key"][1]) for row in rows if row.action != ERROR}
        for chunk in chunks(volunteers):
            for entry in qs.filter(volunteer_id__in=chunk):
                if (entry.volunteer_id, entry.date) not in wanted:
                    continue
                by_key[(entry.volunteer_id, entry.date, entry.opportunity_id)].append(entry)
                by_day[(entry.volunteer_id, entry.date)].append(entry)
        return {"by_key": by_key, "by_day": by_day}

    def _clean(self, row: RowPlan, entry: HoursEntry) -> None:
        try:
            entry.full_clean(exclude=_NOT_CLEANED, validate_unique=False,
                             validate_constraints=False)
        except ValidationError as exc:
            row.add_validation_error(exc, KEYS)

    def _plan_create(self, row: RowPlan, station) -> None:
        values = row.data["values"]
        entry = HoursEntry(
            station=station,
            volunteer=row.data["volunteer"],
            opportunity=row.data["opportunity"],
            date=values.get("date"),
            hours=values.get("hours"),
            description=values.get("description", ""),
            status=HoursEntry.Status.PENDING,
        )
        self._clean(row, entry)
        if row.action != ERROR:
            row.action = CREATE
            row.instance = entry

    def _plan_update(self, row: RowPlan, entry: HoursEntry) -> None:
        values = row.data["values"]
        row.instance = entry
        row.version = f"{entry.status}|{entry.hours}|{entry.description}"
        wanted = {"hours": values.get("hours")}
        if "description" in values:
            wanted["description"] = values["description"]
        changed = [name for name, value in wanted.items() if getattr(entry, name) != value]
        if not changed:
            row.action = UNCHANGED
            return
        if entry.status != HoursEntry.Status.PENDING:
            row.add_error(
                "hours",
                _("These hours have already been reviewed and can no longer be changed."),
            )
            return
        before = snapshot(entry)
        for name in changed:
            setattr(entry, name, wanted[name])
        self._clean(row, entry)
        if row.action != ERROR:
            row.action = UPDATE
            row.changed = changed
            row.before = before

    def _check_days(self, rows: list[RowPlan], by_day) -> None:
        """At most 24 hours per volunteer and day, pending and approved
        together (volunteers.services._check_day_total, for the whole sheet)."""
        counted = {row.instance.pk for row in rows
                   if row.action in (UPDATE, UNCHANGED) and row.instance.pk}
        totals: dict[tuple, Decimal] = defaultdict(Decimal)
        sheet_rows: dict[tuple, list[RowPlan]] = defaultdict(list)
        for day, entries in by_day.items():
            for entry in entries:
                if entry.pk not in counted and entry.status != HoursEntry.Status.REJECTED:
                    totals[day] += entry.hours
        for row in rows:
            if row.action not in (CREATE, UPDATE, UNCHANGED):
                continue
            entry = row.instance
            if entry.status == HoursEntry.Status.REJECTED:
                continue
            day = (entry.volunteer_id, entry.date)
            totals[day] += entry.hours
            if row.action != UNCHANGED:
                sheet_rows[day].append(row)
        for day, day_rows in sheet_rows.items():
            if totals[day] > HOURS_IN_A_DAY:
                for row in day_rows:
                    row.add_error(
                        "hours",
                        _(
                            "With this sheet %(volunteer)s would have %(total)s hours on "
                            "%(date)s; a day has at most 24."
                        )
                        % {
                            "volunteer": row.label,
                            "total": _number(totals[day]),
                            "date": day[1].isoformat(),
                        },
                    )

    # --- writing ------------------------------------------------------------------

    def write(self, plan: Plan, *, station, actor) -> ImportResult:
        if plan.has_errors:
            raise ValidationError(_("The sheet has rows with errors."))
        timings = {}
        started = time.perf_counter()
        creates = [row.instance for row in plan.rows if row.action == CREATE]
        updates = [row for row in plan.rows if row.action == UPDATE]
        HoursEntry.objects.bulk_create(creates, batch_size=1000)
        if updates:
            names = sorted({name for row in updates for name in row.changed})
            # still pending: the plan locked them and checked
            bulk_update_rows(HoursEntry, [row.instance for row in updates], names,
                             station_id=station.pk)
        timings["write rows"] = time.perf_counter() - started
        mark = time.perf_counter()
        entries = audit_bulk(
            created=creates, changed=[(row.instance, row.before) for row in updates]
        )
        timings["audit log"] = time.perf_counter() - mark
        return ImportResult(
            created=len(creates),
            updated=len(updates),
            unchanged=plan.count(UNCHANGED),
            audit_entries=entries,
            timings=timings,
        )


HOURS = HoursImporter()

__all__ = ["COLUMNS", "HOURS", "HoursImporter"]
