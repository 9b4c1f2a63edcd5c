"""Security headers Django 5.2 does not send itself, and the client's address behind the proxy.

Django's SecurityMiddleware already sends HSTS, X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy, and XFrameOptionsMiddleware X-Frame-Options (see settings.py).
This adds Content-Security-Policy (settings.SECURE_CSP, or SECURE_CSP_REPORT_ONLY, in the
shape Django 6.0's own CSP support takes, so moving to it is a change of middleware) and
Permissions-Policy (settings.PERMISSIONS_POLICY). `RejectNulBytesMiddleware` turns away
parameters no browser sends.
"""

import ipaddress

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse


def csp_header(policy):
    """`{"script-src": ["'self'"], ...}` as header text: `script-src 'self'; ...`."""
    return "; ".join(
        " ".join([directive, *sources]) for directive, sources in policy.items() if sources
    )


def permissions_policy_header(policy):
    """`{"camera": [], "fullscreen": ["self"]}` as header text: `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy (or its report-only twin) and Permissions-Policy to every
    response that does not set them itself."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Content-Security-Policy": csp_header(settings.SECURE_CSP),
            "Content-Security-Policy-Report-Only": csp_header(settings.SECURE_CSP_REPORT_ONLY),
            "Permissions-Policy": permissions_policy_header(settings.PERMISSIONS_POLICY),
        }

    def __call__(self, request):
        response = self.get_response(request)
        for header, value in self.headers.items():
            if value and header not in response:
                response[header] = value
        return response


class RejectNulBytesMiddleware:
    """A 400 for any request whose parameters (the query string's, or a posted form's) hold a
    NUL character: no one types one, SQLite would store it and PostgreSQL refuses it with an
    error, on any page, the admin's filters and autocomplete included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parameters = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            parameters.append(request.POST)
        for query in parameters:
            for name, values in query.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    if request.path.startswith(API_PATH):  # the API answers JSON only
                        return JsonResponse(
                            {"errors": {name: ["A parameter holds a NUL character."]}},
                            status=400,
                            content_type="application/json; charset=utf-8",
                        )
                    return HttpResponseBadRequest(
                        "Bad request: a parameter holds a NUL character.\n",
                        content_type="text/plain; charset=utf-8",
                    )
        return self.get_response(request)


# Where the JSON API lives (organisations/api.py): its errors are JSON, as its description says.
API_PATH = "/api/"

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def client_ip(request):
    """The address of the client, for the login lockout (django-axes).

    The proxy in front of the site appends the address it was connected from to
    X-Forwarded-For; anything to the left of that came from the client and may be forged. With
    `TRUSTED_PROXY_COUNT` proxies in a chain, the client's address is the entry that many places
    from the right. With none, or no usable header, it is the socket's address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if proxies and len(forwarded) >= proxies:
        try:
            return str(ipaddress.ip_address(forwarded[-proxies].strip()))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")
