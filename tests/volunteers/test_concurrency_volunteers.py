"""Two volunteers take the last place of a shift at the same moment, in two
real database sessions. The shift row lock makes the second one wait and then
find the shift full; without the lock both would get in."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone, translation

from stations.tenancy import station_scope
from tests import factories
from volunteers.models import Signup
from volunteers.services import signup_create

pytestmark = pytest.mark.usefixtures("english")


def race_for_the_last_place(monkeypatch, station):
    shift = factories.ShiftFactory(
        opportunity__station=station,
        capacity=1,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
    )
    volunteers = [factories.ResidentFactory(station=station) for _ in range(2)]

    # The first session pauses after it counted the free places and before it
    # inserts; the second starts during that pause.
    first_counted = threading.Event()
    original_full_clean = Signup.full_clean

    def pause_once(self, *args, **kwargs):
        if not first_counted.is_set():
            first_counted.set()
            time.sleep(0.5)
        return original_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Signup, "full_clean", pause_once)
    outcomes = {}

    def sign_up(index):
        try:
            with translation.override("en"), station_scope(station):
                signup_create(shift=shift, volunteer=volunteers[index])
            outcomes[index] = "signed up"
        except Exception as exc:  # noqa: BLE001 - the test reports whatever happened
            outcomes[index] = exc
        finally:
            connection.close()

    first = threading.Thread(target=sign_up, args=(0,))
    first.start()
    assert first_counted.wait(timeout=20)
    second = threading.Thread(target=sign_up, args=(1,))
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)
    return shift, outcomes


@pytest.mark.django_db(transaction=True)
def test_two_volunteers_racing_for_the_last_place(station_a, monkeypatch):
    shift, outcomes = race_for_the_last_place(monkeypatch, station_a)
    assert outcomes[0] == "signed up"
    assert isinstance(outcomes[1], ValidationError), repr(outcomes[1])
    assert outcomes[1].messages == ["This shift is full: its only place is taken."]
    assert Signup.objects.filter(shift=shift, status="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_race_happens_without_the_lock(station_a, monkeypatch):
    """Negative control: the test above passes because of the lock."""
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *args, **kwargs: self)
    shift, outcomes = race_for_the_last_place(monkeypatch, station_a)
    assert outcomes == {0: "signed up", 1: "signed up"}
    assert Signup.objects.filter(shift=shift, status="active").count() == 2
