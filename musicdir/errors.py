"""The designed error pages, with debug on too (`make run`), unless a developer asks for
Django's technical pages with DJANGO_TECHNICAL_ERRORS=1.

With debug on, Django answers a missing page or a failure with its technical page, which
shows settings and code, and does not fit a phone. This middleware puts the site's own
404.html and 500.html in their place (the failure is still logged, traceback and all, by
Django's request logger). With debug off it does nothing: Django serves those pages itself.
"""

from django.conf import settings
from django.views import defaults


class DesignedErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not settings.DEBUG or settings.TECHNICAL_ERRORS:
            return response
        if response.status_code == 404 and _technical(response):
            return defaults.page_not_found(request, None)
        if response.status_code == 500 and _technical(response):
            return defaults.server_error(request)
        return response


def _technical(response):
    """Whether `response` is one of Django's technical error pages, which say why they show."""
    return not response.streaming and b"<code>DEBUG = True</code>" in response.content
