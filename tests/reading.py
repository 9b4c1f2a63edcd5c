"""Reading pages as a reader does: their text without markup, folded for comparison."""

import html
import re

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
