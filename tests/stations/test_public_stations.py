"""The public station directory and a page per station, in both languages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from stations.models import Partner
from tests import factories
from tests.helpers import register

pytestmark = pytest.mark.django_db


def url(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture
def guanren(db):
    return factories.StationFactory(
        slug="guanren",
        name_zh_hans="官任社区国际分站",
        name_en="Guanren International Sub-station",
        description_zh_hans="为境外居民提供一站式服务。",
        description_en="One-stop help for foreign residents.",
        address_zh_hans="思明区官任路1号",
        address_en="1 Guanren Road, Siming District",
        opening_hours_zh_hans="周一至周五 9:00-17:30",
        opening_hours_en="Monday to Friday 9:00-17:30",
        phone="+86 592 123 4567",
        email="guanren@example.org",
        languages=["zh", "en", "ko"],
    )


def test_the_directory_links_to_each_station_page(client, guanren):
    for lang in ("en", "zh-hans"):
        html = client.get(url("stations:home", lang=lang)).content.decode()
        assert f'href="{url("stations:detail", "guanren", lang=lang)}"' in html


def test_the_station_page_in_english(client, guanren):
    factories.PartnerFactory(
        station=guanren, name_en="Xiamen TCM Hospital", name_zh_hans="厦门市中医院",
        kind=Partner.Kind.HOSPITAL,
    )
    response = client.get(url("stations:detail", "guanren"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "<h1",
        "Guanren International Sub-station",
        "One-stop help for foreign residents.",
        "1 Guanren Road, Siming District",
        "Monday to Friday 9:00-17:30",
        'href="tel:+865921234567"',
        "mailto:guanren@example.org",
        "Korean",
        "Xiamen TCM Hospital",
        "Hospital",
    ):
        assert text in html, text
    assert "官任社区国际分站" not in html


def test_the_station_page_in_chinese(client, guanren):
    factories.PartnerFactory(station=guanren, name_zh_hans="厦门市中医院", kind="hospital")
    html = client.get(url("stations:detail", "guanren", lang="zh-hans")).content.decode()
    for text in (
        '<html lang="zh-hans">',
        "官任社区国际分站",
        "为境外居民提供一站式服务。",
        "思明区官任路1号",
        "周一至周五 9:00-17:30",
        "韩语",
        "厦门市中医院",
        "医院",
        "即将举行的活动",
    ):
        assert text in html, text
    assert "Guanren International Sub-station" not in html


def test_the_station_page_lists_only_its_public_rows(client, guanren, station_b):
    shown = [
        factories.EventFactory(station=guanren, title_en="Upcoming event"),
        factories.OpportunityFactory(station=guanren, title_en="Tree planting"),
        factories.NoticeFactory(station=guanren, title_en="Flu vaccination"),
        factories.GuidePageFactory(station=guanren, title_en="Renting a flat", topic="housing"),
    ]
    past = timezone.now() - timedelta(days=3)
    hidden = [
        factories.EventFactory(station=guanren, title_en="Unpublished event", is_published=False),
        factories.EventFactory(
            station=guanren,
            title_en="Past event",
            starts_at=past,
            ends_at=past + timedelta(hours=1),
        ),
        factories.EventFactory(station=station_b, title_en="Other station's event"),
        factories.OpportunityFactory(station=guanren, title_en="Draft role", is_published=False),
        factories.NoticeFactory(station=guanren, title_en="Draft notice", published_at=None),
        factories.NoticeFactory(
            station=guanren,
            title_en="Scheduled notice",
            published_at=timezone.now() + timedelta(days=1),
        ),
        factories.NoticeFactory(station=station_b, title_en="Other station's notice"),
        factories.GuidePageFactory(station=guanren, title_en="Draft guide", is_published=False),
    ]
    html = client.get(url("stations:detail", "guanren")).content.decode()
    for row in shown:
        assert row.title_en in html, row.title_en
    assert "Housing" in html
    for row in hidden:
        assert row.title_en not in html, row.title_en


def test_pinned_notices_come_first_on_the_station_page(client, guanren):
    factories.NoticeFactory(station=guanren, title_en="Older but pinned", is_pinned=True,
                            published_at=timezone.now() - timedelta(days=30))
    factories.NoticeFactory(station=guanren, title_en="Newest")
    html = client.get(url("stations:detail", "guanren")).content.decode()
    assert html.index("Older but pinned") < html.index("Newest")


def test_empty_sections_say_so(client, guanren):
    html = client.get(url("stations:detail", "guanren")).content.decode()
    assert "No upcoming events at the moment." in html
    assert "This station has not published any notices yet." in html


@pytest.mark.parametrize("slug", ["closed", "nowhere"])
def test_an_inactive_or_unknown_station_is_not_found(client, slug):
    factories.StationFactory(slug="closed", is_active=False)
    assert client.get(url("stations:detail", slug)).status_code == 404


def test_the_station_page_links_to_its_events_and_calendar(client, guanren):
    event = factories.EventFactory(station=guanren)
    html = client.get(url("stations:detail", "guanren")).content.decode()
    assert f'href="{url("events:detail", event.pk)}"' in html
    assert f'href="{url("events:station_calendar", "guanren")}"' in html
    assert f'href="{url("events:list")}?station=guanren"' in html


def test_station_page_query_count_does_not_grow_with_rows(client, guanren):
    def add(n):
        for _ in range(n):
            event = factories.EventFactory(station=guanren)
            register(event, 2)
            factories.PartnerFactory(station=guanren)
            factories.OpportunityFactory(station=guanren)
            factories.NoticeFactory(station=guanren)
            factories.GuidePageFactory(station=guanren)

    path = url("stations:detail", "guanren")
    add(1)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    add(5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(path)
    assert len(response.context["events"]) == 6
    assert len(many) == len(few)
