"""Consultation notes encrypted at rest (schema). The column stays `text`;
0005 encrypts the notes already stored."""

from django.db import migrations

import stations.fields


class Migration(migrations.Migration):

    dependencies = [
        ("consultations", "0003_availability"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consultation",
            name="notes",
            field=stations.fields.EncryptedTextField(blank=True, verbose_name="notes"),
        ),
    ]
