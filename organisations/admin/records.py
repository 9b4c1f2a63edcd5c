"""The admin pages of records on their own (a statement, an affiliation...), of sources, people
and tags, and the data version (read only)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse

from ..locking import OptimisticLocking
from ..models import (
    Affiliation,
    Area,
    AreaServed,
    Audience,
    Citation,
    DataVersion,
    Identifier,
    KeyFigure,
    MemberBenefit,
    Organisation,
    OtherName,
    Person,
    Programme,
    Role,
    Source,
    Statement,
    Theme,
)
from .base import Autocomplete, ErrorSummary, RecordsChanges, RecordsHistory
from .imports import Importing


class RecordAdmin(
    Autocomplete,
    Importing,
    ErrorSummary,
    OptimisticLocking,
    RecordsChanges,
    RecordsHistory,
    admin.ModelAdmin,
):
    """The shared admin for every cited record, for editing one outside its organisation. Its
    list is filtered by source, not by organisation (a link each: 100,000 of them at scale):
    search finds an organisation's records."""

    list_filter = ["source"]
    autocomplete_fields = ["organisation", "source"]
    readonly_fields = ["key"]
    search_fields = ["organisation__name", "organisation__acronym", "excerpt"]
    list_select_related = ["organisation"]

    def touched(self, obj):
        return Organisation.objects.filter(pk=obj.organisation_id)

    def history_view(self, request, object_id, extra_context=None):
        # A record's history is part of its organisation's: shown there, with the rest.
        record = self.get_object(request, unquote(object_id))
        if record is None:
            return super().history_view(request, object_id, extra_context)
        return redirect(
            reverse("admin:organisations_organisation_history", args=[record.organisation_id])
        )


@admin.register(Citation)
class CitationAdmin(RecordAdmin):
    list_display = ["__str__", "organisation", "source"]
    list_select_related = ["organisation", "source"]


@admin.register(Statement)
class StatementAdmin(RecordAdmin):
    list_display = ["__str__", "organisation", "kind", "order"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    search_fields = ["title", "text", *RecordAdmin.search_fields]


@admin.register(MemberBenefit)
class MemberBenefitAdmin(RecordAdmin):
    list_display = ["__str__", "organisation", "category", "order"]
    list_filter = ["category", *RecordAdmin.list_filter]
    search_fields = ["title", "text", *RecordAdmin.search_fields]


@admin.register(Programme)
class ProgrammeAdmin(RecordAdmin):
    list_display = ["name", "organisation", "kind", "parent", "year"]
    list_select_related = ["organisation", "parent"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    search_fields = ["name", "description", *RecordAdmin.search_fields]
    autocomplete_fields = [*RecordAdmin.autocomplete_fields, "parent"]

    def touched(self, obj):
        # Affiliations about the programme name it in both organisations' documents.
        return Organisation.objects.filter(
            Q(pk=obj.organisation_id)
            | Q(affiliations__programme=obj)
            | Q(affiliations_received__programme=obj)
        ).distinct()


@admin.register(KeyFigure)
class KeyFigureAdmin(RecordAdmin):
    list_display = ["__str__", "organisation", "order"]
    search_fields = ["label", "note", *RecordAdmin.search_fields]


@admin.register(Role)
class RoleAdmin(RecordAdmin):
    list_display = ["person", "title", "organisation"]
    search_fields = ["person__name", "title", "quote", *RecordAdmin.search_fields]
    autocomplete_fields = [*RecordAdmin.autocomplete_fields, "person"]
    list_select_related = ["organisation", "person"]


@admin.register(Affiliation)
class AffiliationAdmin(RecordAdmin):
    list_display = ["organisation", "kind", "other", "qualifier", "programme"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    search_fields = ["other__name", "other__acronym", "qualifier", *RecordAdmin.search_fields]
    autocomplete_fields = [*RecordAdmin.autocomplete_fields, "other", "programme"]
    list_select_related = ["organisation", "other", "programme"]

    def touched(self, obj):
        return Organisation.objects.filter(pk__in=[obj.organisation_id, obj.other_id])


@admin.register(Source)
class SourceAdmin(Autocomplete, RecordsChanges, admin.ModelAdmin):
    list_display = ["title", "publisher", "filename"]
    search_fields = ["title", "description", "filename"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publisher"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def touched(self, obj):
        # Pages name their sources: every organisation with a record quoting this one.
        return Organisation.objects.filter(
            Q(citations__source=obj)
            | Q(statements__source=obj)
            | Q(benefits__source=obj)
            | Q(programmes__source=obj)
            | Q(key_figures__source=obj)
            | Q(roles__source=obj)
            | Q(affiliations__source=obj)
        ).distinct()


@admin.register(Person)
class PersonAdmin(RecordsChanges, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def touched(self, obj):
        return Organisation.objects.filter(roles__person=obj)


@admin.register(AreaServed)
class AreaServedAdmin(RecordAdmin):
    list_display = ["area", "organisation"]
    list_select_related = ["organisation", "area"]
    search_fields = ["area__name", "area__code", *RecordAdmin.search_fields]
    autocomplete_fields = [*RecordAdmin.autocomplete_fields, "area"]


@admin.register(OtherName)
class OtherNameAdmin(RecordAdmin):
    list_display = ["name", "kind", "organisation"]
    list_filter = ["kind", *RecordAdmin.list_filter]
    search_fields = ["name", *RecordAdmin.search_fields]


@admin.register(Identifier)
class IdentifierAdmin(RecordAdmin):
    list_display = ["value", "scheme", "organisation"]
    list_filter = ["scheme", *RecordAdmin.list_filter]
    search_fields = ["value", *RecordAdmin.search_fields]


@admin.register(Area)
class AreaAdmin(RecordsChanges, admin.ModelAdmin):
    """Reference data: the UK, nations and regions shipped, local authorities loaded from a
    published list (manage.py load_local_authorities)."""

    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "other_names"]
    filter_horizontal = ["within"]

    def touched(self, obj):
        # Pages name the areas their organisations serve.
        return Organisation.objects.filter(areas_served__area=obj)


@admin.register(Audience, Theme)
class TagAdmin(RecordsChanges, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def touched(self, obj):
        return obj.organisations.all()


@admin.register(DataVersion)
class DataVersionAdmin(admin.ModelAdmin):
    """Read only: the number is the site's, bumped by every write."""

    list_display = ["__str__"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
