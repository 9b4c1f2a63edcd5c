"""Reading pages as a reader does: their text without markup, folded for comparison."""

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse


def detail_url(slug):
    return reverse("organisations:detail", kwargs={"slug": slug})


def normalise(text):
    return re.sub(r"\s+", " ", html.unescape(text).replace("\xa0", " ")).strip().casefold()


def visible(response):
    """The page's text, without markup, folded for comparison."""
    return visible_html(response.content.decode())


def visible_html(content):
    return normalise(re.sub(r"<[^>]+>", " ", content))


def count_queries(client, url):
    """How many queries a successful GET of `url` costs, a streamed response read to the end."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)
