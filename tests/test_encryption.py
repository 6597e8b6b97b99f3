"""Encryption at rest: identity document numbers and consultation notes are
ciphertext in the database, its dumps, the SQL log and the audit log; they
read back as plaintext where they are meant to be read; document numbers are
still found and kept unique through their keyed hash; keys rotate; an unknown
key fails loudly; nobody can filter on ciphertext."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import Consultation
from residents.models import Resident
from residents.selectors import (
    resident_by_document,
    resident_data_export,
    resident_list,
    resident_list_by_document,
)
from residents.services import resident_create, resident_update
from stations import crypto
from stations.audit import MASK
from stations.models import AuditEntry
from tests import factories
from tests.helpers import admin_path, admin_url, form_values_of, log_in_verified

ROOT = Path(__file__).resolve().parent.parent

# unique markers: found anywhere, they can only come from these tests
DOCUMENT = "ZQ7788-4411"
DOCUMENT_NORMALISED = "ZQ77884411"
NEW_DOCUMENT = "XK5566-0099"
NOTE = "Marker note 9b1f: the landlord kept the deposit"
NEW_NOTE = "Marker note 4c2e: moving to Siming next month"
FAMILY = "Markerfamily7d3a"
SECRETS = (DOCUMENT, DOCUMENT_NORMALISED, NEW_DOCUMENT, "XK55660099", NOTE, NEW_NOTE)

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def raw_column(model, field: str, pk) -> str:
    """What the database holds in `field` of row `pk`, past the model's field."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(field)} FROM {model._meta.db_table} WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def counsellor_at(station):
    """A counsellor profile with its own staff login (role counsellor)."""
    counsellor = factories.CounsellorFactory(
        station=station, user=factories.UserFactory(is_staff=True)
    )
    factories.MembershipFactory(station=station, user=counsellor.user, role="counsellor")
    return counsellor


def seed(station):
    """A resident with a document and a login, and a consultation with notes,
    written through the service and the model's save (audit log included)."""
    user = factories.UserFactory()
    resident = resident_create(
        station=station,
        actor=None,
        family_name=FAMILY,
        nationality="DE",
        user=user,
        document_type=Resident.DocumentType.PASSPORT,
        document_number=DOCUMENT,
    )
    consultation = factories.ConsultationFactory(
        station=station, resident=resident, counsellor=counsellor_at(station), notes=NOTE
    )
    return resident, consultation


