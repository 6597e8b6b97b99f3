"""The index and the one-document-per-station constraint, now on the keyed
hash of the normalised number (filled by 0003)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0003_document_number_encrypt_data"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["document_number_hash"], name="resident_doc_hash_idx"),
        ),
        migrations.AddConstraint(
            model_name="resident",
            constraint=models.UniqueConstraint(
                condition=models.Q(("document_number_hash", ""), _negated=True),
                fields=("station", "document_type", "document_number_hash"),
                name="resident_unique_document_per_station",
                violation_error_message=(
                    "A resident with this document number is already registered at this station."
                ),
            ),
        ),
    ]
