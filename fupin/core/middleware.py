"""Middleware of fupin: the language choice, the Content-Security-Policy, no caching of personal data, no
NUL characters or lone surrogates in input, a query parameter out of range answered 400.

Language choice: Simplified Chinese unless the person picked English with the language switch.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so an office PC with an
English browser would show English by default; the users of this system work in Chinese.
"""

import json
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from fupin.core.errors import UNSTORABLE, Problem, unstorable
from fupin.core.query import BadQuery


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy header (settings.CONTENT_SECURITY_POLICY) on every answer Django makes.

    Django 5.2 has no CSP of its own. The policy is one fixed string — no page has an inline script, so
    no nonces — which these few lines set without another dependency. A view may set its own header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if policy := getattr(settings, "CONTENT_SECURITY_POLICY", ""):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class NoStoreMiddleware:
    """Cache-Control: no-store on every answer that may carry personal data, so that neither a proxy nor
    the browser keeps a copy (on a shared office PC, the next person must not find a household list in
    the cache or behind the Back button after sign-out):

    - every API answer (token or session, JSON or file);
    - every answer to a browser that holds a session, i.e. to a signed-in user — told by the cookie, not
      by loading the user, so that no database query is made (a 500 page must render with it down);
    - every answer that sets or ends the session (sign-in, sign-out) or answers a POST (a form sent back
      with what was typed into it, such as the public self-report form with an ID number).

    Static files never get here: WhiteNoise, above in MIDDLEWARE, answers them with long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session_cookie = settings.SESSION_COOKIE_NAME
        if (
            request.path_info.startswith("/api/")
            or session_cookie in request.COOKIES
            or session_cookie in response.cookies
            or request.method not in ("GET", "HEAD")
        ):
            add_never_cache_headers(response)
        return response


class RejectNulMiddleware:
    """Refuse a request that carries a NUL character (U+0000) or a lone UTF-16 surrogate (U+D800–U+DFFF) in
    its path, query, form fields or JSON body, before any view runs: PostgreSQL text cannot hold a NUL and
    no UTF-8 encoder can send a surrogate (psycopg and sqlite3 raise), so every query that met one was a
    500; no data of fupin's has a use for either. The API answers 422 in its error shape, pages 400; both in
    Chinese and English.

    Surrogates come only through JSON: its escape "\\ud800" decodes to one, while Django decodes a URL or a
    form with errors="replace" (U+FFFD). The refusal is checked there anyway, as cheap as the NUL check.

    A page's query parameter out of its range (`core.query.BadQuery`) is answered here too, 400 with the
    message in both languages, the same shape as a NUL refusal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if problem := _unstorable(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": [problem.api_item()]}, status=422)
            return _bad_request(problem.text())
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadQuery):
            return _bad_request(str(exception))
        return None


def _bad_request(text: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


def _unstorable(request) -> Problem | None:
    """The problem of the first NUL or surrogate the request carries, or None."""
    found = _first_unstorable_text(request)
    return None if found is None else unstorable(found)


def _first_unstorable_text(request) -> str | None:
    for text in (request.path_info, unquote_plus(request.META.get("QUERY_STRING", ""))):
        if m := UNSTORABLE.search(text):
            return m.group()
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    kind = request.content_type or ""
    if kind == "application/json":
        try:
            return _json_unstorable(json.loads(request.body))
        except (ValueError, RequestDataTooBig):
            return None  # not JSON, or too large: the API answers that itself
    if kind == "application/x-www-form-urlencoded":
        try:
            m = UNSTORABLE.search(unquote_plus(request.body.decode("latin-1")))
        except RequestDataTooBig:
            return None  # the view answers an oversized form itself
        return m.group() if m else None
    # Multipart forms (uploads) are left to their views: parsing them here would change how a broken one
    # is answered, and their files are binary.
    return None


def _json_unstorable(value) -> str | None:
    if isinstance(value, str):
        m = UNSTORABLE.search(value)
        return m.group() if m else None
    if isinstance(value, dict):
        items = [x for kv in value.items() for x in kv]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        if (found := _json_unstorable(item)) is not None:
            return found
    return None
