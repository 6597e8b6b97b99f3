"""Bearer tokens for the REST API, read before the station scope is opened.

A request to /api/ with `Authorization: Bearer <key>` runs as the token's
owner (accounts/apitokens.py) with no session: nothing is written to a session
table and no cookie is set. A key that is unknown, revoked or expired leaves
the request anonymous and marked, so the API answers 401 rather than serving
it as a visitor. Runs after the session middlewares and before the audit and
scope middlewares, which then see the token's owner.
"""

from django.contrib.auth.models import AnonymousUser

from .apitokens import api_token_user

SCHEMES = ("bearer", "token")


class ApiTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        request.api_token_refused = False
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header and request.path_info.startswith("/api/"):
            scheme, _sep, key = header.strip().partition(" ")
            if scheme.lower() in SCHEMES:
                found = api_token_user(key.strip())
                if found is None:
                    request.user = AnonymousUser()
                    request.api_token_refused = True
                else:
                    user, token = found
                    # a token is its own factor: the owner made it from a
                    # session that passed the second factor
                    user.is_verified = lambda: True
                    request.user, request.api_token = user, token
        return self.get_response(request)
