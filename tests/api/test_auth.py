"""Who may call the API: tokens of staff and officials, residents' sessions
for their own data, nobody else; errors in one shape, in the caller's
language."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.apitokens import api_token_create, api_token_revoke
from accounts.models import ApiToken
from tests import factories
from tests.api.conftest import client_with_token, token_for
from tests.helpers import log_in_verified

pytestmark = pytest.mark.django_db


def test_no_credentials_answer_401_with_the_bearer_challenge(station_a):
    response = APIClient().get("/api/v1/residents/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    # without Accept-Language: the portal's default language, Chinese
    assert APIClient().get("/api/v1/residents/").json() == {"detail": "身份认证信息未提供。"}


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("en", "This API token is not valid: it is unknown, revoked or expired."),
        ("zh-hans", "此 API 令牌无效：令牌不存在、已撤销或已过期。"),
    ],
)
def test_an_unknown_token_is_refused_in_the_callers_language(language, detail):
    client = client_with_token("ics_not-a-real-token")
    response = client.get("/api/v1/residents/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}


def test_revoked_and_expired_tokens_and_inactive_accounts_open_nothing(staff_a):
    revoked_token, revoked = api_token_create(user=staff_a, actor=staff_a, name="old")
    api_token_revoke(token=revoked_token, actor=staff_a)
    expiring, expired = api_token_create(
        user=staff_a, actor=staff_a, name="soon", expires_at=timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now())
    for key in (revoked, expired):
        assert client_with_token(key).get("/api/v1/residents/").status_code == 401
    good = token_for(staff_a)
    assert client_with_token(good).get("/api/v1/residents/").status_code == 200
    staff_a.is_active = False
    staff_a.save()
    assert client_with_token(good).get("/api/v1/residents/").status_code == 401


def test_a_token_request_leaves_no_session_behind(staff_a):
    from django.contrib.sessions.models import Session

    response = client_with_token(token_for(staff_a)).get("/api/v1/stations/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_the_token_records_when_it_was_last_used(staff_a):
    token, key = api_token_create(user=staff_a, actor=staff_a, name="reporting")
    assert token.last_used_at is None
    client_with_token(key).get("/api/v1/stations/")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_staff_get_tokens(station_a):
    from django.core.exceptions import ValidationError

    resident = factories.UserFactory()
    with pytest.raises(ValidationError):
        api_token_create(user=resident, actor=resident, name="mine")


def test_a_staff_session_must_have_passed_the_second_factor(client, staff_a):
    client.force_login(staff_a)
    response = client.get("/api/v1/residents/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (401, 403)
    assert "second factor" in response.json()["detail"]
    chinese = client.get("/api/v1/residents/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "第二重验证" in chinese.json()["detail"]
    log_in_verified(client, staff_a)
    assert client.get("/api/v1/residents/").status_code == 200


def test_a_resident_reads_their_own_data_but_no_staff_endpoint(client, station_a):
    user = factories.UserFactory(email="anna@example.org")
    factories.ResidentFactory(station=station_a, user=user, family_name="Schmidt")
    factories.ResidentFactory(station=station_a, family_name="Someone-Else")
    client.force_login(user)
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert "Schmidt" in me.content.decode() and "Someone-Else" not in me.content.decode()
    for path in ("/api/v1/residents/", "/api/v1/events/", "/api/v1/stations/",
                 "/api/v1/consultations/", "/api/v1/hours/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403, path
        assert response.json() == {
            "detail": "Only the staff of a station may use this part of the API."
        }


def test_an_official_reaches_the_summaries_only(station_a):
    official = factories.RegionMembershipFactory(region=station_a.region.parent.parent).user
    client = client_with_token(token_for(official))
    assert client.get("/api/v1/residents/").status_code == 403
    scopes = client.get("/api/v1/summaries/scopes/")
    assert scopes.status_code == 200
    assert f"station:{station_a.slug}" in {s["scope"] for s in scopes.json()}
    summary = client.get(f"/api/v1/summaries/?scope=station:{station_a.slug}&year=2025")
    assert summary.status_code == 200
    assert summary.json()["year"] == 2025
