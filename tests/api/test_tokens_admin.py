"""Staff make and revoke their own API tokens in the admin; the key is shown
once and only its hash is kept."""

import hashlib
import re

import pytest

from accounts.models import ApiToken
from tests import factories
from tests.api.conftest import client_with_token
from tests.helpers import admin_url, log_in_verified, messages_of, post_action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def make_token(client, name="reporting"):
    response = client.post(admin_url(ApiToken, "add"), {"name": name, "expires_at_0": "",
                                                        "expires_at_1": ""}, follow=True)
    assert response.status_code == 200
    (message,) = [m for m in messages_of(response) if "API token" in m]
    return re.search(r"(ics_\S+)", message).group(1)


def test_a_manager_makes_a_token_sees_it_once_and_it_works(client_a, staff_a):
    key = make_token(client_a)
    token = ApiToken.objects.get()
    assert token.user == staff_a and token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values_list())
    assert client_with_token(key).get("/api/v1/stations/").status_code == 200
    listing = client_a.get(admin_url(ApiToken, "changelist")).content.decode()
    assert token.prefix in listing and key not in listing


def test_tokens_are_revoked_and_stop_working(client_a):
    key = make_token(client_a)
    token = ApiToken.objects.get()
    post_action(client_a, ApiToken, "revoke_selected", [token])
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_with_token(key).get("/api/v1/stations/").status_code == 401


def test_nobody_sees_or_revokes_another_persons_tokens(client, client_a, station_a):
    make_token(client_a)
    theirs = ApiToken.objects.get()
    colleague = factories.MembershipFactory(station=station_a, role="manager").user
    client.logout()
    log_in_verified(client, colleague)
    assert client.get(admin_url(ApiToken, "change", theirs.pk)).status_code in (302, 403, 404)
    listing = client.get(admin_url(ApiToken, "changelist"))
    assert list(listing.context["cl"].result_list) == []
    post_action(client, ApiToken, "revoke_selected", [theirs])
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