# --- nothing in plaintext ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_no_plaintext_in_the_database_dump_the_sql_log_or_the_audit_log(station_a, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with CaptureQueriesContext(connection) as queries:  # logs every statement with its values
        resident, consultation = seed(station_a)
        resident_update(resident=resident, actor=None, document_number=NEW_DOCUMENT)
        consultation.notes = NEW_NOTE
        consultation.save()
        assert Resident.objects.get(pk=resident.pk).document_number == NEW_DOCUMENT

    # the SQL log saw the writes, with their values ...
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "django.db.backends")
    assert 'INSERT INTO "residents_resident"' in logged
    assert 'UPDATE "consultations_consultation"' in logged
    assert FAMILY in logged
    sql = "\n".join(q["sql"] for q in queries.captured_queries)
    # ... and none of them in plaintext
    for secret in SECRETS:
        assert secret not in caplog.text
        assert secret not in logged
        assert secret not in sql

    entries = AuditEntry.objects.filter(
        model__in=["residents.resident", "consultations.consultation"]
    )
    assert {e.action for e in entries} >= {"create", "change"}
    change = entries.filter(model="residents.resident", action="change").get()
    assert change.changes["document_number"] == [MASK, MASK]
    stored = json.dumps([e.changes for e in AuditEntry.objects.all()], ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in stored

    database = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": database["PASSWORD"] or ""}
    command = ["pg_dump", "--data-only", "--no-owner", "--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database[key]:
            command += [option, str(database[key])]
    dump = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    # the dump holds the rows (the name is not encrypted, the tokens are there) ...
    assert FAMILY in dump.stdout
    assert raw_column(Resident, "document_number", resident.pk) in dump.stdout
    assert raw_column(Consultation, "notes", consultation.pk) in dump.stdout
    # ... and no secret
    for secret in SECRETS:
        assert secret not in dump.stdout


@pytest.mark.django_db
def test_the_column_holds_a_fresh_token_and_empty_stays_empty(station_a):
    first = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    second = factories.ResidentFactory(
        station=station_a, document_type="visa", document_number=DOCUMENT
    )
    nothing = factories.ResidentFactory(station=station_a)
    tokens = [raw_column(Resident, "document_number", r.pk) for r in (first, second)]
    assert all(token.startswith("gAAAA") for token in tokens)
    assert tokens[0] != tokens[1]  # equal numbers do not look equal in the database
    assert raw_column(Resident, "document_number", nothing.pk) == ""
    assert raw_column(Resident, "document_number_hash", nothing.pk) == ""
    assert raw_column(Resident, "document_number_hash", first.pk) == crypto.lookup_hash(DOCUMENT)
    assert DOCUMENT_NORMALISED not in raw_column(Resident, "document_number_hash", first.pk)


# --- read back where it is meant to be read ---------------------------------------


@pytest.mark.django_db
def test_the_orm_reads_back_plaintext(station_a):
    resident, consultation = seed(station_a)
    assert Resident.objects.get(pk=resident.pk).document_number == DOCUMENT
    assert Consultation.objects.get(pk=consultation.pk).notes == NOTE
    assert list(
        Resident.objects.filter(pk=resident.pk).values_list("document_number", flat=True)
    ) == [DOCUMENT]
    assert raw_column(Consultation, "notes", consultation.pk) != NOTE


@pytest.mark.django_db
def test_the_admin_shows_the_document_and_the_counsellor_the_notes(client, client_a, station_a):
    resident, consultation = seed(station_a)
    html = client_a.get(admin_url(Resident, "change", resident.pk)).content.decode()
    assert f'value="{DOCUMENT}"' in html
    log_in_verified(client, consultation.counsellor.user)
    response = client.get(admin_url(Consultation, "change", consultation.pk))
    assert response.status_code == 200
    assert NOTE in response.content.decode()


@pytest.mark.django_db
def test_the_counsellor_edits_notes_in_the_admin_and_they_are_stored_encrypted(client, station_a):
    _resident, consultation = seed(station_a)
    log_in_verified(client, consultation.counsellor.user)
    url = admin_url(Consultation, "change", consultation.pk)
    data = {**form_values_of(client.get(url)), "notes": NEW_NOTE}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Consultation.objects.get(pk=consultation.pk).notes == NEW_NOTE
    assert NEW_NOTE not in raw_column(Consultation, "notes", consultation.pk)


@pytest.mark.django_db
def test_the_residents_data_download_holds_the_plaintext(station_a):
    resident, _consultation = seed(station_a)
    data = resident_data_export(resident.user)
    assert data["resident_profiles"][0]["identity_document"]["number"] == DOCUMENT
    assert [c["notes"] for c in data["consultations"]] == [NOTE]


# --- lookup by document number -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed", [DOCUMENT, "zq7788-4411", " ZQ 7788 4411 ", "zq–7788—4411", "ＺＱ７７８８－４４１１"]
)
def test_a_document_is_found_however_it_is_written(station_a, station_b, typed):
    resident = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    elsewhere = factories.ResidentFactory(
        station=station_b, document_type="passport", document_number=DOCUMENT
    )
    assert resident_by_document(station=station_a, number=typed) == resident
    assert resident_by_document(station=station_b, number=typed) == elsewhere
    assert (
        resident_by_document(station=station_a, number=typed, document_type="passport") == resident
    )
    assert resident_by_document(station=station_a, number=typed, document_type="visa") is None
    assert list(resident_list(station_ids=[station_a.pk], search=typed)) == [resident]


@pytest.mark.django_db
def test_only_the_whole_number_matches(station_a):
    factories.ResidentFactory(station=station_a, document_type="passport", document_number=DOCUMENT)
    assert resident_by_document(station=station_a, number="ZQ7788") is None
    assert resident_by_document(station=station_a, number=" - ") is None
    assert resident_by_document(station=station_a, number="") is None
    assert list(resident_list(search="7788")) == []


@pytest.mark.django_db
def test_a_number_on_documents_of_two_types_needs_the_type(station_a):
    passport = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    visa = factories.ResidentFactory(
        station=station_a, document_type="visa", document_number=DOCUMENT
    )
    with pytest.raises(Resident.MultipleObjectsReturned):
        resident_by_document(station=station_a, number=DOCUMENT)
    assert list(resident_list_by_document(station=station_a, number=DOCUMENT)) == [passport, visa]
    assert resident_by_document(station=station_a, number=DOCUMENT, document_type="visa") == visa


@pytest.mark.django_db
def test_the_admin_search_finds_a_document_number(client_a, station_a, station_b):
    mine = factories.ResidentFactory(
        station=station_a, family_name="Okafor", document_type="passport", document_number=DOCUMENT
    )
    factories.ResidentFactory(station=station_b, document_type="passport", document_number=DOCUMENT)
    factories.ResidentFactory(station=station_a, family_name="Other")
    for typed in ("zq 7788 4411", "ZQ7788-4411", "okafor"):
        response = client_a.get(admin_path("residents_resident_changelist", query=f"?q={typed}"))
        assert list(response.context["cl"].result_list) == [mine], typed
    response = client_a.get(admin_path("residents_resident_changelist", query="?q=7788"))
    assert list(response.context["cl"].result_list) == []


@pytest.mark.django_db
def test_a_changed_number_is_found_by_its_new_value_only(station_a):
    resident = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    resident.document_number = NEW_DOCUMENT
    resident.save(update_fields=["document_number"])
    assert resident_by_document(station=station_a, number=DOCUMENT) is None
    assert resident_by_document(station=station_a, number=NEW_DOCUMENT) == resident
    resident_update(resident=resident, actor=None, document_number="", document_type="")
    assert raw_column(Resident, "document_number_hash", resident.pk) == ""
    assert resident_by_document(station=station_a, number=NEW_DOCUMENT) is None


@pytest.mark.django_db
def test_bulk_create_fills_the_hash(station_a):
    """The demo loader (and perhaps an import) writes with bulk_create."""
    [resident] = Resident.objects.bulk_create(
        [
            Resident(
                station=station_a,
                family_name="Bulk",
                nationality="FR",
                document_type="passport",
                document_number=DOCUMENT,
            )
        ]
    )
    assert resident_by_document(station=station_a, number=DOCUMENT) == resident
    assert DOCUMENT not in raw_column(Resident, "document_number", resident.pk)


# --- one document per station and type -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_the_same_number_written_differently_is_refused(station_a, station_b):
    fields = {"family_name": "First", "nationality": "DE", "document_type": "passport"}
    resident_create(station=station_a, actor=None, document_number=DOCUMENT, **fields)
    with pytest.raises(ValidationError) as refused:
        resident_create(station=station_a, actor=None, document_number="zq 7788 4411", **fields)
    assert refused.value.messages == [
        "A resident with this document number is already registered at this station."
    ]
    # the database refuses it too, to code that skips full_clean
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ResidentFactory(
            station=station_a, document_type="passport", document_number="ZQ-7788-4411"
        )
    # another type, or another station, is another document
    resident_create(
        station=station_a,
        actor=None,
        document_number=DOCUMENT,
        **{**fields, "document_type": "visa"},
    )
    resident_create(station=station_b, actor=None, document_number=DOCUMENT, **fields)


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_the_admin_refuses_a_duplicate_number_with_a_message(client_a, station_a):
    from tests.residents.test_admin import resident_post_data

    factories.ResidentFactory(station=station_a, document_type="passport", document_number=DOCUMENT)
    duplicate = {"document_type": "passport", "document_number": "zq 7788-4411"}
    response = client_a.post(
        admin_path("residents_resident_add"), resident_post_data(station_a, **duplicate)
    )
    assert response.status_code == 200
    message = "A resident with this document number is already registered at this station."
    assert response.context["adminform"].form.non_field_errors() == [message]

    # on the change page too, where the station is read-only
    other = factories.ResidentFactory(station=station_a, family_name="Other")
    url = admin_url(Resident, "change", other.pk)
    response = client_a.post(url, {**form_values_of(client_a.get(url)), **duplicate})
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [message]
    assert Resident.objects.get(pk=other.pk).document_number == ""


# --- key rotation ----------------------------------------------------------------------


def rotate(**options) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_rotation_re_encrypts_every_value_with_the_new_key(station_a, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    residents = [
        factories.ResidentFactory(
            station=station_a, document_type="passport", document_number=f"{DOCUMENT}{i}"
        )
        for i in range(3)
    ]
    factories.ResidentFactory(station=station_a)  # no document
    consultation = factories.ConsultationFactory(
        station=station_a, resident=residents[0], notes=NOTE
    )
    before = {r.pk: raw_column(Resident, "document_number", r.pk) for r in residents}
    note_before = raw_column(Consultation, "notes", consultation.pk)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    output = rotate(batch_size=2)  # more than one batch
    assert "residents.Resident.document_number: 3 value(s), 3 re-encrypted" in output
    assert "residents.Resident.document_number_hash: 3 value(s), 0 recomputed" in output
    assert "consultations.Consultation.notes: 1 value(s), 1 re-encrypted" in output

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    for i, resident in enumerate(residents):
        token = raw_column(Resident, "document_number", resident.pk)
        assert token != before[resident.pk]
        assert Fernet(KEY_B).decrypt(token.encode()).decode() == f"{DOCUMENT}{i}"
        with pytest.raises(InvalidToken):
            Fernet(KEY_A).decrypt(token.encode())
        assert Resident.objects.get(pk=resident.pk).document_number == f"{DOCUMENT}{i}"
    assert raw_column(Consultation, "notes", consultation.pk) != note_before
    assert Consultation.objects.get(pk=consultation.pk).notes == NOTE
    assert resident_by_document(station=station_a, number=f"{DOCUMENT}1") == residents[1]

    # a second run finds nothing to do and changes nothing
    unchanged = raw_column(Resident, "document_number", residents[0].pk)
    output = rotate()
    assert "residents.Resident.document_number: 3 value(s), 0 re-encrypted" in output
    assert "consultations.Consultation.notes: 1 value(s), 0 re-encrypted" in output
    assert raw_column(Resident, "document_number", residents[0].pk) == unchanged


@pytest.mark.django_db
def test_rotation_recomputes_the_hashes_with_a_new_hash_key(station_a, settings):
    resident = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    updated_at = Resident.objects.get(pk=resident.pk).updated_at
    settings.FIELD_HASH_KEY = "a-new-hash-key-of-at-least-32-characters"
    assert resident_by_document(station=station_a, number=DOCUMENT) is None  # until rotated
    output = rotate()
    assert "residents.Resident.document_number_hash: 1 value(s), 1 recomputed" in output
    assert resident_by_document(station=station_a, number="zq 7788 4411") == resident
    assert Resident.objects.get(pk=resident.pk).updated_at == updated_at
    assert "1 recomputed" not in rotate()


@pytest.mark.django_db
def test_a_value_under_an_unknown_key_fails_loudly(station_a, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    resident, consultation = seed(station_a)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(crypto.DecryptionError) as failed:
        Resident.objects.get(pk=resident.pk)
    assert "could not be decrypted with any key in FIELD_ENCRYPTION_KEYS" in str(failed.value)
    for secret in (DOCUMENT, KEY_A, KEY_B):
        assert secret not in str(failed.value)
    with pytest.raises(crypto.DecryptionError):
        Consultation.objects.get(pk=consultation.pk)
    with pytest.raises(CommandError) as stopped:
        rotate()
    assert f"residents.Resident id {resident.pk}: document_number cannot be decrypted" in str(
        stopped.value
    )
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    assert Resident.objects.get(pk=resident.pk).document_number == DOCUMENT  # nothing written


@pytest.mark.django_db
def test_values_of_a_lost_key_can_be_forgotten_and_the_rows_used_again(station_a, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    lost, consultation = seed(station_a)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    kept = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=NEW_DOCUMENT
    )
    output = rotate(forget_unreadable=True)
    assert (
        "residents.Resident.document_number: 1 value(s), 0 re-encrypted; "
        f"1 unreadable, emptied (ids {lost.pk})"
    ) in output
    assert "consultations.Consultation.notes: 0 value(s), 0 re-encrypted; 1 unreadable" in output
    assert Resident.objects.get(pk=lost.pk).document_number == ""
    assert raw_column(Resident, "document_number_hash", lost.pk) == ""
    assert Consultation.objects.get(pk=consultation.pk).notes == ""
    assert Resident.objects.get(pk=kept.pk).document_number == NEW_DOCUMENT
    emptied = AuditEntry.objects.filter(
        model="residents.resident", object_id=str(lost.pk), action="change"
    ).get()
    assert (emptied.actor_kind, emptied.changes) == ("system", {"document_number": [MASK, MASK]})


@pytest.mark.django_db
def test_an_altered_token_fails_loudly(station_a):
    resident = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    token = raw_column(Resident, "document_number", resident.pk)
    altered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE residents_resident SET document_number = %s WHERE id = %s",
            [altered, resident.pk],
        )
    with pytest.raises(crypto.DecryptionError):
        Resident.objects.get(pk=resident.pk)


# --- no filtering on ciphertext -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    [
        {"document_number": DOCUMENT},
        {"document_number__iexact": DOCUMENT},
        {"document_number__icontains": "7788"},
        {"document_number__startswith": "ZQ"},
        {"document_number__in": [DOCUMENT]},
        {"document_number__lower": "zq"},
    ],
)
def test_filtering_on_an_encrypted_field_raises(station_a, lookup):
    with pytest.raises(FieldError, match="is encrypted in the database"):
        list(Resident.objects.filter(**lookup))


