"""Notices and guide pages: written by staff in the admin, listed and shown on
the public site, newest first, per station and city-wide."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from stations.models import GuidePage, Notice
from tests import factories
from tests.helpers import admin_url, local_parts

pytestmark = pytest.mark.django_db


def url(name: str, *args, lang: str = "en", query: str = "") -> str:
    with translation.override(lang):
        return reverse(name, args=args) + query


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def listed(response) -> list[str]:
    return [notice.title_en for notice in response.context["page"].object_list]


# --- notices ---------------------------------------------------------------------------


def test_notices_are_listed_newest_first_without_drafts(client, station_a, station_b):
    factories.NoticeFactory(station=station_a, title_en="Old", published_at=ago(days=5))
    factories.NoticeFactory(station=station_b, title_en="New", published_at=ago(hours=1))
    factories.NoticeFactory(station=station_a, title_en="Middle", published_at=ago(days=1))
    factories.NoticeFactory(station=station_a, title_en="Draft", published_at=None)
    factories.NoticeFactory(station=station_a, title_en="Scheduled", published_at=ago(days=-1))
    factories.NoticeFactory(station__is_active=False, title_en="Closed station")
    response = client.get(url("stations:notices"))
    assert response.status_code == 200
    assert listed(response) == ["New", "Middle", "Old"]
    assert "3 notices" in response.content.decode()


def test_notices_filter_by_station_and_kind(client, station_a, station_b):
    factories.NoticeFactory(station=station_a, title_en="A health", kind=Notice.Kind.HEALTH)
    factories.NoticeFactory(station=station_a, title_en="A policy", kind=Notice.Kind.POLICY)
    factories.NoticeFactory(station=station_b, title_en="B policy", kind=Notice.Kind.POLICY)
    assert listed(client.get(url("stations:notices", query="?station=station-a"))) == [
        "A policy",
        "A health",
    ]
    assert listed(client.get(url("stations:notices", query="?kind=policy"))) == [
        "B policy",
        "A policy",
    ]
    assert listed(
        client.get(url("stations:notices", query="?station=station-b&kind=policy"))
    ) == ["B policy"]


@pytest.mark.parametrize(
    ("lang", "message"), [("en", "Select a valid choice"), ("zh-hans", "有效")]
)
def test_a_bad_filter_is_refused_next_to_the_field(client, lang, message):
    response = client.get(url("stations:notices", lang=lang, query="?kind=rumour"))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_kind_error"' in html and 'id="id_kind_error"' in html


def test_notices_are_paginated(client, station_a):
    for hours in range(23):
        factories.NoticeFactory(station=station_a, published_at=ago(hours=hours + 1))
    first = client.get(url("stations:notices", query="?station=station-a"))
    assert len(first.context["page"].object_list) == 20
    assert 'href="?station=station-a&amp;page=2"' in first.content.decode()
    second = client.get(url("stations:notices", query="?station=station-a&page=2"))
    assert len(second.context["page"].object_list) == 3


def test_notice_list_is_in_both_languages(client, station_a):
    factories.NoticeFactory(station=station_a, title_en="Flu shots", title_zh_hans="流感疫苗接种")
    english = client.get(url("stations:notices")).content.decode()
    chinese = client.get(url("stations:notices", lang="zh-hans")).content.decode()
    assert "Flu shots" in english and "Health and vaccination" in english
    assert "流感疫苗接种" in chinese and "健康与疫苗接种" in chinese
    assert "Flu shots" not in chinese


def test_a_notice_page_shows_plain_text_with_its_paragraphs(client, station_a):
    notice = factories.NoticeFactory(
        station=station_a,
        title_en="Water cut",
        body_en="No water on Monday.\n\nPlease store some.<script>alert(1)</script>",
    )
    response = client.get(url("stations:notice", notice.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<p>No water on Monday.</p>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Station A" in html
    chinese = client.get(url("stations:notice", notice.pk, lang="zh-hans")).content.decode()
    assert notice.title_zh_hans in chinese and "甲站" in chinese


@pytest.mark.parametrize(
    "fields", [{"published_at": None}, {"published_at": "future"}, {"station__is_active": False}]
)
def test_a_notice_not_public_is_not_found(client, fields):
    if fields.get("published_at") == "future":
        fields = {"published_at": ago(days=-2)}
    notice = factories.NoticeFactory(**fields)
    assert client.get(url("stations:notice", notice.pk)).status_code == 404


def test_notice_list_query_count_does_not_grow(client, station_a, station_b):
    def add(n):
        for i in range(n):
            factories.NoticeFactory(station=station_a if i % 2 else station_b)

    add(2)
    path = url("stations:notices")
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    add(15)
    with CaptureQueriesContext(connection) as many:
        client.get(path)
    assert len(many) == len(few)


# --- guides -------------------------------------------------------------------------------


def test_the_handbook_groups_published_guides_by_topic(client, station_a, station_b):
    factories.GuidePageFactory(station=station_a, title_en="Renting", topic="housing")
    factories.GuidePageFactory(station=station_b, title_en="Clinics", topic="medical")
    factories.GuidePageFactory(station=station_a, title_en="Visa extension", topic="visas")
    factories.GuidePageFactory(station=station_a, title_en="Draft guide", is_published=False)
    factories.GuidePageFactory(station__is_active=False, title_en="Closed station guide")
    response = client.get(url("stations:guides"))
    assert response.status_code == 200
    groups = [
        (str(topic), [g.title_en for g in guides]) for topic, guides in response.context["groups"]
    ]
    assert groups == [
        ("Housing", ["Renting"]),
        ("Medical care", ["Clinics"]),
        ("Visas and permits", ["Visa extension"]),
    ]
    html = response.content.decode()
    assert "Draft guide" not in html and "Closed station guide" not in html
    chinese = client.get(url("stations:guides", lang="zh-hans")).content.decode()
    assert "住房" in chinese and "签证与许可" in chinese


def test_the_handbook_filters_by_station(client, station_a, station_b):
    factories.GuidePageFactory(station=station_a, title_en="A's guide")
    factories.GuidePageFactory(station=station_b, title_en="B's guide")
    response = client.get(url("stations:guides", query="?station=station-b"))
    assert [g.title_en for _topic, guides in response.context["groups"] for g in guides] == [
        "B's guide"
    ]


def test_a_guide_page_is_found_by_station_and_slug(client, station_a, station_b):
    mine = factories.GuidePageFactory(
        station=station_a, slug="doctor", title_en="A: doctors", body_en="Go to A's clinic."
    )
    factories.GuidePageFactory(
        station=station_b, slug="doctor", title_en="B: doctors", body_en="Go to B's clinic."
    )
    response = client.get(url("stations:guide", "station-a", "doctor"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "A: doctors" in html and "Go to A&#x27;s clinic." in html
    assert "B: doctors" not in html
    chinese = client.get(url("stations:guide", "station-a", "doctor", lang="zh-hans"))
    assert mine.title_zh_hans in chinese.content.decode()


def test_an_unpublished_guide_page_is_not_found(client, station_a):
    factories.GuidePageFactory(station=station_a, slug="draft", is_published=False)
    assert client.get(url("stations:guide", "station-a", "draft")).status_code == 404
    assert client.get(url("stations:guide", "station-b", "draft")).status_code == 404


def test_guide_list_query_count_does_not_grow(client, station_a):
    factories.GuidePageFactory(station=station_a)
    path = url("stations:guides")
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for topic in GuidePage.Topic.values:
        factories.GuidePageFactory(station=station_a, topic=topic)
    with CaptureQueriesContext(connection) as many:
        client.get(path)
    assert len(many) == len(few)


# --- staff write them in the admin ------------------------------------------------------


def test_staff_write_a_bilingual_notice_in_the_admin_and_it_appears(client_a, station_a):
    day, time = local_parts(ago(minutes=5))
    response = client_a.post(
        admin_url(Notice, "add"),
        {
            "station": station_a.pk,
            "kind": Notice.Kind.POLICY,
            "title_zh_hans": "居留许可新规",
            "title_en": "New residence permit rules",
            "body_zh_hans": "自下月起办理时间缩短。",
            "body_en": "From next month, permits take less time.",
            "published_at_0": day,
            "published_at_1": time,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.get()
    assert notice.station == station_a
    client_a.logout()
    assert "New residence permit rules" in client_a.get(url("stations:notices")).content.decode()
    chinese = client_a.get(url("stations:notice", notice.pk, lang="zh-hans")).content.decode()
    assert "居留许可新规" in chinese and "自下月起办理时间缩短。" in chinese


def test_a_notice_needs_both_languages(client_a, station_a):
    response = client_a.post(
        admin_url(Notice, "add"),
        {
            "station": station_a.pk,
            "kind": "other",
            "title_zh_hans": "只有中文",
            "body_zh_hans": "正文",
        },
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"title_en", "body_en"}
    assert not Notice.objects.exists()


@pytest.mark.parametrize("model", [Notice, GuidePage])
def test_the_admin_shows_both_languages_side_by_side(client_a, model):
    html = client_a.get(admin_url(model, "add")).content.decode()
    # one row of the form holds both languages of the title, and of the text
    assert 'class="form-row field-title_zh_hans field-title_en"' in html
    assert 'class="form-row field-body_zh_hans field-body_en"' in html


def test_another_stations_notice_cannot_be_edited(client_a, station_b):
    theirs = factories.NoticeFactory(station=station_b, title_en="Theirs")
    response = client_a.post(
        admin_url(Notice, "change", theirs.pk),
        {"station": station_b.pk, "kind": "other", "title_zh_hans": "改", "title_en": "Changed",
         "body_zh_hans": "改", "body_en": "Changed"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title_en == "Theirs"


def test_a_guide_slug_is_unique_per_station_only(client_a, station_a, station_b):
    factories.GuidePageFactory(station=station_b, slug="schools")
    data = {
        "station": station_a.pk,
        "topic": "schools",
        "title_zh_hans": "学校",
        "title_en": "Schools",
        "slug": "schools",
        "body_zh_hans": "国际学校名单。",
        "body_en": "International schools.",
        "is_published": "on",
    }
    assert client_a.post(admin_url(GuidePage, "add"), data).status_code == 302
    again = client_a.post(admin_url(GuidePage, "add"), data)
    assert again.status_code == 200
    assert "This station already has a guide page at this address." in again.content.decode()
