"""Writing reminder rows, always inside the caller's transaction.

The domain services call these in the same transaction as the change that
calls for a message, so a booking and its reminders commit or roll back
together: a cancelled booking's reminders are withdrawn with it, a moved
event's reminders move with it.

- `notice_add` writes a one-off message, due at once (a confirmation, a
  cancellation, a decision). Once per (kind, row, recipient, occasion): a
  second call changes nothing.
- `reminders_sync` brings the reminders *before* something in line with what
  the row needs now (`plan_before`): it moves pending rows whose moment moved,
  withdraws pending rows that no longer apply, and adds missing ones. A row
  already sent, failed or skipped is history and is never touched, so a
  reminder already sent for the old time is not sent again for it, and the
  new time gets a reminder of its own.
- `policy_update` changes a station's setting for a kind and replans.

After the transaction commits, the worker is asked to look at the table
(`reminders.kick.send_soon`): that request never waits on the broker, and when
it is lost the beat finds the rows within a minute anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from . import kick
from .kinds import DAYS, offset_label, spec
from .models import Kind, Reminder, ReminderPolicy

if TYPE_CHECKING:
    from accounts.models import User

Status = Reminder.Status
# Reminders counted in days go out at this local time of their day.
DAY_REMINDER_TIME = time(9, 0)


@dataclass(frozen=True)
class Planned:
    """One reminder a row needs: `slot` is which of the kind's times before
    ("24h"), `anchor` the moment or date it counts back from."""

    slot: str
    anchor: str
    remind_at: datetime
    stale_at: datetime | None = None
    data: dict = field(default_factory=dict)

    @property
    def occasion(self) -> str:
        return f"{self.slot}@{self.anchor}"


@dataclass(frozen=True)
class Policy:
    enabled: bool
    offsets: tuple[int, ...]


def policy_get(*, station_id: int | None, kind: str) -> Policy:
    """The station's setting for `kind`, or the default when it has none."""
    kind_spec = spec(kind)
    if station_id is not None:
        row = (
            ReminderPolicy.objects.filter(station_id=station_id, kind=kind)
            .values_list("enabled", "offsets")
            .first()
        )
        if row is not None:
            enabled, offsets = row
            if kind_spec.has_offsets:
                return Policy(enabled, tuple(sorted(offsets, reverse=True)))
            return Policy(enabled, ())
    return Policy(True, kind_spec.default_offsets)


def anchor_text(anchor: datetime | date) -> str:
    if isinstance(anchor, datetime):
        return anchor.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    return anchor.isoformat()


def plan_before(
    *,
    station_id: int | None,
    kind: str,
    anchor: datetime | date,
    stale_at: datetime | None = None,
    data: dict | None = None,
) -> list[Planned]:
    """The reminders of `kind` due before `anchor` (a moment, or for kinds in
    days a date, reminded at 09:00 local time), with the station's offsets.

    For kinds in days each reminder is stale once the next, closer one is due,
    so a beat that was down for weeks sends the closest one only."""
    offsets = policy_get(station_id=station_id, kind=kind).offsets
    planned = []
    if spec(kind).unit == DAYS:
        day_times = [
            timezone.make_aware(datetime.combine(anchor - timedelta(days=days), DAY_REMINDER_TIME))
            for days in offsets
        ]
        for index, days in enumerate(offsets):
            closer = day_times[index + 1] if index + 1 < len(day_times) else stale_at
            planned.append(
                Planned(
                    slot=offset_label(kind, days),
                    anchor=anchor_text(anchor),
                    remind_at=day_times[index],
                    stale_at=closer,
                    data={**(data or {}), "days": days},
                )
            )
        return planned
    for hours in offsets:
        planned.append(
            Planned(
                slot=offset_label(kind, hours),
                anchor=anchor_text(anchor),
                remind_at=anchor - timedelta(hours=hours),
                stale_at=stale_at if stale_at is not None else anchor,
                data={**(data or {}), "hours": hours},
            )
        )
    return planned