@pytest.mark.django_db
def test_filtering_on_notes_raises(station_a):
    with pytest.raises(FieldError, match="Consultation.notes is encrypted"):
        Consultation.objects.filter(notes__contains="deposit").exists()


@pytest.mark.django_db
def test_no_value_and_null_lookups_still_work(station_a):
    with_document = factories.ResidentFactory(
        station=station_a, document_type="passport", document_number=DOCUMENT
    )
    without = factories.ResidentFactory(station=station_a)
    assert list(Resident.objects.exclude(document_number="")) == [with_document]
    assert list(Resident.objects.filter(document_number="")) == [without]
    assert Resident.objects.filter(document_number__isnull=False).count() == 2
    noted = factories.ConsultationFactory(station=station_a, notes=NOTE)
    factories.ConsultationFactory(station=station_a, notes="")
    assert list(Consultation.objects.exclude(notes="")) == [noted]


@pytest.mark.django_db
def test_the_document_field_keeps_its_length_limit(station_a):
    resident = factories.ResidentFactory.build(
        station=station_a, document_type="passport", document_number="X" * 41
    )
    with pytest.raises(ValidationError) as refused:
        resident.full_clean()
    assert "document_number" in refused.value.error_dict


# --- the keys ----------------------------------------------------------------------------


def settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(','.join(s.FIELD_ENCRYPTION_KEYS)); print(s.FIELD_HASH_KEY)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "portal.example.org"}
HASH_KEY = "h" * 40


