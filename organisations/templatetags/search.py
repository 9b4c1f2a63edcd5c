"""`{{ organisation|snippet:search }}`: why a search result matched, matches in <mark>."""

from django import template

register = template.Library()


@register.filter
def snippet(organisation, search):
    """The field that matched and an extract of it (search.Snippet), or None (no search, or
    nothing matched but the name or acronym)."""
    return search.snippet(organisation.search_text) if search else None
