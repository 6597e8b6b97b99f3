"""What each station role may do in the staff admin.

Permissions come from the role a person holds at a station, not from Django's
per-user permission table: a manager at one station may be plain staff at
another, and the answer depends on the row's station. Superusers may do
everything. City-wide catalogues (regions, event categories, topics) are
read-only for station roles.
"""

from __future__ import annotations

from .models import StationMembership

Role = StationMembership.Role

ALL = frozenset({"view", "add", "change", "delete"})
EDIT = frozenset({"view", "add", "change"})
VIEW = frozenset({"view"})
NONE: frozenset[str] = frozenset()

# Station-owned models not listed here follow DEFAULT.
DEFAULT = {Role.MANAGER: ALL, Role.STAFF: EDIT, Role.COUNSELLOR: VIEW}

MATRIX: dict[str, dict[str, frozenset[str]]] = {
    "stations.station": {
        Role.MANAGER: frozenset({"view", "change"}),
        Role.STAFF: VIEW,
        Role.COUNSELLOR: VIEW,
    },
    "stations.stationmembership": {Role.MANAGER: ALL, Role.STAFF: VIEW, Role.COUNSELLOR: NONE},
    "stations.partner": {Role.MANAGER: ALL, Role.STAFF: VIEW, Role.COUNSELLOR: VIEW},
    "consultations.consultation": {Role.MANAGER: ALL, Role.STAFF: EDIT, Role.COUNSELLOR: EDIT},
    "consultations.counsellor": {Role.MANAGER: ALL, Role.STAFF: VIEW, Role.COUNSELLOR: VIEW},
    "consultations.availability": {Role.MANAGER: ALL, Role.STAFF: EDIT, Role.COUNSELLOR: EDIT},
    # the audit log: managers read their station's; nobody writes
    "stations.auditentry": {Role.MANAGER: VIEW, Role.STAFF: NONE, Role.COUNSELLOR: NONE},
    # the outbox: staff see what was sent and why not, and may try again;
    # managers set which messages go out and how long before
    "reminders.reminder": {
        Role.MANAGER: frozenset({"view", "change"}),
        Role.STAFF: frozenset({"view", "change"}),
        Role.COUNSELLOR: VIEW,
    },
    "reminders.reminderpolicy": {
        Role.MANAGER: frozenset({"view", "change"}),
        Role.STAFF: VIEW,
        Role.COUNSELLOR: VIEW,
    },
    # city-wide catalogues: every role reads, only superusers write
    "stations.region": {Role.MANAGER: VIEW, Role.STAFF: VIEW, Role.COUNSELLOR: VIEW},
    "events.eventcategory": {Role.MANAGER: VIEW, Role.STAFF: VIEW, Role.COUNSELLOR: VIEW},
    "consultations.topic": {Role.MANAGER: VIEW, Role.STAFF: VIEW, Role.COUNSELLOR: VIEW},
}


def actions_for(role: str, model_label: str) -> frozenset[str]:
    return MATRIX.get(model_label, DEFAULT).get(role, NONE)


def role_allows(
    roles: dict[int, str], model_label: str, action: str, station_id: int | None = None
) -> bool:
    """Whether someone holding `roles` ({station id: role}) may do `action`.

    With `station_id`, the role at that station decides; without it (a list
    page, an add page), any of the person's roles may grant it.
    """
    if station_id is not None:
        role = roles.get(station_id)
        return role is not None and action in actions_for(role, model_label)
    return any(action in actions_for(role, model_label) for role in roles.values())
