"""Anonymous visitors' copies of the public pages (stations/pagecache.py): served
without a query, never stale after a save, never shared with someone who has a
session, a pending message or a form token."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from stations.pagecache import cache_for_visitors
from tests import factories
from tests.helpers import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


def get(client, path):
    """(response, number of queries) of one GET."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response, len(captured)


def events_url(*args, name="events:list", lang="en"):
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture
def event():
    return factories.EventFactory(
        title_en="Tea and talk", capacity=5, starts_at=timezone.now() + timedelta(days=3)
    )


@pytest.mark.parametrize("name", ["events:list", "events:detail", "stations:home"])
def test_a_second_visitor_gets_the_same_page_without_a_query(client, event, name):
    path = events_url(*([event.pk] if name == "events:detail" else []), name=name)
    first, first_queries = get(client, path)
    second, second_queries = get(client, path)
    assert first.status_code == second.status_code == 200
    assert first_queries > 0
    assert second_queries == 0
    assert second.content == first.content
    # the middleware still runs on the copy: the language is the page's
    assert second["Content-Language"] == "en"


def test_each_language_and_query_string_is_its_own_page(client, event):
    english, _ = get(client, events_url())
    chinese, queries = get(client, events_url(lang="zh-hans"))
    assert queries > 0
    assert english.content != chinese.content
    _, filtered_queries = get(client, events_url() + "?has_places=on")
    assert filtered_queries > 0


def test_a_registration_saved_after_the_page_was_cached_shows_at_once(client, event):
    path = events_url(event.pk, name="events:detail")
    before, _ = get(client, path)
    assert "5 places left" in before.content.decode()

    register(event, 2)

    after, queries = get(client, path)
    assert queries > 0
    assert "3 places left" in after.content.decode()


def test_an_edited_event_title_shows_at_once(client, event):
    get(client, events_url())
    event.title_en = "Tea, talk and dumplings"
    event.save()
    response, _ = get(client, events_url())
    assert "Tea, talk and dumplings" in response.content.decode()


def test_someone_logged_in_never_gets_the_visitors_copy(client, event):
    path = events_url(event.pk, name="events:detail")
    get(client, path)  # a visitor's copy, with a "log in to register" link
    user = factories.UserFactory()
    factories.ResidentFactory(station=event.station, user=user, email=user.email)
    client.force_login(user)

    response, queries = get(client, path)

    assert queries > 0
    html = response.content.decode()
    assert reverse("events:register", args=[event.pk]) in html
    # and their page, with its form token, is not kept for the next visitor
    client.logout()
    client.cookies.clear()
    visitor, _ = get(client, path)
    assert "csrfmiddlewaretoken" not in visitor.content.decode()


def test_a_visitor_with_a_pending_message_gets_a_fresh_page(client, event):
    get(client, events_url())
    client.cookies["messages"] = "pending"
    _, queries = get(client, events_url())
    assert queries > 0


def test_a_missing_event_is_not_kept(client):
    path = events_url(999999, name="events:detail")
    for _ in range(2):
        response, queries = get(client, path)
        assert response.status_code == 404
        assert queries > 0


def test_a_page_with_a_form_token_or_a_cookie_is_not_kept():
    calls = []

    @cache_for_visitors
    def with_token(request):
        calls.append("token")
        return HttpResponse(get_token(request))

    @cache_for_visitors
    def with_cookie(request):
        calls.append("cookie")
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    @cache_for_visitors
    def plain(request):
        calls.append("plain")
        return HttpResponse("hello")

    factory = RequestFactory()
    for view, path in ((with_token, "/t/"), (with_cookie, "/c/"), (plain, "/p/")):
        for _ in range(2):
            request = factory.get(path)
            request.user = AnonymousUser()
            view(request)
    assert calls == ["token", "token", "cookie", "cookie", "plain"]


def test_switched_off_the_view_runs_every_time(client, event, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    get(client, events_url())
    _, queries = get(client, events_url())
    assert queries > 0
