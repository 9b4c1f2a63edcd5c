"""What base.html says about each page for link previews and search engines: its canonical
address (`{% canonical_url %}`) and, for Open Graph and Twitter cards, its title and
description as the page's own blocks give them (`{% block_text "title" %}`), so each is worded
once."""

import re

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def block_text(context, name):
    """The block `name` as this page renders it (the page's own, or base.html's), as one line
    of plain text, escaped for an attribute."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    node = block_context.get_block(name) if block_context else None
    if node is None:
        return ""
    # Rendered as `{% block %}` renders it (the most derived template's), then made one line
    # of text: its markup was escaped as it was rendered, and stays so.
    text = re.sub(r"\s+", " ", strip_tags(node.render(context))).strip()
    return mark_safe(text.replace('"', "&quot;"))


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's canonical address, absolute (its host as it was asked for: cached pages are
    kept per host), from its canonical query (views.Canonical); "" for a page that has none
    (an error, a page showing a form's errors)."""
    request = context.get("request")
    query = context.get("canonical_query")
    if request is None or query is None:
        return ""
    path = request.path + (f"?{query.urlencode()}" if query else "")
    return request.build_absolute_uri(path)
