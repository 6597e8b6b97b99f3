import pytest

from tests import factories


@pytest.mark.django_db
def test_factories_build_a_consistent_world():
    registration = factories.RegistrationFactory()
    assert (
        registration.resident.station_id == registration.event.station_id == registration.station_id
    )
    consultation = factories.ConsultationFactory()
    assert consultation.counsellor.station_id == consultation.station_id
    signup = factories.SignupFactory()
    assert signup.volunteer.station_id == signup.shift.station_id
    for obj in (
        registration,
        consultation,
        signup,
        factories.HoursEntryFactory(),
        factories.ConsentFactory(),
    ):
        obj.full_clean()
