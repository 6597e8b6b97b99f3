from modeltranslation.translator import TranslationOptions, register

from .models import Event, EventCategory


@register(EventCategory)
class EventCategoryTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("zh-hans", "en")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description", "place")
    required_languages = {"default": ("title",)}
