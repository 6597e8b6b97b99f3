"""Validation shared by every station-owned model."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def check_same_station(instance: models.Model, *fields: str) -> None:
    """Every related row named in `fields` belongs to `instance.station`.

    Django has no composite foreign keys, so this rule lives here and in the
    services; it keeps each station's rows a closed set (and the schema ready
    to be distributed by station).
    """
    if not instance.station_id:
        return
    errors = {}
    for name in fields:
        related = getattr(instance, name, None)
        if related is not None and getattr(related, "station_id", None) != instance.station_id:
            errors[name] = _("This belongs to another station.")
    if errors:
        raise ValidationError(errors)


def check_period(start, end, *, end_field: str = "end") -> None:
    if start and end and end <= start:
        raise ValidationError({end_field: _("The end must be after the start.")})
