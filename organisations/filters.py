"""The one FilterSet behind the organisation list and its exports.

Besides filtering, it describes itself for the page: `facets` gives every option of every
filter with the number of results choosing it would give, and `active_filters` the selections
with a link that removes each one.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.http import QueryDict

from .cache import memoised, memoised_corrections
from .forms import shown
from .models import Audience, Organisation, Theme
from .search import Search

SORTS = {
    "relevance": ("Best match (by name when not searching)", ["-rank", "name"]),
    "name": ("Name, A to Z", ["name"]),
    "-name": ("Name, Z to A", ["-name"]),
    "founded": ("Oldest first", [F("founded_year").asc(nulls_last=True), "name"]),
    "-founded": ("Newest first", [F("founded_year").desc(nulls_last=True), "name"]),
}

STATUS_ALL = "all"

QUERY_MAX_LENGTH = 200


def organisation_exists(slug):
    if not Organisation.objects.filter(slug=slug).exists():
        raise ValidationError(
            "No organisation called “%(value)s”.", code="unknown", params={"value": shown(slug)}
        )


def has_words(value):
    """A search must have something to look for: "!!!" has no words (see search.py)."""
    if not re.search(r"[^\W_]", value):
        raise ValidationError(
            "Search for words or numbers: “%(value)s” has none.",
            code="no_words",
            params={"value": shown(value)},
        )


@dataclass(frozen=True)
class Option:
    """One choice of a filter, as the page offers it."""

    value: str
    label: str
    count: int
    selected: bool

    @property
    def disabled(self):
        # Choosing it would give nothing; a selected option stays usable, to unselect it.
        return not self.count and not self.selected


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=QUERY_MAX_LENGTH,
        validators=[has_words],
        error_messages={
            "max_length": "A search can be at most %(limit_value)d characters long; "
            "this one has %(show_value)d.",
        },
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, acronym or topic"}),
    )
    # No filter joins a relation into the results, so none needs DISTINCT (which would make
    # the database compare whole rows to sort a page of them).
    kind = django_filters.MultipleChoiceFilter(
        label="Type of organisation",
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    scope = django_filters.MultipleChoiceFilter(
        label="Geographic scope",
        choices=Organisation.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    # Audience and theme choices are loaded once per data version, in __init__.
    audience = django_filters.MultipleChoiceFilter(
        label="Audience",
        field_name="audiences__slug",
        method="filter_related",
        widget=forms.CheckboxSelectMultiple,
    )
    theme = django_filters.MultipleChoiceFilter(
        label="Theme",
        field_name="themes__slug",
        method="filter_related",
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ChoiceFilter(
        choices=[*Organisation.Status.choices, (STATUS_ALL, "Any, including closed")],
        empty_label="Active or merged",
        method="filter_status",
    )
    # An organisation, by slug. The page offers the few most connected ones (a select of the
    # whole directory would outgrow the page), but any organisation's slug is accepted.
    affiliated_with = django_filters.CharFilter(
        label="Affiliated with",
        method="filter_affiliated_with",
        validators=[organisation_exists],
        widget=forms.Select(choices=[("", "Any organisation")]),
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[(value, label) for value, (label, _) in SORTS.items()],
        empty_label=None,
        method="sort_by",
    )

    search_query = None  # the parsed `q`, once filtered

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # Always bound, so the defaults (closed hidden, a sort) apply to the bare list too.
        # The default sort is "best match", which is by name until there is a search: so a
        # search typed into a page whose form submits its sort still ranks by relevance.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("sort"):
            data["sort"] = "relevance"
        super().__init__(data, *args, **kwargs)
        # Choices from the database, read once per data version: validating and counting need
        # no more queries.
        choices = memoised("tags", "", _tag_choices)
        for name, tag_choices in choices.items():
            self.filters[name].extra["choices"] = tag_choices

    def search(self, queryset, name, value):
        # Parsed once (it may cost a query, for typo corrections) and kept for the snippets.
        if self.search_query is None:
            self.search_query = Search(value, using=queryset.db, corrections=memoised_corrections)
        return queryset.search(self.search_query)

    def filter_related(self, queryset, name, values):
        """Organisations with any of `values` in the relation `name` (`audiences__slug`), as a
        subquery: each organisation once, without joining the relation into the results."""
        return queryset.filter(pk__in=Organisation.objects.filter(**{f"{name}__in": values}))

    def filter_status(self, queryset, name, value):
        return queryset if value == STATUS_ALL else queryset.filter(status=value)

    def filter_affiliated_with(self, queryset, name, value):
        return queryset.affiliated_with(value)

    def sort_by(self, queryset, name, value):
        # Relevance needs a search that ranked the results (one with words to look for).
        if value == "relevance" and not self.search_query:
            value = "name"
        return queryset.order_by(*SORTS[value][1])

    def filter_queryset(self, queryset):
        return self.filtered(queryset)

    def filtered(self, queryset, leave_out=None):
        """`queryset` filtered by every filter but `leave_out` (None: by all of them)."""
        data = self.form.cleaned_data
        if leave_out != "status" and not data.get("status"):
            queryset = queryset.listed()
        for name, filter_ in self.filters.items():
            if name != leave_out:
                queryset = filter_.filter(queryset, data.get(name))
        return queryset

    # Facets ------------------------------------------------------------------------------------

    FACETS = ["kind", "scope", "audience", "theme", "status", "affiliated_with"]
    AFFILIATED_WITH_SHOWN = 12  # the most connected organisations the select offers

    @cached_property
    def facets(self):
        """{filter name: [Option]}, each count taken with that filter's own selection left out,
        so it says how many results choosing the option would give. None if the form is
        invalid. One query per filter, once per data version for the same search and filters
        (so not again for another page of results or another sort)."""
        if not self.is_valid():
            return None
        return memoised(
            "facets",
            self._chosen,
            lambda: {name: self._options(name) for name in self.FACETS},
        )

    @cached_property
    def count(self):
        """How many results there are (on every page): counted once per data version for the
        same search and filters."""
        if not self.is_valid():
            return 0
        return memoised("count", self._chosen, self.qs.count)

    @cached_property
    def _chosen(self):
        """The search and filters chosen, as one string: what the results depend on, the sort
        aside."""
        data = self.form.cleaned_data
        return urlencode(
            sorted((name, value) for name in ["q", *self.FACETS] for value in _listed(data[name]))
        )

    def _options(self, name):
        filter_ = self.filters[name]
        chosen = self.form.cleaned_data.get(name)
        chosen = set(chosen) if isinstance(chosen, list) else {chosen}
        results = self.filtered(self.queryset.all(), leave_out=name)
        if name == "affiliated_with":
            return self._affiliated_with_options(results, chosen)
        ids = results.values("pk")
        counts = _counts(ids, filter_.field_name)
        choices = filter_.extra["choices"]
        if name == "status":
            counts[""] = sum(n for value, n in counts.items() if value != "closed")
            counts[STATUS_ALL] = sum(counts.values()) - counts[""]
            choices = [("", filter_.extra["empty_label"]), *choices]
        return [
            Option(str(value), label, counts.get(value, 0), value in chosen)
            for value, label in choices
        ]

    def _affiliated_with_options(self, results, chosen):
        """ "Any organisation" first (so the select does not default to an organisation, which
        the next submit would apply), then the most connected organisations by name, and the
        chosen one whatever its count."""
        (slug,) = chosen
        rows = results.most_affiliated(self.AFFILIATED_WITH_SHOWN, first=slug)
        if slug and slug not in {row[0] for row in rows}:
            rows.append((slug, Organisation.objects.get(slug=slug).name, 0))
        rows.sort(key=lambda row: row[1])
        # With no organisation chosen, `results` are this page's results, already counted.
        any_count = results.count() if slug else self.count
        return [
            Option("", "Any organisation", any_count, not slug),
            *(Option(value, label, count, value == slug) for value, label, count in rows),
        ]

    @cached_property
    def chosen_count(self):
        """How many filter options are chosen, valid or not (the search not counted)."""
        query = self.request.GET if self.request else self.data
        return sum(1 for name in self.FACETS for value in query.getlist(name) if value)

    @cached_property
    def active_filters(self):
        """[(label, URL without it)] for the search and each selected option."""
        if not self.is_valid():
            return []
        query = self.request.GET if self.request else self.data
        active = []
        for name in ["q", *self.FACETS]:
            values = [v for v in query.getlist(name) if v]
            if name == "q":
                labels = {v: f"“{v}”" for v in values}
            else:
                labels = {o.value: o.label for o in self.facets[name]}
            for value in values:
                if value in labels:
                    remaining = query.copy()
                    remaining.setlist(name, [v for v in values if v != value])
                    remaining.pop("page", None)
                    label = f"{self.form.fields[name].label}: {labels[value]}"
                    active.append((label, f"?{remaining.urlencode()}"))
        return active


def _tag_choices():
    return {
        name: list(model.objects.values_list("slug", "name"))
        for name, model in [("audience", Audience), ("theme", Theme)]
    }


def _listed(value):
    if isinstance(value, list):
        return value
    return [value] if value else []


def _counts(ids, field):
    """{value: number of organisations among `ids`} for a field or relation."""
    rows = (
        Organisation.objects.filter(pk__in=ids)
        .values_list(field)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return Counter(dict(rows))
