"""`manage.py rotate_encryption_keys`: re-encrypt every encrypted value with the
current key and recompute every lookup hash with the current hash key.

Rotation (docs/security.md, "Encryption at rest"):
1. put the new key first in FIELD_ENCRYPTION_KEYS, keep the old ones after it,
   and restart every process (web, worker, beat): new values are written with
   the new key, old ones still open. Processes restarted one by one must all
   know the new key before any writes with it: add it last everywhere first,
   then move it first;
2. run this command;
3. drop the old keys from FIELD_ENCRYPTION_KEYS and restart.
A new FIELD_HASH_KEY takes effect for lookups at once, but stored hashes only
once this command has run: change it with the portal stopped, run the command,
start again.

`--forget-unreadable` is for a key that is lost for good: values no configured
key opens are emptied (and their hashes), each recorded in the audit log as a
change by the system, instead of stopping the command. What they held is gone
either way; emptied, the rows can be read and edited again.

Invariants:
- Every encrypted field (EncryptedFieldMixin) and KeyedHashField of every model is
  covered (found through the app registry), not a fixed list.
- A value already encrypted with the first key is left as it is, and a hash
  that is already right too: a second run changes nothing and says so.
- Rows are read and written in batches of --batch-size, each batch locked
  (SELECT ... FOR UPDATE) in its own transaction, so an edit made meanwhile
  is neither lost nor overwritten; the command can be stopped and run again.
- A value that no configured key opens stops the command with the model, the
  row id and the field, never the value; nothing of that batch is written
  (unless --forget-unreadable).
- It writes with bulk_update: no audit entry (no personal data changed), and
  `updated_at` stays as it was. Emptied values are the exception: recorded.
- City-wide: scopes are disabled, every station's rows are rotated.
"""

from __future__ import annotations

import dataclasses

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast
from django_scopes import scopes_disabled

from stations import crypto
from stations.audit import AUDITED, MASK
from stations.fields import EncryptedFieldMixin, KeyedHashField
from stations.models import AuditEntry


@dataclasses.dataclass
class Counts:
    values: int = 0
    changed: int = 0
    forgotten: list[int] = dataclasses.field(default_factory=list)


def _raw(field: models.Field) -> str:
    return f"_raw_{field.attname}"


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of FIELD_ENCRYPTION_KEYS and "
        "recompute every lookup hash with FIELD_HASH_KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--forget-unreadable",
            action="store_true",
            help="empty the values no configured key opens (a key lost for good) instead of "
            "stopping; recorded in the audit log",
        )

    def handle(self, *args, batch_size: int, forget_unreadable: bool, **options):
        self.forget_unreadable = forget_unreadable
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.stdout.write(
            f"FIELD_ENCRYPTION_KEYS holds {len(settings.FIELD_ENCRYPTION_KEYS)} key(s); "
            "values are written with the first."
        )
        with scopes_disabled():
            for model in apps.get_models():
                encrypted = [
                    f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)
                ]
                hashes = [f for f in model._meta.concrete_fields if isinstance(f, KeyedHashField)]
                if encrypted or hashes:
                    self.rotate(model, encrypted, hashes, batch_size)
        self.stdout.write(
            self.style.SUCCESS(
                "Done: every value opens with the first key alone; the other keys can now be "
                "removed from FIELD_ENCRYPTION_KEYS."
            )
        )

    def rotate(self, model, encrypted, hashes, batch_size: int) -> None:
        counts = {f.name: Counts() for f in (*encrypted, *hashes)}
        by_name = {f.name: f for f in model._meta.concrete_fields}
        plain_sources = {
            h.source for h in hashes if not isinstance(by_name[h.source], EncryptedFieldMixin)
        }
        written = [f.attname for f in (*encrypted, *hashes)]
        audited = model._meta.label_lower in AUDITED and "station" in by_name
        last_pk = None
        while True:
            with transaction.atomic():
                qs = model._base_manager.order_by("pk").select_for_update(of=("self",))
                if last_pk is not None:
                    qs = qs.filter(pk__gt=last_pk)
                # the stored tokens, not the values the field would decrypt
                tokens = {_raw(f): Cast(f.attname, models.TextField()) for f in encrypted}
                qs = qs.annotate(**tokens)
                rows = list(
                    qs.values(
                        "pk",
                        *[_raw(f) for f in encrypted],
                        *[by_name[name].attname for name in plain_sources],
                        *[h.attname for h in hashes],
                        *(["station_id"] if audited else []),
                    )[:batch_size]
                )
                if not rows:
                    break
                last_pk = rows[-1]["pk"]
                updates, forgotten = [], []
                for row in rows:
                    values, stale = {}, False
                    for field in encrypted:
                        token = row[_raw(field)]
                        try:
                            values[field.attname] = crypto.decrypt(token) if token else token
                        except crypto.DecryptionError as exc:
                            if self.forget_unreadable:
                                values[field.attname] = ""
                                counts[field.name].forgotten.append(row["pk"])
                                forgotten.append((row, field))
                                stale = True
                                continue
                            raise CommandError(
                                f"{model._meta.label} id {row['pk']}: {field.name} cannot be "
                                "decrypted with any key in FIELD_ENCRYPTION_KEYS (encrypted with "
                                "a key that is no longer configured, or altered). Nothing of "
                                "this batch was written; earlier batches were."
                            ) from exc
                        if token:
                            counts[field.name].values += 1
                            if not crypto.is_current(token):
                                counts[field.name].changed += 1
                                stale = True
                    for name in plain_sources:
                        values[by_name[name].attname] = row[by_name[name].attname]
                    for field in hashes:
                        digest = crypto.lookup_hash(values[by_name[field.source].attname] or "")
                        if digest:
                            counts[field.name].values += 1
                        if row[field.attname] != digest:
                            counts[field.name].changed += 1
                            stale = True
                        values[field.attname] = digest
                    if stale:
                        updates.append(
                            model(pk=row["pk"], **{name: values[name] for name in written})
                        )
                if updates:
                    model._base_manager.bulk_update(updates, written)
                if audited and forgotten:
                    AuditEntry.objects.bulk_create(
                        AuditEntry(
                            station_id=row["station_id"],
                            actor_kind=AuditEntry.ActorKind.SYSTEM,
                            action=AuditEntry.Action.CHANGE,
                            model=model._meta.label_lower,
                            object_id=str(row["pk"]),
                            changes={field.name: [MASK, MASK]},
                        )
                        for row, field in forgotten
                    )
        for name, count in counts.items():
            verb = "recomputed" if isinstance(by_name[name], KeyedHashField) else "re-encrypted"
            line = f"{model._meta.label}.{name}: {count.values} value(s), {count.changed} {verb}"
            if count.forgotten:
                ids = ", ".join(str(pk) for pk in count.forgotten)
                line += f"; {len(count.forgotten)} unreadable, emptied (ids {ids})"
            self.stdout.write(line)
