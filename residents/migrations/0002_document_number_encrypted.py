"""Document numbers encrypted at rest, found through a keyed hash (schema).

Order: first check that no two residents of a station hold the same document
once numbers are normalised (the new unique constraint compares normalised
numbers: "E 123-456" and "e123456" are one document); then drop the constraint
and index on the plaintext column, make the column `text` for the
ciphertext and add the hash. 0003 encrypts the values, 0004 adds the index
and constraint on the hash.
"""

from collections import defaultdict

from django.db import migrations

import stations.fields
from stations.crypto import normalize_identifier


def refuse_duplicates_once_normalised(apps, schema_editor):
    Resident = apps.get_model("residents", "Resident")
    seen = defaultdict(list)
    rows = (
        Resident._base_manager.exclude(document_number="")
        .values_list("pk", "station_id", "document_type", "document_number")
        .order_by("pk")
        .iterator()
    )
    for pk, station_id, document_type, number in rows:
        normalized = normalize_identifier(number)
        if normalized:
            seen[(station_id, document_type, normalized)].append(pk)
    clashes = sorted(pks for pks in seen.values() if len(pks) > 1)
    if clashes:
        listed = "; ".join(", ".join(str(pk) for pk in pks) for pks in clashes)
        # ids only: the numbers themselves must not reach a deployment log
        raise RuntimeError(
            "These residents hold the same document number at one station, written with "
            f"other spaces, dashes or case (resident ids, per document: {listed}). Merge or "
            "correct them with the current version of the portal, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0001_initial"),
    ]

    operations = [
        # reads the plaintext column through the old field: must run first
        migrations.RunPython(refuse_duplicates_once_normalised, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="resident",
            name="resident_unique_document_per_station",
        ),
        migrations.RemoveIndex(
            model_name="resident",
            name="resident_station_doc_idx",
        ),
        migrations.AlterField(
            model_name="resident",
            name="document_number",
            field=stations.fields.EncryptedCharField(
                blank=True, max_length=40, verbose_name="document number"
            ),
        ),
        migrations.AddField(
            model_name="resident",
            name="document_number_hash",
            field=stations.fields.KeyedHashField(
                blank=True, default="", editable=False, max_length=64, source="document_number"
            ),
        ),
    ]
