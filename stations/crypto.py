"""Encryption at rest of sensitive personal information, and keyed hashes for
looking it up (docs/security.md, "Encryption at rest").

- `encrypt` / `decrypt`: authenticated encryption (Fernet: AES-128-CBC with an
  HMAC-SHA256 tag, from `cryptography`) with the keys in
  `settings.FIELD_ENCRYPTION_KEYS`. The first key encrypts; every key decrypts
  (MultiFernet), so a new key is put first, `rotate_encryption_keys` is run,
  then the old key is dropped. A token that no configured key opens, or that
  was tampered with, raises `DecryptionError`: never garbage, never the token.
- `lookup_hash`: HMAC-SHA256 with `settings.FIELD_HASH_KEY` of a normalised
  identifier, stored beside the ciphertext so equality lookups still work. The
  key matters: document numbers have few possible values, and a plain hash of
  them is reversed by trying them all.

Neither the keys nor any plaintext ever appear in an exception message.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value that none of FIELD_ENCRYPTION_KEYS decrypts: encrypted
    with a key no longer configured, or altered in the database."""


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: no key to encrypt with.")
    try:
        fernets = [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc
    return MultiFernet(fernets), fernets[0]


def _keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str) -> str:
    """`plaintext` encrypted with the first key, as ASCII text; "" stays ""."""
    if plaintext == "":
        return ""
    multi, _first = _fernets(_keys())
    return multi.encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The plaintext of `token` (made by `encrypt`); "" stays "".

    Raises DecryptionError when no configured key opens it."""
    if token == "":
        return ""
    multi, _first = _fernets(_keys())
    try:
        return multi.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionError(
            "A stored value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS: "
            "it was encrypted with a key that is no longer configured, or it was altered."
        ) from exc


def is_current(token: str) -> bool:
    """Whether `token` is encrypted with the first (current) key."""
    if token == "":
        return True
    _multi, first = _fernets(_keys())
    try:
        first.decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def normalize_identifier(value: str) -> str:
    """An identifier as people write it differently, reduced to one form: full-
    width characters made plain (NFKC, as Chinese input methods type them),
    spaces and dashes removed, upper-cased. "e 1234-567" -> "E1234567"."""
    value = unicodedata.normalize("NFKC", value or "")
    kept = (ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Pd")
    return "".join(kept).upper()


def lookup_hash(value: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) of the normalised `value`; "" when
    nothing is left of it, so "no number" stays recognisable."""
    normalized = normalize_identifier(value)
    if not normalized:
        return ""
    key = settings.FIELD_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
