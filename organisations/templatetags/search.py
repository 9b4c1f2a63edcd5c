"""`{{ organisation|snippet:search }}`: why a search result matched, matches in <mark>."""

from django import template

register = template.Library()


@register.filter
def snippet(organisation, search):
    """The field that matched and an extract of it (search.Snippet), or None (no search, or
    nothing matched but the name or acronym)."""
    return search.snippet(organisation.search_text) if search else None


@register.filter
def search_for(sidebar, query):
    """The address of the list's results for the search `query` instead (facets.Sidebar)."""
    return sidebar.search_for(query)


@register.filter
def search_as_typed(sidebar, query):
    """The same, no word of `query` corrected."""
    return sidebar.search_for(query, as_typed=True)
