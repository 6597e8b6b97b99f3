"""Signing up through the public pages, as a person does it."""

from __future__ import annotations

import pytest

from .support import (  # noqa: F401 - fixtures used by every test here
    _fast_password_hashing,
    _own_cache,
    link_in,
    one_rate_window,
    signup_data,
    url,
)


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks, mailoutbox):
    """Post the sign-up form in `language`; returns the response. The
    confirmation e-mail, sent after commit, lands in `mailoutbox`."""

    def post(station, language: str = "en", **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url("accounts:signup", language), signup_data(station, **changes))

    return post


@pytest.fixture
def confirmed_account(client, sign_up, mailoutbox):
    """Sign up at `station` and open the confirmation link; returns the user."""
    from accounts.models import User

    def make(station, language: str = "en", **changes):
        response = sign_up(station, language, **changes)
        assert response.status_code == 302, response.content.decode()
        link = link_in(mailoutbox[-1])
        assert client.post(link).status_code == 302
        return User.objects.get(email=signup_data(station, **changes)["email"].lower())

    return make
