"""Encrypt the document numbers already stored and fill their keyed hashes.

Works on the raw column (the model's field would try to decrypt the plaintext
it is about to encrypt), in batches of one statement each. A value that the
configured keys already decrypt is left as it is, so running it again changes
nothing. Backwards: decrypt every value into plaintext (a value no configured
key opens stops it with crypto.DecryptionError) and empty the hashes, before
0002 makes the column varchar(40) again.
"""

from django.db import migrations

from stations import crypto

BATCH = 1000


def _rewrite(schema_editor, table: str, convert) -> None:
    """Run `convert(value) -> (stored, digest)` over every non-empty
    document_number of `table`, writing both back."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(table)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, document_number FROM {table} "
                "WHERE id > %s AND document_number <> '' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            ids, stored, digests = [], [], []
            for pk, value in rows:
                new_value, digest = convert(value)
                ids.append(pk)
                stored.append(new_value)
                digests.append(digest)
            cursor.execute(
                f"UPDATE {table} AS r SET document_number = n.value, document_number_hash = n.digest "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS value, "
                "unnest(%s::text[]) AS digest) AS n WHERE r.id = n.id",
                [ids, stored, digests],
            )
            last = rows[-1][0]


def _plaintext(value: str) -> str | None:
    """The plaintext of `value` if it is already a token of ours, else None."""
    try:
        return crypto.decrypt(value)
    except crypto.DecryptionError:
        return None


def encrypt(apps, schema_editor):
    def convert(value):
        plaintext = _plaintext(value)
        if plaintext is None:
            return crypto.encrypt(value), crypto.lookup_hash(value)
        return value, crypto.lookup_hash(plaintext)

    _rewrite(schema_editor, apps.get_model("residents", "Resident")._meta.db_table, convert)


def decrypt(apps, schema_editor):
    def convert(value):
        # every value is a token by now: one no key opens stops the way back
        return crypto.decrypt(value), ""

    _rewrite(schema_editor, apps.get_model("residents", "Resident")._meta.db_table, convert)


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0002_document_number_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
