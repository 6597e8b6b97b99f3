"""The public site and the admin speak Chinese and English, and the language
switcher keeps a person on the same page in the other language."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polib
import pytest
from django.conf import settings

from stations.models import Region
from tests import factories

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")


class SwitcherLinks(HTMLParser):
    """Collects the links of the language switcher: {language: href}."""

    def __init__(self):
        super().__init__()
        self.links: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href", "").startswith("/language/"):
            self.links.setdefault(attrs.get("hreflang", ""), []).append(attrs["href"])


def switcher_links(html: str) -> dict[str, list[str]]:
    parser = SwitcherLinks()
    parser.feed(html)
    return parser.links


def switcher_link(html: str, language: str) -> str:
    links = switcher_links(html).get(language, [])
    assert len(links) == 1, f"expected one switcher link to {language}, got {links}"
    return links[0]


def switch_target(link: str) -> str:
    """The page a switcher link leads to (its `next`)."""
    return parse_qs(urlsplit(link).query)["next"][0]


def html_lang(html: str) -> str:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    assert match, "the page has no <html lang>"
    return match.group(1)


@pytest.fixture
def guanren(db):
    siming = factories.RegionFactory.create_district()
    siming.name_zh_hans, siming.name_en = "思明区", "Siming District"
    siming.save()
    street = factories.RegionFactory.create_street(district=siming)
    community = factories.RegionFactory(
        parent=street, name_zh_hans="官任社区", name_en="Guanren Community"
    )
    return factories.StationFactory(
        region=community,
        name_zh_hans="官任社区国际分站",
        name_en="Guanren International Sub-station",
        opening_hours_zh_hans="周一至周五 9:00-17:30",
        opening_hours_en="Monday to Friday 9:00-17:30",
        phone="+86 592 123 4567",
        languages=["zh", "en", "ko"],
    )


def test_root_redirects_to_the_default_language(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/"


def test_chinese_home_page_is_in_chinese(client, guanren):
    response = client.get("/zh-hans/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == "zh-hans"
    assert "为境外居民" in html  # the headline, from the Chinese catalogue
    assert "官任社区国际分站" in html
    assert "Guanren International Sub-station" not in html
    assert "思明区" in html
    assert "周一至周五 9:00-17:30" in html
    # languages offered, named in Chinese
    assert "韩语" in html and "英语" in html
    assert "Korean" not in html


def test_english_home_page_is_in_english(client, guanren):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == "en"
    assert "Help for foreign residents, where you live" in html
    assert "Guanren International Sub-station" in html
    assert "官任社区国际分站" not in html
    assert "Siming District" in html
    assert "Monday to Friday 9:00-17:30" in html
    assert "Korean" in html and "English" in html
    assert "韩语" not in html


def test_home_page_shows_how_to_reach_a_station(client, guanren):
    html = client.get("/en/").content.decode()
    assert 'href="tel:+865921234567"' in html
    assert "+86 592 123 4567" in html
    assert "Community sub-station" in html
    assert "Guanren Community" in html  # the region path


def test_home_page_groups_stations_under_their_district(client, guanren):
    other_district = factories.RegionFactory.create_district()
    other_district.name_en = "Huli District"
    other_district.save()
    factories.StationFactory(
        region=other_district, kind="district", name_en="Huli District Station"
    )
    html = client.get("/en/").content.decode()
    sections = html.split('<section class="district"')[1:]
    assert len(sections) == 2
    headings = [re.search(r"<h2[^>]*>\s*([^<]+?)\s*<", section).group(1) for section in sections]
    assert sorted(headings) == ["Huli District", "Siming District"]
    by_heading = dict(zip(headings, sections, strict=True))
    assert "Guanren International Sub-station" in by_heading["Siming District"]
    assert "Huli District Station" in by_heading["Huli District"]
    assert "Guanren International Sub-station" not in by_heading["Huli District"]


def test_inactive_stations_are_not_listed(client, guanren):
    factories.StationFactory(name_en="Closed Station", is_active=False)
    html = client.get("/en/").content.decode()
    assert "Guanren International Sub-station" in html
    assert "Closed Station" not in html


def test_home_page_without_stations_says_so(client):
    assert "No stations yet." in client.get("/en/").content.decode()


def test_home_page_has_no_inline_scripts_or_styles(client, guanren):
    """A strict Content-Security-Policy (no 'unsafe-inline') must not break it."""
    html = client.get("/zh-hans/").content.decode()
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_home_page_query_count_does_not_grow_with_stations(
    client, guanren, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1) as one_station:
        client.get("/zh-hans/")
    city = guanren.region.parent.parent.parent
    for _ in range(3):
        district = factories.RegionFactory.create_district(city=city)
        street = factories.RegionFactory.create_street(district=district)
        for _ in range(4):
            factories.StationFactory(region=factories.RegionFactory(parent=street))
    factories.StationFactory(region=city, kind="city")
    with django_assert_num_queries(len(one_station.captured_queries)):
        html = client.get("/zh-hans/").content.decode()
    assert html.count('class="station"') == 14


@pytest.mark.parametrize(
    ("page", "browser_language"),
    [
        ("/zh-hans/", ""),
        ("/zh-hans/", "en"),
        ("/en/", ""),
        ("/en/", "zh-CN,zh;q=0.9"),
        ("/zh-hans/admin/login/", "en"),
        ("/en/admin/login/", ""),
    ],
)
def test_switcher_lands_on_the_same_page_in_the_other_language(
    client, guanren, page, browser_language
):
    """Whatever the browser's own language, the switcher goes to the page the
    person was reading, in the language they picked, and remembers it."""
    headers = {"HTTP_ACCEPT_LANGUAGE": browser_language} if browser_language else {}
    source, target = ("zh-hans", "en") if page.startswith("/zh-hans/") else ("en", "zh-hans")
    html = client.get(page, **headers).content.decode()
    assert html_lang(html) == source
    link = switcher_link(html, target)

    response = client.get(link, **headers)

    expected = page.replace(f"/{source}/", f"/{target}/", 1)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert response.cookies["django_language"].value == target
    landed = client.get(response["Location"], **headers).content.decode()
    assert html_lang(landed) == target
    # the bare address now follows the choice, not the browser
    assert client.get("/", **headers)["Location"] == f"/{target}/"


def test_switching_on_the_admin_login_keeps_where_to_go_after_login(client):
    html = client.get("/zh-hans/admin/login/?next=/zh-hans/admin/").content.decode()
    response = client.get(switcher_link(html, "en"))
    assert response["Location"] == "/en/admin/login/?next=%2Fen%2Fadmin%2F"


def test_only_the_other_language_is_a_link(client):
    html = client.get("/en/").content.decode()
    assert list(switcher_links(html)) == ["zh-hans"]
    assert 'aria-current="true">English<' in html


@pytest.mark.parametrize(
    "next_page", ["https://elsewhere.example/en/", "//elsewhere.example/", "en/", ""]
)
def test_switching_never_leaves_the_site(client, next_page):
    response = client.get("/language/en/", {"next": next_page})
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_switching_to_an_unknown_language_is_not_found(client):
    assert client.get("/language/fr/", {"next": "/en/"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "texts", "absent"),
    [
        ("zh-hans", ["登录", "国际社区服务站"], "Log in"),
        ("en", ["Log in", "International Community Service Stations"], "登录"),
    ],
)
def test_admin_login_page_speaks_the_language_of_its_url(client, language, texts, absent):
    response = client.get(f"/{language}/admin/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == language
    for text in texts:
        assert text in html
    assert f'value="{absent}"' not in html and f">{absent}<" not in html
    assert "admin-language-switcher" in html


@pytest.mark.parametrize(
    ("language", "text"), [("zh-hans", "服务站管理"), ("en", "Station administration")]
)
def test_admin_index_speaks_the_language_of_its_url(client_a, language, text):
    response = client_a.get(f"/{language}/admin/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html_lang(html) == language
    assert text in html
    other = "en" if language == "zh-hans" else "zh-hans"
    assert switch_target(switcher_link(html, other)) == f"/{other}/admin/"


def test_region_names_follow_the_language(client, guanren):
    city = guanren.region.parent.parent.parent
    assert city.level == Region.Level.CITY
    city.name_zh_hans, city.name_en = "厦门市", "Xiamen"
    city.save()
    assert "厦门市" in client.get("/zh-hans/").content.decode()
    assert "Xiamen" in client.get("/en/").content.decode()


def _catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"))


def _placeholders(text: str) -> list[str]:
    return sorted(match.group(1) or "%" for match in PLACEHOLDER.finditer(text))


@pytest.mark.django_db(False)
def test_chinese_translations_keep_every_placeholder():
    """A dropped or misspelt %(name)s fails at run time, in front of the person."""
    wrong = []
    for entry in _catalogue("zh_Hans").translated_entries():
        if "python-format" not in entry.flags:
            continue
        if entry.msgid_plural:
            # Chinese has one form, used for every count: it must carry the plural's placeholders
            expected = _placeholders(entry.msgid_plural)
            got = [_placeholders(text) for text in entry.msgstr_plural.values()]
        else:
            expected = _placeholders(entry.msgid)
            got = [_placeholders(entry.msgstr)]
        if any(found != expected for found in got):
            wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.django_db(False)
def test_english_catalogue_says_what_the_message_ids_say():
    """Message ids are English, so each English entry repeats its id; anything
    else is a stale guess of gettext's fuzzy matching."""
    wrong = []
    for entry in _catalogue("en").translated_entries():
        if entry.msgid_plural:
            if entry.msgstr_plural != {0: entry.msgid, 1: entry.msgid_plural}:
                wrong.append(entry.msgid)
        elif entry.msgstr != entry.msgid:
            wrong.append(entry.msgid)
    assert wrong == []
