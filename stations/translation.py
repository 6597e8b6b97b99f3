from modeltranslation.translator import TranslationOptions, register

from .models import GuidePage, Notice, Partner, Region, Station


@register(Region)
class RegionTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("zh-hans", "en")


@register(Station)
class StationTranslation(TranslationOptions):
    fields = ("name", "description", "address", "opening_hours")
    required_languages = {"default": ("name",)}


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"default": ("name",)}


@register(Notice)
class NoticeTranslation(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("zh-hans", "en")


@register(GuidePage)
class GuidePageTranslation(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("zh-hans", "en")
