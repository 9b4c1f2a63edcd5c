"""`{{ organisation|snippet:search }}`: why a search result matched, matches in <mark>."""

from django import template

register = template.Library()


@register.filter
def snippet(organisation, search):
    """A short extract of the organisation's text around its first match, or "" (no match
    beyond the name, or no search). Escaped, with the matches marked."""
    return search.snippet(organisation.search_text) if search else ""
