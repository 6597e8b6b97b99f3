"""A person's whole way through the account pages, as they click it, in
English and in Chinese: sign up, confirm by e-mail, log in, see My page,
change the language, withdraw a consent, download their data."""

import json

import pytest

from accounts.models import User
from residents.models import Consent, Resident
from tests import factories
from tests.helpers import form_values_of

from .support import PASSWORD, link_in, signup_data, url

pytestmark = pytest.mark.django_db

WORDS = {
    "en": {
        "signup": "Create your account",
        "sent": "Check your e-mail",
        "subject": "Confirm your e-mail address",
        "confirm": "Confirm my e-mail address",
        "confirmed": "your e-mail address is confirmed",
        "my page": "Hello, Anna Müller (安娜).",
        "consent": "Processing of personal information",
        "withdrawn": "Your consent is withdrawn.",
    },
    "zh-hans": {
        "signup": "创建账户",
        "sent": "请查收电子邮件",
        "subject": "确认您的电子邮箱",
        "confirm": "确认我的电子邮箱",
        "confirmed": "您的电子邮箱已确认",
        "my page": "Anna Müller (安娜)，您好。",
        "consent": "个人信息处理",
        "withdrawn": "您的同意已撤回。",
    },
}


@pytest.mark.parametrize(("language", "other"), [("en", "zh-hans"), ("zh-hans", "en")])
def test_sign_up_to_download_in_one_language_then_the_other(
    client, station_a, mailoutbox, django_capture_on_commit_callbacks, language, other
):
    words, later = WORDS[language], WORDS[other]
    factories.EventFactory(station=station_a, title_en="Lantern walk", title_zh_hans="灯笼夜游")

    # sign up, as the form is shown
    page = client.get(url("accounts:signup", language))
    assert words["signup"] in page.content.decode()
    data = {**form_values_of(page), **signup_data(station_a, preferred_language=language)}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("accounts:signup", language), data, follow=True)
    assert words["sent"] in response.content.decode()

    # the e-mail, in the language chosen, and its link
    [message] = mailoutbox
    assert message.subject == words["subject"]
    link = link_in(message)
    assert link.startswith(f"/{language}/")
    page = client.get(link)
    assert words["confirm"] in page.content.decode()
    response = client.post(link, follow=True)
    assert words["confirmed"] in response.content.decode()
    assert User.objects.get().is_active

    # log in, and land on My page
    response = client.post(
        url("accounts:login", language),
        {"username": "anna.muller@example.org", "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("residents:my_page", language)
    html = response.content.decode()
    assert words["my page"] in html
    assert words["consent"] in html

    # change the language: the account, the profile and the pages follow
    details = client.get(url("residents:details", language))
    values = {**form_values_of(details), "preferred_language": other}
    values.pop("language", None)  # the language switcher's own field
    values.pop("next", None)
    response = client.post(url("residents:details", language), values, follow=True)
    assert response.redirect_chain[-1][0] == url("residents:my_page", other)
    assert later["my page"] in response.content.decode()
    assert User.objects.get().preferred_language == other
    assert Resident.objects.get().preferred_language == other

    # e-mails now speak the new language
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("accounts:password_reset", other), {"email": "anna.muller@example.org"})
    assert mailoutbox[-1].subject == {"en": "Choose a new password", "zh-hans": "设置新密码"}[other]

    # withdraw the consent given at sign-up
    consent = Consent.objects.get()
    withdraw = url("residents:withdraw_consent", other, consent.pk)
    assert f'href="{withdraw}"' in response.content.decode()
    response = client.post(withdraw, follow=True)
    assert later["withdrawn"] in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None

    # and take everything home
    response = client.get(url("residents:my_data", other))
    assert response["Content-Disposition"].startswith("attachment;")
    exported = json.loads(response.content)
    assert exported["account"]["email"] == "anna.muller@example.org"
    assert exported["account"]["preferred_language"] == other
    [profile] = exported["resident_profiles"]
    assert profile["family_name"] == "Müller" and profile["station"]["slug"] == "station-a"
    [given] = exported["consents"]
    assert given["withdrawn_at"] is not None