def _after_commit_send_soon() -> None:
    transaction.on_commit(kick.send_soon)


def notice_add(
    *,
    station_id: int | None,
    kind: str,
    target_id: int,
    recipients: Iterable[str] = ("resident",),
    occasion: str = "",
    stale_at: datetime | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Write one-off messages of `kind` about row `target_id`, due now, one
    per recipient. Writing the same message again changes nothing."""
    now = now or timezone.now()
    rows = [
        Reminder(
            station_id=station_id,
            kind=kind,
            target_id=target_id,
            recipient=recipient,
            occasion=occasion,
            remind_at=now,
            next_attempt_at=now,
            stale_at=stale_at,
            data=data or {},
        )
        for recipient in recipients
    ]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    _after_commit_send_soon()


def _still_wanted(plan: Planned, now: datetime, catch_up: bool) -> bool:
    return catch_up and (plan.stale_at is None or now < plan.stale_at)


def _slot(occasion: str) -> str:
    return occasion.split("@", 1)[0]


def reminders_sync(
    *,
    station_id: int | None,
    kind: str,
    target_id: int,
    recipient: str = "resident",
    planned: list[Planned],
    catch_up: bool = False,
    now: datetime | None = None,
) -> None:
    """Make the pending reminders of `kind` for (row, recipient) exactly
    `planned`; an empty list withdraws them all.

    A new reminder whose time has already passed is not written (the
    confirmation the person just got says the same), unless `catch_up` (a
    document already within 30 days of expiring is worth telling at once, if
    the reminder is not stale yet). A pending one that moves into the past is
    due at once, unless it is stale."""
    now = now or timezone.now()
    rows = list(
        Reminder.objects.select_for_update()
        .filter(station_id=station_id, kind=kind, target_id=target_id, recipient=recipient)
        .order_by("pk")
    )
    by_occasion = {row.occasion: row for row in rows}
    wanted = {plan.occasion for plan in planned}
    loose = [row for row in rows if row.status == Status.PENDING and row.occasion not in wanted]
    soon = False
    for plan in planned:
        row = by_occasion.get(plan.occasion)
        if row is None:
            row = next((r for r in loose if _slot(r.occasion) == plan.slot), None)
            if row is not None:
                loose.remove(row)
                row.occasion = plan.occasion
        if row is None:
            if plan.remind_at <= now and not _still_wanted(plan, now, catch_up):
                continue
            row = Reminder(
                station_id=station_id,
                kind=kind,
                target_id=target_id,
                recipient=recipient,
                occasion=plan.occasion,
            )
        elif row.status == Status.CANCELLED and row.reason == Reminder.Reason.CHANGED:
            if plan.remind_at <= now and not _still_wanted(plan, now, catch_up):
                continue
            row.status, row.reason = Status.PENDING, ""
        elif row.status == Status.SENDING:
            # a worker is handing it to the mail server right now; should that
            # fail, its retry keeps to the new plan (next_attempt_at is the
            # worker's claim and stays)
            row.remind_at, row.stale_at, row.data = plan.remind_at, plan.stale_at, plan.data
            row.save(update_fields=["remind_at", "stale_at", "data", "updated_at"])
            continue
        elif row.status != Status.PENDING:
            continue  # sent, failed or skipped: history
        row.remind_at = row.next_attempt_at = plan.remind_at
        row.stale_at = plan.stale_at
        row.data = plan.data
        row.save()
        soon = soon or row.remind_at <= now
    for row in loose:
        row.status, row.reason = Status.CANCELLED, Reminder.Reason.CHANGED
        row.save(update_fields=["status", "reason", "updated_at"])
    for row in rows:
        if row.status == Status.SENDING and row.occasion not in wanted:
            # being sent for a time that no longer holds: it cannot be withdrawn
            # mid-send, but should the send fail it is not tried again
            row.stale_at = now
            row.save(update_fields=["stale_at", "updated_at"])
    if soon:
        _after_commit_send_soon()


def reminders_add_new(
    *,
    kind: str,
    targets: Iterable[tuple[int | None, int, list[Planned]]],
    recipient: str = "resident",
    catch_up: bool = False,
    now: datetime | None = None,
) -> int:
    """Write the reminders of `kind` planned for rows that have none yet
    (`targets`: station, row id and its plans), exactly as `reminders_sync`
    would add them to an empty list, in one bulk insert: for rows created in
    bulk. Returns how many were written."""
    now = now or timezone.now()
    rows, soon = [], False
    for station_id, target_id, planned in targets:
        for plan in planned:
            if plan.remind_at <= now and not _still_wanted(plan, now, catch_up):
                continue
            rows.append(
                Reminder(
                    station_id=station_id,
                    kind=kind,
                    target_id=target_id,
                    recipient=recipient,
                    occasion=plan.occasion,
                    remind_at=plan.remind_at,
                    next_attempt_at=plan.remind_at,
                    stale_at=plan.stale_at,
                    data=plan.data,
                )
            )
            soon = soon or plan.remind_at <= now
    Reminder.objects.bulk_create(rows, batch_size=2000)
    if soon:
        _after_commit_send_soon()
    return len(rows)


def reminders_withdraw(
    *, station_id: int | None, kinds: Iterable[str], target_ids: Iterable[int]
) -> int:
    """Withdraw every pending message of `kinds` about `target_ids` (the rows
    are being deleted, or no longer call for any message). Returns how many."""
    target_ids = list(target_ids)
    if not target_ids:
        return 0
    return Reminder.objects.filter(
        station_id=station_id,
        kind__in=list(kinds),
        target_id__in=target_ids,
        status=Status.PENDING,
    ).update(status=Status.CANCELLED, reason=Reminder.Reason.CHANGED, updated_at=timezone.now())


def policies_ensure(*, station_ids: Iterable[int]) -> None:
    """Give each station a setting row for every switchable kind, with the
    defaults, so that its managers see and change all of them."""
    from .kinds import registered

    rows = [
        ReminderPolicy(
            station_id=station_id, kind=kind, enabled=True, offsets=list(kind_spec.default_offsets)
        )
        for station_id in station_ids
        for kind, kind_spec in registered().items()
        if kind_spec.switchable
    ]
    ReminderPolicy.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def policy_update(
    *, policy: ReminderPolicy, actor: User | None, enabled: bool, offsets: list[int]
) -> ReminderPolicy:
    """Change a station's setting for one kind. Changed times before move the
    station's pending reminders of that kind in the same transaction;
    switching a kind off or on takes effect when each message falls due."""
    kind_spec = spec(policy.kind)
    locked = ReminderPolicy.objects.select_for_update().get(pk=policy.pk)
    old_offsets = sorted(locked.offsets)
    locked.enabled = enabled
    locked.offsets = sorted(set(offsets), reverse=True) if kind_spec.has_offsets else []
    locked.updated_by = actor
    locked.full_clean()
    locked.save()
    if kind_spec.has_offsets and sorted(locked.offsets) != old_offsets and kind_spec.replan:
        kind_spec.replan(locked.station_id)
    policy.enabled, policy.offsets = locked.enabled, locked.offsets
    return locked


__all__ = [
    "Kind",
    "Planned",
    "Policy",
    "anchor_text",
    "notice_add",
    "plan_before",
    "policies_ensure",
    "policy_get",
    "policy_update",
    "reminders_replan_station",
    "reminders_sync",
    "reminders_withdraw",
]


def reminders_replan_station(*, station_id: int) -> dict[str, int]:
    """Plan every reminder-before kind for all of a station's rows still to
    come, as the services would have (after a bulk import or the demo load).
    Returns {kind: rows looked at}."""
    from .kinds import registered

    return {
        kind: kind_spec.replan(station_id)
        for kind, kind_spec in registered().items()
        if kind_spec.replan is not None
    }
