"""Pages that belong to no domain app: the home page only sends people where they work; the 403 and 500
pages."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template import loader
from django.views import defaults

from fupin.core.errors import Denied

log = logging.getLogger(__name__)

# What is left when even the layout cannot be drawn.
BARE_500 = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>服务器出错 / Server error</title>'
    "<h1>服务器出错 / Server error</h1><p>请稍后重试。/ Please try again in a moment.</p></html>"
)


def home(request):
    """Signed in: the overview. Otherwise: the sign-in page."""
    if request.user.is_authenticated:
        return redirect("overview:overview")
    return redirect("accounts:login")


def permission_denied(request, exception):
    """The 403 page (handler403): a refusal that gives its reason in both languages (`Denied`) says it in the
    page's language only."""
    if isinstance(exception, Denied):
        exception = PermissionDenied(exception.message())
    return defaults.permission_denied(request, exception)


def server_error(request):
    """The 500 page (handler500) in the app's layout and the person's language.

    Drawn from the template and the request alone — no signed-in user, session, messages or any other
    database query — because the error may be the database itself. The CSRF token comes from its cookie,
    so the language switch of the layout still works.
    """
    try:
        body = loader.get_template("500.html").render({"request": request, "csrf_token": get_token(request)})
    except Exception:
        log.exception("the 500 page could not be drawn")
        body = BARE_500
    return HttpResponseServerError(body)
