import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever catalogues exist."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_a(client, staff_a):
    client.force_login(staff_a)
    return client
