"""`manage.py distribution_check` names every station-owned table and what
would have to change to distribute it by station (docs/scaling.md)."""

from io import StringIO

from django.apps import apps
from django.core.management import call_command

from stations.tenancy import is_station_owned


def test_every_station_owned_table_is_reported_with_its_keys_to_widen():
    out = StringIO()
    call_command("distribution_check", stdout=out)
    text = out.getvalue()
    for model in apps.get_models():
        if is_station_owned(model):
            assert f"\n{model._meta.db_table}\n" in text
    # a foreign key between two station-owned tables, and a unique field
    # without the station: both named
    assert "foreign key event_id -> events_event: -> (station_id, event_id)" in text
    assert "unique field token ['token']: without station_id" in text
    assert "reference tables (copied to every node): " in text
