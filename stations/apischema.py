"""The OpenAPI schema of the API (drf-spectacular), with the error answers
every operation can give, so that the schema describes what a client really
receives: 400 with field errors where input is read, 401 without valid
credentials, 403 when the role does not allow it, 404 for a row that is
missing or another station's, 429 when the rate limit is reached."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")


class ValidationErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages per field; `non_field_errors` for the whole request.",
    )


class PortalAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses

        def add(code: str, serializer, description: str) -> None:
            if code not in responses:
                body = self._get_response_for_code(serializer, code)
                body["description"] = description
                responses[code] = body

        reads_input = self.method in ("POST", "PUT", "PATCH") or bool(
            self._get_filter_parameters() or self._get_pagination_parameters()
        )
        if reads_input or self.method == "GET":
            add("400", ValidationErrorSerializer, "Invalid input")
        add("401", ErrorSerializer, "No valid token or session")
        add("403", ErrorSerializer, "The role does not allow this")
        # a row missing or another station's; a list page past the end
        add("404", ErrorSerializer, "Not found, or another station's")
        add("429", ErrorSerializer, "Too many requests")
        return responses


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "stations.apiauth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made in the admin under API tokens.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "stations.apiauth.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The portal's logged-in session (residents); writes need the CSRF "
            "token in X-CSRFToken.",
        }
