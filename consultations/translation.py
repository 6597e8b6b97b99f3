from modeltranslation.translator import TranslationOptions, register

from .models import Counsellor, Topic


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"default": ("name",)}


@register(Counsellor)
class CounsellorTranslation(TranslationOptions):
    fields = ("title", "bio")
