"""`manage.py distribution_check`: can the station-owned tables be
distributed by station (Citus, docs/scaling.md), and what would have to
change?

Citus distributes a table by one column and needs that column in every
primary key and unique constraint of the table, and in every foreign key
between two distributed tables (so that the rows joined live together).
Tables without a station (regions, catalogues, accounts) become reference
tables, copied to every node, which any table may point at.

For every model with a `station` foreign key this lists: its primary key,
its unique constraints and unique fields without the station, and its
foreign keys to other station-owned tables (one column today, which would
become (station_id, id)). Exits 0; prints counts at the end.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import models

from stations.tenancy import is_station_owned


def _unique_sets(model) -> list[tuple[str, list[str]]]:
    out = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            out.append((f"unique field {field.name}", [field.name]))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            fields = list(constraint.fields) or [str(e) for e in constraint.expressions]
            out.append((f"unique constraint {constraint.name}", fields))
    for together in model._meta.unique_together:
        out.append(("unique_together", list(together)))
    return out


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        owned = sorted((m for m in apps.get_models() if is_station_owned(m)),
                       key=lambda m: m._meta.label)
        changes = 0
        self.stdout.write(f"{len(owned)} station-owned tables (to distribute by station_id):")
        for model in owned:
            notes = [f"primary key ({model._meta.pk.column}) -> (station_id, id)"]
            for what, fields in _unique_sets(model):
                if "station" not in fields:
                    notes.append(f"{what} {fields}: without station_id -> add it")
            for field in model._meta.concrete_fields:
                if not field.is_relation or field.name == "station":
                    continue
                target = field.related_model
                if is_station_owned(target):
                    notes.append(f"foreign key {field.column} -> {target._meta.db_table}: "
                                 "-> (station_id, " + field.column + ")")
            changes += len(notes)
            self.stdout.write(f"\n{model._meta.db_table}")
            for note in notes:
                self.stdout.write(f"  - {note}")
        reference = sorted(
            m._meta.db_table for m in apps.get_models()
            if not is_station_owned(m) and m._meta.app_label in
            {"stations", "events", "consultations", "accounts", "volunteers", "residents"}
        )
        self.stdout.write(f"\nreference tables (copied to every node): {', '.join(reference)}")
        self.stdout.write(f"\n{len(owned)} distributed tables, {changes} keys to widen")
