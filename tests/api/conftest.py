import pytest
from rest_framework.test import APIClient

from accounts.apitokens import api_token_create
from tests import factories


def token_for(user) -> str:
    _token, key = api_token_create(user=user, actor=user, name="test")
    return key


def client_with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_a(staff_a):
    """Station A's manager, with a token."""
    return client_with_token(token_for(staff_a))


@pytest.fixture
def api_for():
    """A client with a token of a new member of `station` with `role`."""

    def make(station, role: str) -> APIClient:
        user = factories.MembershipFactory(station=station, role=role).user
        return client_with_token(token_for(user))

    return make
