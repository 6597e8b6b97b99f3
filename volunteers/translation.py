from modeltranslation.translator import TranslationOptions, register

from .models import Opportunity


@register(Opportunity)
class OpportunityTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = {"default": ("title",)}
