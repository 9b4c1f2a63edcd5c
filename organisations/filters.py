"""The one FilterSet behind the organisation list and its exports: it filters and sorts.

What the page shows about the filters (each option's count, the "remove filter" links) is
worked out from it by facets.py.
"""

import re
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import QueryDict

from .cache import memoised, memoised_corrections
from .forms import shown
from .models import PLAIN_SLUG, Area, Audience, Organisation, Theme
from .search import Search, no_corrections

SORTS = {
    "relevance": ("Best match (by name when not searching)", ["-rank", "name"]),
    "name": ("Name, A to Z", ["name"]),
    "-name": ("Name, Z to A", ["-name"]),
    "founded": ("Oldest first", [F("founded_year").asc(nulls_last=True), "name"]),
    "-founded": ("Newest first", [F("founded_year").desc(nulls_last=True), "name"]),
}

# The sort when none is chosen: "best match", which is by name until there is a search, so a
# search typed into a page whose form submits its sort still ranks by relevance.
DEFAULT_SORT = "relevance"

STATUS_ALL = "all"

QUERY_MAX_LENGTH = 200
AS_TYPED = "1"


def organisation_exists(slug):
    # Only a value that could be a slug is looked up: whatever else was typed names no one.
    if not (PLAIN_SLUG.fullmatch(slug) and Organisation.objects.filter(slug=slug).exists()):
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


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
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
    # "Who serves my area?": a local authority (or a county, region or nation), by its GSS
    # code. A native select: typing its first letters finds it, without JavaScript.
    area = django_filters.ChoiceFilter(
        label="Serving the area", empty_label="Anywhere", method="filter_area"
    )
    # Area, audience and theme choices are loaded once per data version, in __init__.
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
    # Closed organisations are left out unless asked for. (A status no source states is blank,
    # so it has no choice of its own: "Any but closed" includes it.)
    status = django_filters.ChoiceFilter(
        choices=[
            *((value, label) for value, label in Organisation.Status.choices if value),
            (STATUS_ALL, "Any, including closed"),
        ],
        empty_label="Any but closed",
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
    # "Search instead for <what was typed>": no word corrected. Only the "did you mean" link
    # asks for it (the form has no field for it), and only with a search.
    as_typed = django_filters.ChoiceFilter(
        choices=[(AS_TYPED, "Search for the words as typed")], method="filter_as_typed"
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[(value, label) for value, (label, _) in SORTS.items()],
        empty_label=None,
        method="sort_by",  # applied last, whatever the order filters are declared in
    )

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # Always bound, so the defaults (closed hidden, a sort) apply to the bare list too.
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)
        # Choices from the database, read once per data version: validating and counting need
        # no more queries.
        for name, choices in memoised("choices", "", _choices_from_the_database).items():
            self.filters[name].extra["choices"] = choices

    @cached_property
    def search(self):
        """The search asked for, parsed (it may cost a query, for typo corrections, kept once
        per data version), for filtering, ranking and the snippets. For a valid form."""
        data = self.form.cleaned_data
        corrections = no_corrections if data.get("as_typed") else memoised_corrections
        return Search(data["q"], using=self.queryset.db, corrections=corrections)

    @property
    def chosen_sort(self):
        """The sort asked for (for a valid form), or the default."""
        return self.form.cleaned_data.get("sort") or DEFAULT_SORT

    def filter_search(self, queryset, name, value):
        return queryset.search(self.search)

    def filter_as_typed(self, queryset, name, value):
        return queryset  # the search reads it (`search`)

    def filter_related(self, queryset, name, values):
        """Organisations with any of `values` in the relation `name` (`audiences__slug`), as a
        subquery: each organisation once, without joining the relation into the results."""
        return queryset.filter(pk__in=Organisation.objects.filter(**{f"{name}__in": values}))

    def filter_status(self, queryset, name, value):
        return queryset if value == STATUS_ALL else queryset.filter(status=value)

    @cached_property
    def chosen_area(self):
        """The Area chosen (for a valid form), or None."""
        code = self.form.cleaned_data.get("area")
        return Area.objects.get(code=code) if code else None

    def filter_area(self, queryset, name, code):
        return queryset.serving(self.chosen_area)

    def filter_affiliated_with(self, queryset, name, value):
        return queryset.affiliated_with(value)

    def sort_by(self, queryset, name, value):
        # Relevance needs a search that ranked the results (one with words to look for).
        if value == "relevance" and not self.form.cleaned_data["q"]:
            value = "name"
        # Those serving the area chosen locally first; those serving its region, nation or
        # the whole UK after them. A region or nation has no local tier to put first (and
        # ordering by a constant is an error on PostgreSQL where the exports leave it unread).
        local_first = ["-serves_locally"] if self.local_first else []
        return queryset.order_by(*local_first, *SORTS[value][1])

    @property
    def local_first(self):
        """Whether those serving the chosen area locally come first (for a valid form)."""
        area = self.chosen_area
        return bool(area and area.kind in Area.LOCAL)

    def filter_queryset(self, queryset):
        return self.sort_by(self.filtered(queryset), "sort", self.chosen_sort)

    def filtered(self, queryset):
        """`queryset` filtered by every filter, unsorted."""
        data = self.form.cleaned_data
        if not data.get("status"):
            queryset = queryset.listed()
        for name, filter_ in self.filters.items():
            if name != "sort":
                queryset = filter_.filter(queryset, data.get(name))
        return queryset


def _choices_from_the_database():
    return {
        **{
            name: list(model.objects.values_list("slug", "name"))
            for name, model in [("audience", Audience), ("theme", Theme)]
        },
        "area": list(Area.objects.exclude(kind=Area.Kind.UK).values_list("code", "name")),
    }
