"""The list's comparison basket: the organisations a reader has put aside to compare, carried
in the list's address (`?compare=isme&compare=amie`), so it survives filters, sorts and pages,
works without JavaScript, and can be shared. Each card's "Add to comparison" link adds one;
the basket shows them and leads to the comparison (`CompareView`, `?o=...`).

Whatever the address holds, it never fails a page: only the first MAX_COMPARED different values
are looked at (one query, only with a basket), and those naming no organisation are left out,
and said to be. The list's canonical query (facets.Sidebar.canonical) holds only the basket as
kept, so a page asked for with anything else is answered, never cached (organisations/cache.py).
"""

from functools import cached_property
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from .forms import MAX_COMPARED, MIN_COMPARED, SLUG_MAX_LENGTH, SLUG_RE
from .models import Organisation

PARAMETER = "compare"


class Basket:
    def __init__(self, values):
        """`values`: the parameter's values, as given (request.GET.getlist(PARAMETER))."""
        self.asked = list(dict.fromkeys(value.strip() for value in values if value.strip()))
        self.looked_at = self.asked[:MAX_COMPARED]

    @cached_property
    def organisations(self):
        """Those asked for, in the order given, with what the basket shows of them."""
        possible = [v for v in self.looked_at if len(v) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(v)]
        if not possible:
            return []
        found = Organisation.objects.only("slug", "name", "acronym", "status").in_bulk(
            possible, field_name="slug"
        )
        return [found[slug] for slug in possible if slug in found]

    @property
    def left_out(self):
        """How many of the values asked for are not in it (naming no organisation, or beyond
        MAX_COMPARED)."""
        return len(self.asked) - len(self.organisations)

    @cached_property
    def slugs(self):
        return [org.slug for org in self.organisations]

    def __contains__(self, slug):
        return slug in self.slugs

    def __len__(self):
        return len(self.organisations)

    @property
    def full(self):
        return len(self) >= MAX_COMPARED

    @property
    def ready(self):
        """Enough to compare."""
        return len(self) >= MIN_COMPARED

    @property
    def comparison_url(self):
        return f"{reverse('organisations:compare')}?{urlencode([('o', s) for s in self.slugs])}"


def toggled(query, basket, slug):
    """The query string of the list `query` (its canonical query, its page included) with `slug`
    put in the basket, or taken out if it is in it: the same page of the same results. While
    the form has errors (`query` None): the basket alone."""
    if query is None:
        query = QueryDict(mutable=True)
        query.setlist(PARAMETER, basket.slugs)
    query = query.copy()
    page = query.pop("page", None)
    slugs = query.getlist(PARAMETER)
    slugs = [s for s in slugs if s != slug] if slug in slugs else [*slugs, slug]
    query.pop(PARAMETER, None)
    if slugs:
        query.setlist(PARAMETER, slugs)
    if page:
        query.setlist("page", page)
    return f"?{query.urlencode()}" if query else ""
