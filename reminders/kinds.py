"""The registry of message kinds: what each says, to whom, and when.

Each domain app describes its own kinds in `<app>/reminders.py` and registers
them here when Django starts (RemindersConfig.ready). The reminders app knows
nothing of events or consultations; the domain apps know nothing of sending.

A kind has
- `build(reminder, now)`: the message for one due row (a
  `stations.notify.Outgoing`), read fresh from the database at sending time
  `now`, or `Skip(reason)` when it is not to be sent (the registration was
  cancelled, the row it is about was deleted);
- for reminders *before* something, `unit` ("hours" or "days") and the
  default times before, which each station may change (ReminderPolicy), and
  `replan(station_id)`, which brings every pending row of the station in line
  after such a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from .models import Kind, Reminder

HOURS = "hours"
DAYS = "days"
UNIT_LABELS = {HOURS: _("hours before"), DAYS: _("days before")}


class Skip(Exception):  # noqa: N818 - an outcome, not an error
    """The row is not to be sent; `reason` is a Reminder.Reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class KindSpec:
    kind: str
    build: Callable[[Reminder, datetime], object]
    unit: str | None = None
    default_offsets: tuple[int, ...] = ()
    replan: Callable[[int], int] | None = None
    switchable: bool = True
    # the recipients a kind writes to, for the admin's explanation
    recipients: tuple[str, ...] = field(default=("resident",))

    @property
    def has_offsets(self) -> bool:
        return self.unit is not None


_REGISTRY: dict[str, KindSpec] = {}


def register(kind: str, **options) -> Callable:
    """Decorator for a kind's `build` function."""
    if kind not in Kind.values:
        raise ValueError(f"unknown reminder kind {kind!r}: add it to reminders.models.Kind")

    def decorator(build: Callable[[Reminder, datetime], object]) -> Callable:
        _REGISTRY[kind] = KindSpec(kind=kind, build=build, **options)
        return build

    return decorator


def spec(kind: str) -> KindSpec:
    try:
        return _REGISTRY[kind]
    except KeyError as exc:
        raise LookupError(f"no domain app registered reminder kind {kind!r}") from exc


def registered() -> dict[str, KindSpec]:
    return dict(_REGISTRY)


def offset_label(kind: str, offset: int) -> str:
    """The slot part of an occasion: "24h", "7d"."""
    return f"{offset}{'d' if spec(kind).unit == DAYS else 'h'}"
