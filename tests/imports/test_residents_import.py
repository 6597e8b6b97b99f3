"""Importing residents in the admin: preview, confirm, matching, refusals
(with nothing written), previews that cannot be trusted, stations that are
not the user's, the templates, and what the services would have done."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from reminders.models import Kind, Reminder
from residents.imports import RESIDENTS
from residents.models import Resident
from residents.selectors import resident_list_by_document
from residents.services import resident_create
from stations.models import AuditEntry
from stations.spreadsheets import SESSION_KEY
from tests import factories
from tests.helpers import admin_url, log_in_verified, login_with_role, messages_of
from tests.imports.support import (
    RESIDENT_HEADERS_EN,
    RESIDENT_HEADERS_ZH,
    confirm,
    counts,
    csv_upload,
    import_url,
    read_xlsx,
    realistic_residents,
    upload,
    xlsx_upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def one(**cells) -> list:
    """A resident row under RESIDENT_HEADERS_EN, Anna Schmidt unless told."""
    values = {
        "family name": "Schmidt", "given name": "Anna", "nationality": "Germany",
        "e-mail": "anna@example.org", "document type": "Passport", "document number": "C01X00T47",
        "document expires": date(2031, 5, 31),
    }
    values.update({k.replace("_", " ").replace("e mail", "e-mail"): v for k, v in cells.items()})
    values = {k.lower(): v for k, v in values.items()}
    return [values.get(h.lower()) for h in RESIDENT_HEADERS_EN]


def sheet(*rows) -> list[list]:
    return [RESIDENT_HEADERS_EN, *rows]


@pytest.fixture
def staff(client, station_a):
    return login_with_role(client, station_a, "staff")


def preview_and_confirm(client, station, file):
    response = upload(client, Resident, station, file)
    assert response.status_code == 200
    assert response.context["errors"] == [], response.context["errors"]
    token = response.context["token"]
    assert token
    done = confirm(client, Resident, token)
    assert done.status_code == 302, done.content.decode()[:2000]
    return response


def test_a_sheet_of_2000_residents_with_chinese_headers(client, staff, station_a):
    rows, expected = realistic_residents(2000)
    before = counts()
    response = upload(client, Resident, station_a, xlsx_upload(rows))
    assert response.context["counts"] == {"create": 2000, "update": 0, "unchanged": 0, "error": 0}
    assert counts() == before, "the preview wrote something"
    done = confirm(client, Resident, response.context["token"], follow=True)
    assert "Imported: 2000 created, 0 updated, 0 unchanged." in messages_of(done)

    residents = {r.email: r for r in Resident.objects.filter(station=station_a)}
    assert len(residents) == 2000
    for i in (0, 1, 2, 3, 17, 999, 1999):
        want = expected[i]
        got = residents[want["email"]]
        assert got.family_name == want["family_name"]
        assert got.nationality.code == want["nationality"]
        assert got.arrival_date == want["arrival_date"]
        assert got.document_number == want["document_number"]
        assert got.document_expires == want["document_expires"]
    kim = residents[expected[2]["email"]]  # 韩国, 韩语, 汉语（普通话）, category 侨眷
    assert kim.nationality.code == "KR"
    assert kim.languages == ["ko", "zh"]
    assert kim.category == Resident.Category.OVERSEAS_CHINESE_RELATIVE
    assert kim.preferred_language == "en"
    assert residents[expected[0]["email"]].preferred_language == "zh-hans"
    assert residents[expected[0]["email"]].phone == "+8613800000000"
    # found through the keyed hash, whatever the spaces and case
    assert list(resident_list_by_document(station=station_a, number="e 0000-0001")) == [
        residents[expected[1]["email"]]
    ]
    # one audit entry per resident, by the staff member, personal values masked
    entries = AuditEntry.objects.filter(model="residents.resident", action="create")
    assert entries.count() == 2000
    entry = entries.get(object_id=str(kim.pk))
    assert entry.actor_id == staff.pk and entry.actor_kind == "staff"
    assert entry.changes["family_name"] == "•••" and entry.changes["nationality"] == "KR"
    # the document reminders the service plans, for each document not yet expired
    with_documents = sum(1 for e in expected if e["document_expires"])
    assert Reminder.objects.filter(kind=Kind.DOCUMENT_EXPIRY).values("target_id").distinct(
    ).count() == with_documents


def test_a_reimport_updates_instead_of_duplicating(client, staff, station_a):
    rows, _expected = realistic_residents(30)
    preview_and_confirm(client, station_a, xlsx_upload(rows))
    again = upload(client, Resident, station_a, xlsx_upload(rows))
    assert again.context["counts"] == {"create": 0, "update": 0, "unchanged": 30, "error": 0}
    assert again.context["token"] is None  # nothing to confirm
    rows[1][7] = "+86 139 0000 0001"  # a new phone
    rows[2][1] = "Johnny"  # a corrected given name: matched by the document
    rows[11][2] = "金敏"  # row 11 (index 10) has no document: matched by e-mail and name
    audit_before = AuditEntry.objects.count()
    response = preview_and_confirm(client, station_a, xlsx_upload(rows))
    assert response.context["counts"] == {"create": 0, "update": 3, "unchanged": 27, "error": 0}
    assert Resident.objects.filter(station=station_a).count() == 30
    assert Resident.objects.get(email=rows[1][8]).phone == "+8613900000001"
    assert Resident.objects.get(email=rows[2][8]).given_name == "Johnny"
    assert Resident.objects.get(email=rows[11][8]).chinese_name == "金敏"
    changes = AuditEntry.objects.filter(action="change").order_by("pk")
    assert AuditEntry.objects.count() - audit_before == 3
    assert changes[0].changes["phone"] == ["•••", "•••"]


def test_every_column_can_be_corrected_by_a_reimport(client, staff, station_a):
    preview_and_confirm(client, station_a, xlsx_upload(sheet(one())))
    corrected = one(
        given_name="Anne", chinese_name="施安娜", nationality="AT", languages="de, en, zh",
        preferred_language="简体中文", category="Returned overseas Chinese",
        phone="+86 138 0013 8000", address="88 Hubin South Road", arrival_date="2024/9/1",
        document_type="Passport", document_number="C01X00T48", document_expires="2032年1月2日",
    )
    corrected[RESIDENT_HEADERS_EN.index("document number")] = "C01X00T47"
    first = preview_and_confirm(client, station_a, xlsx_upload(sheet(corrected)))
    assert first.context["counts"]["update"] == 1
    anna = Resident.objects.get(station=station_a)
    assert (anna.given_name, anna.chinese_name, anna.nationality.code) == ("Anne", "施安娜", "AT")
    assert anna.languages == ["de", "en", "zh"] and anna.preferred_language == "zh-hans"
    assert anna.category == "returned" and anna.phone == "+8613800138000"
    assert anna.arrival_date == date(2024, 9, 1) and anna.document_expires == date(2032, 1, 2)
    # a renewed passport: found by the e-mail and name, the new number replaces the old
    corrected[RESIDENT_HEADERS_EN.index("document number")] = "C99 NEW 01"
    preview_and_confirm(client, station_a, xlsx_upload(sheet(corrected)))
    anna.refresh_from_db()
    assert anna.document_number == "C99 NEW 01"
    assert list(resident_list_by_document(station=station_a, number="c99new01")) == [anna]
    assert Resident.objects.filter(station=station_a).count() == 1


def test_an_empty_cell_leaves_the_recorded_value(client, staff, station_a):
    preview_and_confirm(client, station_a, xlsx_upload(sheet(one(address="1 Hubin Road"))))
    response = preview_and_confirm(
        client, station_a, xlsx_upload(sheet(one(address=None, phone="+49 151 2345 6789")))
    )
    assert response.context["counts"]["update"] == 1
    anna = Resident.objects.get(station=station_a)
    assert anna.address == "1 Hubin Road" and anna.phone == "+4915123456789"


def test_an_e_mail_alone_does_not_match_another_family_member(client, staff, station_a):
    preview_and_confirm(
        client, station_a,
        xlsx_upload(sheet(one(document_type=None, document_number=None,
                              document_expires=None, e_mail="family@example.org"))),
    )
    ben = one(given_name="Ben", document_type=None, document_number=None, document_expires=None,
              e_mail="family@example.org")
    response = preview_and_confirm(client, station_a, xlsx_upload(sheet(ben)))
    assert response.context["counts"]["create"] == 1
    assert Resident.objects.filter(station=station_a, email="family@example.org").count() == 2


def test_matching_stays_inside_the_station(client, staff, station_a, station_b):
    factories.ResidentFactory(station=station_b, family_name="Schmidt", given_name="Anna",
                              email="anna@example.org")
    response = preview_and_confirm(client, station_a, xlsx_upload(sheet(one())))
    assert response.context["counts"]["create"] == 1
    assert Resident.objects.filter(station=station_b).get().document_number == ""


# --- Bad input: refused, nothing written -----------------------------------------------


def _bad_files():
    formula = xlsx_upload(sheet(one(family_name='=PROPER("schmidt")')))
    over_limit = xlsx_upload(sheet(*[one(e_mail=f"a{i}@example.org", document_number=f"X{i}")
                                     for i in range(4)]))
    return {
        "wrong header": (xlsx_upload([["surname", "passport no"], ["Kim", "M1"]]),
                         "Unknown column headers"),
        "empty sheet": (xlsx_upload([RESIDENT_HEADERS_ZH]), "The sheet is empty"),
        "date in another format": (xlsx_upload(sheet(one(arrival_date="March 1, 2025"))),
                                   "not a date in an accepted form"),
        "ambiguous date": (xlsx_upload(sheet(one(arrival_date="03/04/2024"))),
                           "could be either way round"),
        "duplicate row": (xlsx_upload(sheet(one(), one())), "This row repeats row 2."),
        "same document twice": (
            xlsx_upload(sheet(one(), one(given_name="Ann", e_mail="ann@example.org"))),
            "Row 2 has the same document number."),
        "formula cell": (formula, "holds a formula"),
        "unknown country": (xlsx_upload(sheet(one(nationality="Atlantis"))),
                            "not a country or region"),
        "future arrival": (xlsx_upload(sheet(one(arrival_date=date.today() + timedelta(days=9)))),
                           "The arrival date cannot be in the future."),
        "not a spreadsheet": (csv_upload([["x"]], name="photo.png"), "not a spreadsheet"),
        "over the size limit": (csv_upload(sheet(one(address="x" * 9000))), "files of at most"),
        "over the row limit": (over_limit, "more than 3 rows"),
    }


@pytest.mark.parametrize("case", list(_bad_files()))
def test_bad_input_is_refused_and_nothing_is_written(client, staff, station_a, settings, case):
    settings.IMPORT_MAX_ROWS = 3
    settings.IMPORT_MAX_BYTES = 8000
    file, message = _bad_files()[case]
    before = counts()
    response = upload(client, Resident, station_a, file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context.get("token") is None
    assert SESSION_KEY not in client.session or not client.session[SESSION_KEY]
    assert counts() == before


def test_a_cell_error_is_shown_per_cell_in_the_admins_language(client, staff, station_a):
    file = xlsx_upload(sheet(one(e_mail="not an address")))
    english = upload(client, Resident, station_a, file)
    assert english.context["errors"] == [
        {"row": 2, "column": "e-mail", "value": "not an address",
         "message": "Enter a valid email address."}
    ]
    file.seek(0)
    chinese = upload(client, Resident, station_a, file, language="zh-hans")
    [error] = chinese.context["errors"]
    assert error["message"] != "Enter a valid email address."
    assert "电子邮件" in error["message"] or "邮" in error["message"]


# --- Previews that must not write ----------------------------------------------------


def test_a_tampered_token_writes_nothing(client, staff, station_a):
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    before = counts()
    refused = confirm(client, Resident, response.context["token"] + "x")
    assert refused.status_code == 409
    assert "This preview does not exist or has expired" in refused.content.decode()
    assert counts() == before
    # the real one still works
    assert confirm(client, Resident, response.context["token"]).status_code == 302
    assert counts()["residents"] == before["residents"] + 1


def test_an_expired_preview_writes_nothing(client, staff, station_a, settings):
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    settings.IMPORT_PREVIEW_SECONDS = -1
    before = counts()
    refused = confirm(client, Resident, response.context["token"])
    assert refused.status_code == 409
    assert counts() == before


def test_an_altered_preview_file_writes_nothing(client, staff, station_a, settings):
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    path = Path(settings.IMPORT_PREVIEW_DIR) / f"{response.context['token']}.preview"
    content = path.read_bytes()
    assert b"Schmidt" not in content  # personal data is kept encrypted
    path.write_bytes(content[:-3] + b"abc")
    before = counts()
    assert confirm(client, Resident, response.context["token"]).status_code == 409
    assert counts() == before


def test_another_persons_token_writes_nothing(client, staff, station_a):
    from django.test import Client

    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    other = Client()
    login_with_role(other, station_a, "manager")
    before = counts()
    assert confirm(other, Resident, response.context["token"]).status_code == 409
    assert counts() == before


def test_a_preview_is_confirmed_once(client, staff, station_a):
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    assert confirm(client, Resident, response.context["token"]).status_code == 302
    before = counts()
    assert confirm(client, Resident, response.context["token"]).status_code == 409
    assert counts() == before


def test_a_record_changed_after_the_preview_is_not_overwritten_blindly(client, staff, station_a):
    preview_and_confirm(client, station_a, xlsx_upload(sheet(one())))
    changed = xlsx_upload(sheet(one(phone="+49 151 2345 6789")))
    response = upload(client, Resident, station_a, changed)
    anna = Resident.objects.get(station=station_a)
    anna.address = "changed meanwhile"
    anna.save()
    before = counts()
    again = confirm(client, Resident, response.context["token"])
    assert again.status_code == 200
    assert "The records changed since the preview" in again.content.decode()
    assert counts() == before
    # the new preview can be confirmed
    assert confirm(client, Resident, again.context["token"]).status_code == 302
    anna.refresh_from_db()
    assert anna.phone == "+4915123456789" and anna.address == "changed meanwhile"


def test_a_failure_while_writing_leaves_nothing_behind(client, staff, station_a, monkeypatch):
    from django.db import IntegrityError

    from residents import imports

    response = upload(client, Resident, station_a, xlsx_upload(sheet(one(), one(
        family_name="Kim", e_mail="kim@example.org", document_number="M7"))))

    def broken(**kwargs):
        raise IntegrityError("the disk is full")

    monkeypatch.setattr(imports, "plan_document_reminders", broken)
    before = counts()
    refused = confirm(client, Resident, response.context["token"])
    assert refused.status_code == 409
    assert "Nothing was imported" in refused.content.decode()
    assert counts() == before


# --- Who may import where ----------------------------------------------------------------


def test_staff_of_another_station_cannot_import_into_it(client, station_a, station_b):
    login_with_role(client, station_b, "staff")
    before = counts()
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    assert response.status_code == 200
    assert response.context["form"].errors["station"]
    assert counts() == before
    page = client.get(import_url(Resident))
    assert list(page.context["form"].fields["station"].queryset) == [station_b]


def test_a_counsellor_has_no_import(client, station_a):
    login_with_role(client, station_a, "counsellor")
    assert client.get(import_url(Resident)).status_code == 403
    changelist = client.get(admin_url(Resident, "changelist"))
    assert changelist.status_code == 200
    assert import_url(Resident) not in changelist.content.decode()
    before = counts()
    response = client.post(import_url(Resident), {"station": station_a.pk,
                                                  "file": xlsx_upload(sheet(one()))})
    assert response.status_code == 403
    assert counts() == before


def test_the_changelist_offers_the_import_to_staff(client, staff):
    changelist = client.get(admin_url(Resident, "changelist"))
    assert import_url(Resident) in changelist.content.decode()


def test_a_preview_keeps_its_station_whatever_the_confirmation_says(client, station_a, station_b):
    user = factories.MembershipFactory(station=station_a, role="staff").user
    factories.MembershipFactory(station=station_b, role="staff", user=user)
    log_in_verified(client, user)
    response = upload(client, Resident, station_a, xlsx_upload(sheet(one())))
    client.post(import_url(Resident, "import_confirm"),
                {"token": response.context["token"], "station": station_b.pk})
    assert Resident.objects.filter(station=station_a).count() == 1
    assert Resident.objects.filter(station=station_b).count() == 0


# --- Templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("language,headers", [("zh-hans", RESIDENT_HEADERS_ZH),
                                              ("en", RESIDENT_HEADERS_EN)])
def test_the_template_downloads_and_imports_cleanly(client, staff, station_a, language, headers):
    response = client.get(import_url(Resident, "import_template", language))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'residents-template-{language}.xlsx"')
    rows = read_xlsx(response.content)
    assert rows[0] == headers
    assert len(rows) == 3
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(f"template-{language}.xlsx", response.content)
    done = preview_and_confirm(client, station_a, file)
    assert done.context["counts"]["create"] == 2
    kim = Resident.objects.get(station=station_a, family_name="Kim")
    assert kim.nationality.code == "KR" and kim.preferred_language == "zh-hans"
    assert kim.document_type == "residence_permit" and kim.languages == ["ko", "zh"]


def test_the_templates_of_both_languages_describe_the_same_people(client, staff, station_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for language, expected in (("zh-hans", {"create": 2}), ("en", {"update": 2})):
        content = client.get(import_url(Resident, "import_template", language)).content
        done = preview_and_confirm(client, station_a, SimpleUploadedFile("t.xlsx", content))
        assert {k: v for k, v in done.context["counts"].items() if v} == expected


def test_the_template_needs_the_right_to_import(client, station_a):
    login_with_role(client, station_a, "counsellor")
    assert client.get(import_url(Resident, "import_template", "en")).status_code == 403


# --- What the services would have done ---------------------------------------------------


@pytest.mark.parametrize("offsets", [None, [14, 3]], ids=["default times", "station's times"])
def test_imported_residents_get_the_reminders_resident_create_plans(client, staff, station_a,
                                                                   station_b, offsets):
    if offsets:
        for station in (station_a, station_b):
            factories.ReminderPolicyFactory(station=station, kind=Kind.DOCUMENT_EXPIRY,
                                            offsets=offsets)
    today = timezone.localdate()
    expiries = [today + timedelta(days=d) for d in (3, 20, 100, 900)] + [today - timedelta(days=5)]
    rows = [one(e_mail=f"p{i}@example.org", document_number=f"P{i}", document_expires=when)
            for i, when in enumerate(expiries)]
    preview_and_confirm(client, station_a, xlsx_upload(sheet(*rows)))
    for i, when in enumerate(expiries):
        resident_create(
            station=station_b, actor=None, family_name="Twin", nationality="DE",
            document_type="passport", document_number=f"P{i}", document_expires=when,
            email=f"p{i}@example.org",
        )

    def reminders(station):
        by_number = {r.pk: r.document_number for r in Resident.objects.filter(station=station)}
        return sorted(
            (by_number[r.target_id], r.occasion, r.remind_at, r.stale_at, r.status, r.data,
             r.recipient)
            for r in Reminder.objects.filter(station=station, kind=Kind.DOCUMENT_EXPIRY)
        )

    imported = reminders(station_a)
    assert imported == reminders(station_b)
    assert len(imported) >= 6
    slots = {occasion.split("@")[0] for _n, occasion, *_rest in imported}
    assert slots == ({"14d", "3d"} if offsets else {"30d", "7d"})


def test_a_changed_expiry_moves_the_reminders(client, staff, station_a):
    today = timezone.localdate()
    preview_and_confirm(client, station_a,
                        xlsx_upload(sheet(one(document_expires=today + timedelta(days=200)))))
    preview_and_confirm(client, station_a,
                        xlsx_upload(sheet(one(document_expires=today + timedelta(days=400)))))
    pending = Reminder.objects.filter(station=station_a, status=Reminder.Status.PENDING)
    anchor = (today + timedelta(days=400)).isoformat()
    assert sorted(r.occasion for r in pending) == [f"30d@{anchor}", f"7d@{anchor}"]


def test_the_database_constraints_still_hold(station_a):
    """The import checks the document rule for the sheet at once; the
    database keeps refusing a duplicate whatever writes it."""
    from django.db import IntegrityError, transaction

    factories.ResidentFactory(station=station_a, document_type="passport", document_number="Z1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Resident.objects.bulk_create([
            Resident(station=station_a, family_name="X", nationality="DE",
                     document_type="passport", document_number="z-1")
        ])


def test_the_importer_plans_in_a_fixed_number_of_queries(station_a, django_assert_max_num_queries):
    from stations.spreadsheets import Sheet
    from stations.tenancy import station_scope

    rows, _ = realistic_residents(300)
    columns = {c.zh: c for c in RESIDENTS.columns}
    parsed = Sheet(columns=[columns[h] for h in rows[0]], headers=rows[0],
                   rows=[(i + 2, row) for i, row in enumerate(rows[1:])])
    with station_scope(station_a), django_assert_max_num_queries(4):
        plan = RESIDENTS.plan(parsed, station=station_a)
    assert plan.count("create") == 300
