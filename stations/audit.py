"""The audit log of personal data: who created, changed, deleted, viewed or
exported it, when, from where, and what changed (stations.models.AuditEntry).

How entries are made:
- saves and deletes of the models in AUDITED are recorded by signal receivers
  (connected in StationsConfig.ready), whichever code path saved them (the
  admin, the public site, a service, a task): a cross-cutting record, as
  django-simple-history and django-auditlog keep theirs, not a business rule;
- views of sensitive fields (a resident's document, consultation notes) and
  exports of a person's data are recorded by the views that show them
  (`record_view`).
- Who and from where come from the request (`AuditMiddleware` sets a context
  variable); outside a request (a task, a command) the actor is "system".

Values of personal fields are never stored: a changed name is recorded as
"name changed", not with the name. Writes that bypass `save()` (a queryset
`update()`, `bulk_create`) are not recorded (docs/security.md).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import models

MASK = "•••"

# model label -> the fields whose values are personal (masked in the log)
AUDITED: dict[str, frozenset[str]] = {
    "residents.resident": frozenset(
        {
            "family_name", "given_name", "chinese_name", "phone", "email", "address",
            "document_number", "document_number_hash", "document_expires",
        }
    ),
    "residents.consent": frozenset(),
    "consultations.consultation": frozenset({"notes"}),
    "events.registration": frozenset({"token"}),
    "volunteers.hoursentry": frozenset({"description"}),
    "volunteers.signup": frozenset(),
}
# kept by the database on every save: not a change anyone made
UNTRACKED = frozenset({"id", "updated_at"})


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    kind: str
    address: str | None


SYSTEM = Actor(None, "system", None)
_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def actor_for_request(request) -> Actor:
    from stations.security import client_address

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Actor(None, "resident", client_address(request))
    kind = "staff" if user.is_staff or user.is_superuser else "resident"
    return Actor(user.pk, kind, client_address(request))


class AuditMiddleware:
    """Makes the request's user and address the actor of what it records."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(actor_for_request(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _values(instance: models.Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _shown(name: str, value, personal: frozenset[str]):
    field = name[:-3] if name.endswith("_id") else name
    return MASK if field in personal or name in personal else _plain(value)


def _write(instance, action: str, changes: dict) -> None:
    from stations.models import AuditEntry

    actor = current_actor()
    AuditEntry.objects.create(
        station_id=instance.station_id,
        actor_id=actor.user_id,
        actor_kind=actor.kind,
        address=actor.address,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        changes=changes,
    )


def remember_before_save(sender, instance, raw=False, **kwargs):
    label = sender._meta.label_lower
    if raw or label not in AUDITED:
        return
    before = None
    if instance.pk is not None:
        before = sender._base_manager.filter(pk=instance.pk).values(
            *[f.attname for f in sender._meta.concrete_fields]
        ).first()
    instance._audit_before = before


def record_save(sender, instance, created, raw=False, **kwargs):
    label = sender._meta.label_lower
    if raw or label not in AUDITED:
        return
    personal = AUDITED[label]
    before = getattr(instance, "_audit_before", None)
    after = _values(instance)
    if created or before is None:
        changes = {
            name: _shown(name, value, personal)
            for name, value in after.items()
            if name not in UNTRACKED and value not in (None, "")
        }
        _write(instance, "create", changes)
        return
    changes = {
        name: [_shown(name, before.get(name), personal), _shown(name, value, personal)]
        for name, value in after.items()
        if name not in UNTRACKED and before.get(name) != value
    }
    if changes:
        _write(instance, "change", changes)


def record_delete(sender, instance, **kwargs):
    if sender._meta.label_lower in AUDITED:
        _write(instance, "delete", {})


def record_view(instance: models.Model, fields: list[str], *, action: str = "view") -> None:
    """Record that the current actor was shown `fields` of `instance`."""
    _write(instance, action, {"fields": list(fields)})


def record_bulk(
    instances, action: str, *, before: dict | None = None, fields: list[str] | None = None
) -> None:
    """The entries `record_save` would have written, for rows written in bulk
    (a spreadsheet import: bulk_create and bulk_update skip the signals), or
    `record_view`'s (with `fields`) for rows exported. `before` maps a changed row's pk to its
    values before the change ({attname: value})."""
    from stations.models import AuditEntry

    actor = current_actor()
    entries = []
    for instance in instances:
        label = instance._meta.label_lower
        personal = AUDITED.get(label, frozenset())
        after = _values(instance)
        if action == "create":
            changes = {
                name: _shown(name, value, personal)
                for name, value in after.items()
                if name not in UNTRACKED and value not in (None, "")
            }
        elif action == "change":
            old = (before or {}).get(instance.pk, {})
            changes = {
                name: [_shown(name, old.get(name), personal), _shown(name, value, personal)]
                for name, value in after.items()
                if name not in UNTRACKED and name in old and old.get(name) != value
            }
            if not changes:
                continue
        else:
            changes = {"fields": list(fields or [])}
        entries.append(
            AuditEntry(
                station_id=instance.station_id,
                actor_id=actor.user_id,
                actor_kind=actor.kind,
                address=actor.address,
                action=action,
                model=label,
                object_id=str(instance.pk),
                changes=changes,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