@pytest.mark.parametrize(
    "env, message",
    [
        ({"FIELD_HASH_KEY": HASH_KEY}, "FIELD_ENCRYPTION_KEYS is not set"),
        ({"FIELD_ENCRYPTION_KEYS": KEY_A}, "FIELD_HASH_KEY is not set"),
        (
            {"FIELD_ENCRYPTION_KEYS": f"{KEY_A},not-a-key", "FIELD_HASH_KEY": HASH_KEY},
            "key number 2 is not a Fernet key",
        ),
        (
            {"FIELD_ENCRYPTION_KEYS": KEY_A, "FIELD_HASH_KEY": "short"},
            "FIELD_HASH_KEY is too short",
        ),
    ],
)
def test_production_refuses_to_start_without_good_keys(env, message):
    result = settings_in_subprocess(**PRODUCTION, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "not-a-key" not in result.stderr and KEY_A not in result.stderr


def test_production_takes_the_keys_from_the_environment():
    result = settings_in_subprocess(
        **PRODUCTION, FIELD_ENCRYPTION_KEYS=f"{KEY_B}, {KEY_A}", FIELD_HASH_KEY=HASH_KEY
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{KEY_B},{KEY_A}", HASH_KEY]


def test_development_derives_distinct_keys_from_the_secret_key():
    first = settings_in_subprocess(DEBUG="1", SECRET_KEY="one development key")
    again = settings_in_subprocess(DEBUG="1", SECRET_KEY="one development key")
    other = settings_in_subprocess(DEBUG="1", SECRET_KEY="another development key")
    assert first.returncode == 0, first.stderr
    encryption_key, hash_key = first.stdout.split()
    Fernet(encryption_key)  # a usable key
    assert first.stdout == again.stdout  # the same on every start: data stays readable
    assert other.stdout.split()[0] != encryption_key
    assert other.stdout.split()[1] != hash_key
    assert hash_key != encryption_key and len(hash_key) >= 32


# --- the migrations ---------------------------------------------------------------------

BEFORE = [("residents", "0001_initial"), ("consultations", "0003_availability")]


def migrate(targets):
    """Migrate the test database to `targets`; returns the apps of that state."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_what_is_stored_and_decrypt_it_backwards(station_a):
    from django.db.migrations.executor import MigrationExecutor

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    topic = factories.TopicFactory()
    try:
        old = migrate(BEFORE)
        OldResident = old.get_model("residents", "Resident")  # noqa: N806
        OldConsultation = old.get_model("consultations", "Consultation")  # noqa: N806
        written = {"station_id": station_a.pk, "nationality": "DE", "document_type": "passport"}
        first = OldResident.objects.create(family_name="A", document_number="E 123-456", **written)
        second = OldResident.objects.create(family_name="B", document_number="e123456", **written)
        none = OldResident.objects.create(family_name="C", station_id=station_a.pk)
        noted, empty = (
            OldConsultation.objects.create(
                station_id=station_a.pk,
                resident_id=first.pk,
                topic_id=topic.pk,
                starts_at=timezone.now() + timedelta(days=2, hours=hours),
                ends_at=timezone.now() + timedelta(days=2, hours=hours + 1),
                notes=notes,
            )
            for hours, notes in ((0, NOTE), (3, ""))
        )

        # one document written two ways: the migration stops before changing anything
        with pytest.raises(RuntimeError) as stopped:
            migrate(latest)
        assert f"resident ids, per document: {first.pk}, {second.pk})" in str(stopped.value)
        assert "123" not in str(stopped.value)
        assert raw_column(Resident, "document_number", first.pk) == "E 123-456"

        migrate(BEFORE)
        OldResident.objects.filter(pk=second.pk).delete()
        migrate(latest)
        token = raw_column(Resident, "document_number", first.pk)
        assert token.startswith("gAAAA") and crypto.decrypt(token) == "E 123-456"
        assert Resident.objects.get(pk=first.pk).document_number == "E 123-456"
        assert resident_by_document(station=station_a, number="e123456").pk == first.pk
        assert raw_column(Resident, "document_number", none.pk) == ""
        assert raw_column(Resident, "document_number_hash", none.pk) == ""
        assert NOTE not in raw_column(Consultation, "notes", noted.pk)
        assert Consultation.objects.get(pk=noted.pk).notes == NOTE
        assert raw_column(Consultation, "notes", empty.pk) == ""

        # run again, the data migration leaves tokens as they are
        import importlib

        data = importlib.import_module("residents.migrations.0003_document_number_encrypt_data")
        data.encrypt(migrate(latest), type("Editor", (), {"connection": connection}))
        assert raw_column(Resident, "document_number", first.pk) == token

        migrate(BEFORE)
        assert raw_column(Resident, "document_number", first.pk) == "E 123-456"
        assert raw_column(Consultation, "notes", noted.pk) == NOTE
    finally:
        migrate(latest)
