"""Importing residents from a spreadsheet (docs/import-export.md).

`RESIDENTS.plan(sheet, station=...)` says what every row would do, writing
nothing: create a resident, update one, leave one unchanged, or refuse the row
with the reason per cell. `RESIDENTS.write(plan, ...)` writes a plan without
refused rows; stations.spreadsheets.confirm_import calls it inside the one
transaction of the import.

Matching, within the station only:
1. by the identity document: the keyed hash of the number (stations.crypto,
   the rule of residents.selectors.resident_list_by_document, here for all
   rows in a few queries), of the same type when the sheet gives one;
2. else by the e-mail address (case-insensitive) together with the family
   name and, when both have one, the given name: families share an address,
   and a match on the address alone would give one person another's record
   (the rule of residents.services.resident_match_existing).
A row that matches nobody creates a resident.

An empty cell leaves an existing resident's value as it is (a sheet adds and
corrects; it never erases). Rows are validated by the model's own rules
(`full_clean`, as resident_create and resident_update do). The database
constraints are checked for the whole sheet at once instead of per row (a
query each), and stay in force in the database.

For speed the rows are written with bulk_create and one UPDATE per batch
(stations.spreadsheets.bulk_update_rows), and what the services would have
done besides is done here: the phone number in E.164 and the document
number's keyed hash (an UPDATE runs no pre_save), the audit log entry of
every row created or changed (bulk writes skip its signals), and the
reminders of documents about to expire.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from stations import crypto
from stations.fields import normalize_phone
from stations.languages import SPOKEN_LANGUAGES
from stations.spreadsheets import (
    COUNTRIES,
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Choices,
    Column,
    ImportResult,
    Plan,
    RowPlan,
    Sheet,
    as_text,
    audit_bulk,
    bulk_update_rows,
    chunks,
    parse_cells,
    parse_date,
    snapshot,
)

from .models import Resident
from .reminders import plan_document_reminders

COLUMNS = [
    Column("family_name", "family name", "姓", required=True,
           aliases=("surname", "last name", "姓氏")),
    Column("given_name", "given name", "名", aliases=("first name", "given names", "名字")),
    Column("chinese_name", "Chinese name", "中文名", aliases=("中文姓名",)),
    Column("nationality", "nationality", "国籍", required=True,
           aliases=("nationality (country or region)", "国籍（国家或地区）", "country",
                    "country or region", "国家或地区")),
    Column("languages", "languages", "使用语言", aliases=("languages spoken", "语言")),
    Column("preferred_language", "preferred language", "首选语言"),
    Column("category", "category", "类别"),
    Column("phone", "phone", "电话",
           aliases=("telephone", "mobile", "手机", "电话号码", "手机号码")),
    Column("email", "e-mail", "电子邮箱", aliases=("e-mail address", "邮箱", "电子邮件")),
    Column("address", "address", "地址", aliases=("住址",)),
    Column("arrival_date", "arrival date", "到达日期",
           aliases=("arrived in the city", "来本市日期")),
    Column("document_type", "document type", "证件类型",
           aliases=("identity document", "身份证件")),
    Column("document_number", "document number", "证件号码", aliases=("证件号",)),
    Column("document_expires", "document expires", "证件有效期",
           aliases=("document expiry", "expiry date", "证件有效期至", "有效期至")),
]
KEYS = [c.key for c in COLUMNS]

SPOKEN = Choices(
    lambda: SPOKEN_LANGUAGES,
    {
        "中文": "zh", "汉语": "zh", "普通话": "zh", "Chinese": "zh", "Mandarin": "zh",
        "英文": "en", "日文": "ja", "韩文": "ko", "朝鲜语": "ko", "法文": "fr", "德文": "de",
        "俄文": "ru", "西班牙文": "es", "葡萄牙文": "pt", "意大利文": "it", "阿拉伯文": "ar",
        "泰文": "th", "越南文": "vi",
    },
)
PREFERRED = Choices(
    lambda: settings.LANGUAGES,
    {
        "zh": "zh-hans", "zh-cn": "zh-hans", "中文": "zh-hans", "汉语": "zh-hans",
        "Chinese": "zh-hans", "英文": "en", "英语": "en",
    },
)
CATEGORIES = Choices(lambda: Resident.Category.choices)
DOCUMENT_TYPES = Choices(lambda: Resident.DocumentType.choices)

PARSERS = {
    "family_name": as_text,
    "given_name": as_text,
    "chinese_name": as_text,
    "nationality": COUNTRIES.parse,
    "languages": SPOKEN.parse_many,
    "preferred_language": PREFERRED.parse,
    "category": CATEGORIES.parse,
    "phone": as_text,
    "email": lambda value: as_text(value).lower(),
    "address": as_text,
    "arrival_date": parse_date,
    "document_type": DOCUMENT_TYPES.parse,
    "document_number": as_text,
    "document_expires": parse_date,
}
# full_clean without the station (chosen once and checked) and the account
# (never imported): a foreign key's check is one query per row
_NOT_CLEANED = ["station", "user"]


def residents_by_document_or_email(rows, station, *, for_write: bool):
    """The station's residents holding one of the sheet's document numbers
    or e-mail addresses (each row's `data["hash"]` and `data["values"]["email"]`),
    in a few queries, one Python object per resident; locked when the plan is
    made for writing. Returns the residents by document hash and by e-mail."""
    qs = Resident.objects.filter(station_id=station.pk).order_by("pk")
    if for_write:
        qs = qs.select_for_update(of=("self",))
    loaded: dict[int, Resident] = {}
    by_hash: dict[str, list[Resident]] = defaultdict(list)
    by_email: dict[str, list[Resident]] = defaultdict(list)
    hashes = {row.data["hash"] for row in rows if row.data["hash"]}
    for chunk in chunks(hashes):
        for resident in qs.filter(document_number_hash__in=chunk):
            resident = loaded.setdefault(resident.pk, resident)
            by_hash[resident.document_number_hash].append(resident)
    emails = {row.data["values"]["email"] for row in rows if row.data["values"].get("email")}
    for chunk in chunks(emails):
        for resident in qs.annotate(email_key=Lower("email")).filter(email_key__in=chunk):
            resident = loaded.setdefault(resident.pk, resident)
            by_email[resident.email.lower()].append(resident)
    return by_hash, by_email


def _same_value(resident: Resident, name: str, value) -> bool:
    current = getattr(resident, name)
    if name == "nationality":
        return (current.code if current else "") == value
    if name == "languages":
        return set(current or []) == set(value)
    if name == "document_number":
        return crypto.normalize_identifier(current) == crypto.normalize_identifier(value)
    if name in ("family_name", "given_name", "chinese_name", "address"):
        return (current or "").strip() == value
    return current == value


def _prepared(values: dict) -> dict:
    """Values as the database keeps them, so that an unchanged value compares
    equal: the phone in E.164 (bulk_update skips PhoneField.pre_save)."""
    if "phone" in values:
        values = {**values, "phone": normalize_phone(values["phone"])}
    return values


class ResidentImporter:
    kind = "residents"
    model = Resident
    # a sheet both adds and corrects residents
    actions = ("add", "change")
    columns = COLUMNS
    required_any = ()

    def title(self):
        return _("Import residents")

    def column_help(self) -> dict[str, str]:
        date_help = _("A date: 2025-03-01, 2025/3/1, 2025年3月1日, 01.03.2025, or a date cell.")
        return {
            "family_name": _("Required. The family name as in the passport."),
            "given_name": _("The given names as in the passport."),
            "chinese_name": _("The Chinese name, if the person has one."),
            "nationality": _(
                "Required. The ISO code (DE) or the name of the country or region in Chinese "
                "or English (德国, Germany)."
            ),
            "languages": _(
                "The languages the person speaks, separated by commas: codes (de, en) or names "
                "in Chinese or English."
            ),
            "preferred_language": _(
                "The language the portal writes to the person in: Chinese or English. Empty: "
                "English."
            ),
            "category": _(
                "Foreign national, returned overseas Chinese, relative of overseas Chinese, or "
                "Hong Kong, Macao or Taiwan resident, in Chinese or English. Empty: foreign "
                "national."
            ),
            "phone": _("In international form, with + and the country code: +86 138 0013 8000."),
            "email": _("Finds the resident again on a later import when there is no document."),
            "address": _("The address in the city."),
            "arrival_date": date_help,
            "document_type": _(
                "Passport, residence permit, visa...: in Chinese or English. Needed with a "
                "document number."
            ),
            "document_number": _(
                "Finds the resident again on a later import. Stored encrypted."
            ),
            "document_expires": date_help,
        }

    def template_rows(self, language: str) -> list[list]:
        """Two realistic residents, with the labels of `language` (active)."""
        from django_countries import countries

        def label(choices, code):
            return str(dict(choices)[code])

        chinese = language.startswith("zh")
        comma = "、" if chinese else ", "
        rows = [
            {
                "family_name": "Schmidt",
                "given_name": "Anna",
                "chinese_name": "施安娜",
                "nationality": countries.name("DE"),
                "languages": comma.join(label(SPOKEN_LANGUAGES, c) for c in ("de", "en")),
                "preferred_language": "English",
                "category": label(Resident.Category.choices, Resident.Category.FOREIGN_NATIONAL),
                "phone": "+86 138 0013 8000",
                "email": "anna.schmidt@example.org",
                "address": "厦门市思明区湖滨南路88号" if chinese
                else "88 Hubin South Road, Siming District, Xiamen",
                "arrival_date": date(2024, 9, 1),
                "document_type": label(Resident.DocumentType.choices, "passport"),
                "document_number": "C4RJ8K2L9",
                "document_expires": date(2031, 5, 31),
            },
            {
                "family_name": "Kim",
                "given_name": "Min-jun",
                "chinese_name": "金敏俊",
                "nationality": countries.name("KR"),
                "languages": comma.join(label(SPOKEN_LANGUAGES, c) for c in ("ko", "zh")),
                "preferred_language": "简体中文",
                "category": label(Resident.Category.choices, Resident.Category.FOREIGN_NATIONAL),
                "phone": "+82 10 2345 6789",
                "email": "minjun.kim@example.org",
                "address": "厦门市思明区莲前西路2号" if chinese
                else "2 Lianqian West Road, Siming District, Xiamen",
                "arrival_date": date(2023, 3, 15),
                "document_type": label(Resident.DocumentType.choices, "residence_permit"),
                "document_number": "XM2023004512",
                "document_expires": date(2029, 3, 14),
            },
        ]
        return [[str(row[key]) if not isinstance(row[key], date) else row[key] for key in KEYS]
                for row in rows]

    # --- planning -----------------------------------------------------------------

    def plan(self, sheet: Sheet, *, station, for_write: bool = False) -> Plan:
        """What each row would do at `station`; writes nothing. With
        `for_write` (inside the import's transaction) the matched residents
        are locked until it ends."""
        rows = [RowPlan(number=n, values=list(v)) for n, v in sheet.rows]
        for row in rows:
            values = _prepared(parse_cells(row, sheet, PARSERS))
            row.data["values"] = values
            row.data["hash"] = crypto.lookup_hash(values.get("document_number", ""))
        self._mark_repeats(rows)
        by_hash, by_email = self._candidates(rows, station, for_write)
        targets: dict[int, int] = {}
        for row in rows:
            if row.action == ERROR:
                continue
            target = self._match(row, by_hash, by_email)
            if row.action == ERROR:
                continue
            if target is None:
                self._plan_create(row, station)
            elif target.pk in targets:
                row.add_error(
                    "",
                    _("This row and row %(row)d are the same resident.")
                    % {"row": targets[target.pk]},
                )
            else:
                targets[target.pk] = row.number
                self._plan_update(row, target)
        self._check_documents(rows, by_hash)
        return Plan(kind=self.kind, station_id=station.pk, sheet=sheet, rows=rows)

    def _mark_repeats(self, rows: list[RowPlan]) -> None:
        whole: dict[tuple, int] = {}
        documents: dict[tuple, int] = {}
        people: dict[tuple, int] = {}
        for row in rows:
            key = tuple(str(v) for v in row.values)
            if key in whole:
                row.add_error(
                    "", _("This row repeats row %(row)d.") % {"row": whole[key]}
                )
                continue
            whole[key] = row.number
            values = row.data["values"]
            if row.data["hash"]:
                key = (values.get("document_type", ""), row.data["hash"])
                if key in documents:
                    row.add_error(
                        "document_number",
                        _("Row %(row)d has the same document number.") % {"row": documents[key]},
                    )
                else:
                    documents[key] = row.number
            if values.get("email"):
                key = (
                    values["email"],
                    values.get("family_name", "").casefold(),
                    values.get("given_name", "").casefold(),
                )
                if key in people:
                    row.add_error(
                        "email",
                        _("Row %(row)d has the same e-mail address and name.")
                        % {"row": people[key]},
                    )
                else:
                    people[key] = row.number

    def _candidates(self, rows, station, for_write):
        return residents_by_document_or_email(rows, station, for_write=for_write)

    def _match(self, row: RowPlan, by_hash, by_email) -> Resident | None:
        values = row.data["values"]
        digest = row.data["hash"]
        if digest:
            holders = by_hash.get(digest, [])
            kind = values.get("document_type")
            if kind:
                holders = [r for r in holders if r.document_type == kind]
            if len(holders) == 1:
                return holders[0]
            if len(holders) > 1:
                row.add_error(
                    "document_number",
                    _(
                        "Several residents of this station hold this document number; add "
                        "the document type to tell them apart."
                    ),
                )
                return None
        email = values.get("email")
        if email:
            family = values.get("family_name", "").casefold()
            given = values.get("given_name", "").casefold()
            found = [
                r
                for r in by_email.get(email, [])
                if r.family_name.strip().casefold() == family
                and (not given or not r.given_name or r.given_name.strip().casefold() == given)
            ]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                row.add_error(
                    "email",
                    _(
                        "Several residents of this station have this e-mail address and "
                        "name; add their document numbers to tell them apart."
                    ),
                )
        return None

    def _clean(self, row: RowPlan, resident: Resident) -> None:
        exclude = _NOT_CLEANED
        if resident.nationality:
            # a code COUNTRIES.parse returned, or the stored one: valid either
            # way, and checking it against 250 choices is most of full_clean's time
            exclude = [*_NOT_CLEANED, "nationality"]
        try:
            resident.full_clean(
                exclude=exclude, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            row.add_validation_error(exc, KEYS)

    def _plan_create(self, row: RowPlan, station) -> None:
        resident = Resident(station=station, **row.data["values"])
        self._clean(row, resident)
        if row.action != ERROR:
            row.action = CREATE
            row.instance = resident
            row.label = resident.display_name

    def _plan_update(self, row: RowPlan, resident: Resident) -> None:
        before = snapshot(resident)
        row.version = resident.updated_at.isoformat()
        changed = []
        for name, value in row.data["values"].items():
            if not _same_value(resident, name, value):
                setattr(resident, name, value)
                changed.append(name)
        row.instance = resident
        row.label = resident.display_name
        if not changed:
            row.action = UNCHANGED
            return
        self._clean(row, resident)
        if row.action != ERROR:
            row.action = UPDATE
            row.changed = changed
            row.before = before

    def _check_documents(self, rows: list[RowPlan], by_hash) -> None:
        """At most one resident per station, document type and number (the
        constraint resident_unique_document_per_station), over the residents
        as the sheet would leave them."""
        message = next(
            str(c.get_violation_error_message())
            for c in Resident._meta.constraints
            if c.name == "resident_unique_document_per_station"
        )
        owners: dict[tuple, set] = defaultdict(set)
        planned: dict[tuple, list[RowPlan]] = defaultdict(list)
        touched = set()
        for row in rows:
            if row.action in (CREATE, UPDATE, UNCHANGED) and row.instance.document_number_hash:
                resident = row.instance
                key = (resident.document_type, resident.document_number_hash)
                owners[key].add(resident.pk or ("row", row.number))
                if row.action != UNCHANGED:
                    planned[key].append(row)
                if resident.pk:
                    touched.add(resident.pk)
        for holders in by_hash.values():
            for resident in holders:
                if resident.pk not in touched:
                    owners[(resident.document_type, resident.document_number_hash)].add(
                        resident.pk
                    )
        for key, rows_here in planned.items():
            if len(owners[key]) > 1:
                for row in rows_here:
                    row.add_error("document_number", message)

    # --- writing ------------------------------------------------------------------

    def write(self, plan: Plan, *, station, actor) -> ImportResult:
        """Write `plan` (no refused rows) inside the caller's transaction."""
        if plan.has_errors:
            raise ValidationError(_("The sheet has rows with errors."))
        timings = {}
        started = time.perf_counter()
        creates = [row.instance for row in plan.rows if row.action == CREATE]
        updates = [row for row in plan.rows if row.action == UPDATE]
        Resident.objects.bulk_create(creates, batch_size=1000)
        if updates:
            now = timezone.now()
            names = set()
            for row in updates:
                row.instance.updated_at = now
                names.update(row.changed)
            bulk_update_rows(
                Resident,
                [row.instance for row in updates],
                sorted(names | {"document_number_hash", "updated_at"}),
                station_id=station.pk,
            )
        timings["write rows"] = time.perf_counter() - started
        mark = time.perf_counter()
        entries = audit_bulk(
            created=creates, changed=[(row.instance, row.before) for row in updates]
        )
        timings["audit log"] = time.perf_counter() - mark
        mark = time.perf_counter()
        plan_document_reminders(
            created=[r for r in creates if r.document_expires is not None],
            changed=[row.instance for row in updates if "document_expires" in row.changed],
        )
        timings["reminders"] = time.perf_counter() - mark
        return ImportResult(
            created=len(creates),
            updated=len(updates),
            unchanged=plan.count(UNCHANGED),
            audit_entries=entries,
            timings=timings,
        )


RESIDENTS = ResidentImporter()


__all__ = ["COLUMNS", "RESIDENTS", "ResidentImporter", "plan_document_reminders"]
