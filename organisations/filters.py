"""The one FilterSet behind the organisation list (and, later, its exports)."""

import django_filters
from django import forms
from django.db.models import F
from django.http import QueryDict

from .models import Audience, Organisation, Theme
from .search import Search

SORTS = {
    "relevance": ("Best match", ["-rank", "name"]),
    "name": ("Name, A to Z", ["name"]),
    "-name": ("Name, Z to A", ["-name"]),
    "founded": ("Oldest first", [F("founded_year").asc(nulls_last=True), "name"]),
    "-founded": ("Newest first", [F("founded_year").desc(nulls_last=True), "name"]),
}

STATUS_ALL = "all"


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, acronym or topic"}),
    )
    kind = django_filters.MultipleChoiceFilter(
        label="Type of organisation",
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    scope = django_filters.MultipleChoiceFilter(
        label="Geographic scope",
        choices=Organisation.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    audience = django_filters.ModelMultipleChoiceFilter(
        label="Audience",
        field_name="audiences__slug",
        to_field_name="slug",
        queryset=Audience.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    theme = django_filters.ModelMultipleChoiceFilter(
        label="Theme",
        field_name="themes__slug",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ChoiceFilter(
        choices=[*Organisation.Status.choices, (STATUS_ALL, "Any, including closed")],
        empty_label="Active or merged",
        method="filter_status",
    )
    affiliated_with = django_filters.ModelChoiceFilter(
        label="Affiliated with",
        to_field_name="slug",
        queryset=Organisation.objects.all(),
        empty_label="Any organisation",
        method="filter_affiliated_with",
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
        # Always bound, so the defaults (closed hidden, a sort) apply to the bare list too,
        # and the sort control shows the order actually used.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("sort"):
            data["sort"] = "relevance" if data.get("q", "").strip() else "name"
        super().__init__(data, *args, **kwargs)

    def search(self, queryset, name, value):
        # Kept for the result cards' snippets: parsing may cost a query (typo corrections).
        self.search_query = Search(value, using=queryset.db)
        return queryset.search(self.search_query)

    def filter_status(self, queryset, name, value):
        return queryset if value == STATUS_ALL else queryset.filter(status=value)

    def filter_affiliated_with(self, queryset, name, value):
        return queryset.affiliated_with(value)

    def sort_by(self, queryset, name, value):
        if value == "relevance" and not self.form.cleaned_data.get("q"):
            value = "name"
        return queryset.order_by(*SORTS[value][1])

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.listed()
        return super().filter_queryset(queryset)
