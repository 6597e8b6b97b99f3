"""Encrypt the consultation notes already stored.

Works on the raw column (the model's field would try to decrypt the plaintext
it is about to encrypt), in batches of one statement each. A value that the
configured keys already decrypt is left as it is, so running it again changes
nothing. Backwards: decrypt every note into plaintext (a value no configured
key opens stops it with crypto.DecryptionError).
"""

from django.db import migrations

from stations import crypto

BATCH = 1000


def _rewrite(schema_editor, table: str, convert) -> None:
    """Write `convert(value)` over every non-empty note of `table`."""
    connection = schema_editor.connection
    table = connection.ops.quote_name(table)
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, notes FROM {table} WHERE id > %s AND notes <> '' ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.execute(
                f"UPDATE {table} AS c SET notes = n.value "
                "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS value) AS n "
                "WHERE c.id = n.id",
                [[pk for pk, _ in rows], [convert(value) for _, value in rows]],
            )
            last = rows[-1][0]


def encrypt(apps, schema_editor):
    def convert(value):
        try:
            crypto.decrypt(value)
        except crypto.DecryptionError:
            return crypto.encrypt(value)
        return value  # already a token of ours

    _rewrite(schema_editor, apps.get_model("consultations", "Consultation")._meta.db_table, convert)


def decrypt(apps, schema_editor):
    _rewrite(
        schema_editor, apps.get_model("consultations", "Consultation")._meta.db_table, crypto.decrypt
    )


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0004_consultation_notes_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
    ]
