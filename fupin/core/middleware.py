"""Middleware of fupin: the language choice, the Content-Security-Policy, no caching of personal data.

Language choice: Simplified Chinese unless the person picked English with the language switch.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so an office PC with an
English browser would show English by default; the users of this system work in Chinese.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers


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
