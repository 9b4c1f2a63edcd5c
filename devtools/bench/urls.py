"""The site's URLs, plus the benchmark's reference: the cheapest Django view there is, served
by the same gunicorn, middleware and settings as the pages measured against it."""

from django.http import HttpResponse
from django.urls import path

from devtools.bench import HELLO
from musicdir.urls import urlpatterns as site


def hello(request):
    return HttpResponse("Hello, world")


urlpatterns = [path(HELLO, hello), *site]
