"""Field types shared by the domain apps."""

import phonenumbers
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.lookups import Exact, IsNull
from django.utils.translation import gettext_lazy as _

from . import crypto
from .languages import SPOKEN_LANGUAGES


class ChoiceArrayField(ArrayField):
    """A PostgreSQL array of choices, edited as a multiple-choice list.

    Django's default form field for arrays is comma-separated text; staff pick
    languages from a list instead, and every element is validated.
    """

    def formfield(self, **kwargs):
        defaults = {
            "form_class": forms.TypedMultipleChoiceField,
            "choices": self.base_field.choices,
            "coerce": self.base_field.to_python,
            "widget": forms.SelectMultiple(attrs={"size": 8}),
        }
        defaults.update(kwargs)
        # skip ArrayField.formfield, which would force SimpleArrayField
        return super(ArrayField, self).formfield(**defaults)


def LanguagesField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    kwargs.setdefault("default", list)
    kwargs.setdefault("blank", True)
    return ChoiceArrayField(
        models.CharField(max_length=8, choices=SPOKEN_LANGUAGES),
        verbose_name=verbose_name,
        **kwargs,
    )


def validate_international_phone(value: str) -> None:
    """Accept a phone number in international form, e.g. +86 592 123 4567."""
    if not value:
        return
    message = _("Enter a phone number in international format, e.g. +86 138 0000 0000.")
    if not value.strip().startswith("+"):
        raise ValidationError(message, code="phone_format")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="phone_format") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number does not exist. Check the country code and the digits."),
            code="phone_invalid",
        )


def _format_phone(value: str, number_format: int) -> str:
    """`value` in `number_format`; empty stays empty and a value that does not
    parse as an international number is returned as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, number_format)


def normalize_phone(value: str) -> str:
    """E.164 form for storage (+8613800000000); empty stays empty."""
    return _format_phone(value, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str) -> str:
    """An E.164 number (+865921234567) grouped for reading (+86 592 123 4567)."""
    return _format_phone(value, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneField(models.CharField):
    """A phone number in international form, stored as E.164."""

    default_validators = [validate_international_phone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = normalize_phone(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


# --- Encryption at rest (stations/crypto.py, docs/security.md) ---------------


def _refuse(field, what: str) -> FieldError:
    return FieldError(
        f"{field.model.__name__}.{field.name} is encrypted in the database: {what} would "
        "compare ciphertext and silently match nothing. Only `isnull` and `exact` against "
        '"" (no value) are allowed; look up by a keyed hash instead (e.g. '
        "Resident.document_number_hash, residents.selectors.resident_by_document)."
    )


class _ExactEmpty(Exact):
    """`field=""`: empty values are stored as they are, so this one comparison
    means what it says (and CheckConstraints may use it)."""

    def get_prep_lookup(self):
        if not (isinstance(self.rhs, str) and self.rhs == ""):
            raise _refuse(self.lhs.output_field, "an `exact` lookup against a value")
        return super().get_prep_lookup()


class EncryptedFieldMixin:
    """A value encrypted with FIELD_ENCRYPTION_KEYS before it reaches the
    database (a `text` column of Fernet tokens) and decrypted when read.

    - "" is stored as "" (so "no value" stays visible to constraints and
      `field=""` filters); None as NULL; anything else as a fresh token each
      save (random IV: equal values do not look equal in the database).
    - Every lookup but `isnull` and `exact` against "" raises FieldError: a
      filter on ciphertext would match nothing without saying so. Do not sort
      or group by it either: the order of tokens means nothing.
    - A stored token no configured key opens raises crypto.DecryptionError
      when the row is read.
    - Values are plaintext wherever Python holds them: `dumpdata`, a form, a
      JSON export. Only the database (and its dumps) hold ciphertext.
    """

    def get_internal_type(self):
        # the column holds tokens, much longer than the value: always `text`
        return "TextField"

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if value is None or hasattr(value, "as_sql"):
            return value
        return crypto.encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _ExactEmpty
        raise _refuse(self, f"the lookup `{lookup_name}`")

    def get_transform(self, lookup_name):
        raise _refuse(self, f"the transform `{lookup_name}`")


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Long text encrypted at rest (consultation notes), edited in a text area.
    See EncryptedFieldMixin."""


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A short value encrypted at rest (a document number), edited on one line.
    `max_length` limits the plaintext (validation and the form), not the
    column, which is `text`. See EncryptedFieldMixin."""


class KeyedHashField(models.CharField):
    """The keyed hash (crypto.lookup_hash) of the normalised value of the field
    named `source`, for equality lookups on an encrypted field.

    Computed on every save and bulk_create (`pre_save`); "" when the source is
    empty. A model that saves with `update_fields` naming the source must name
    this field too (Resident.save does), and code that writes the source with
    `update()` or `bulk_update()` must set it itself. Look up with
    `crypto.lookup_hash(text)`, never with the text."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def hash_of(self, instance) -> str:
        return crypto.lookup_hash(getattr(instance, self.source) or "")

    def pre_save(self, model_instance, add):
        value = self.hash_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value
