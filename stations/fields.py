"""Field types shared by the domain apps."""

import phonenumbers
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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
