from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import history
from .history import CannotRestore, History, restore
from .locking import OptimisticLocking
from .models import (
    Affiliation,
    Audience,
    Citation,
    DataVersion,
    KeyFigure,
    MemberBenefit,
    Organisation,
    Person,
    Programme,
    Role,
    Source,
    Statement,
    Theme,
)

# Each fact about an organisation cites a source: the excerpt is checked against it on save.
CITED = ("source", "excerpt")


class RecordsHistory:
    """Every row one admin save or delete writes to the history shares one moment (that of the
    request), so that restoring the organisation to it restores all of them."""

    def save_model(self, request, obj, form, change):
        history.mark(obj, when=_moment(request))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:  # those saved, and those deleted
            history.mark(inline_form.instance, when=_moment(request))
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        history.mark(obj, when=_moment(request))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            history.mark(obj, when=_moment(request)).delete()


def _moment(request):
    return request.__dict__.setdefault("_history_moment", timezone.now())


class RecordsChanges:
    """Tells the directory about every write made through this admin (`changed()`): the search
    index is rebuilt for the organisations whose pages show the object, and the data version
    is bumped, so no cached page is stale.

    `touched(obj)` says which organisations' pages show `obj`. It runs after a save (once the
    inlines are saved too) and around a delete.
    """

    def touched(self, obj):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.touched(form.instance).changed()

    def delete_model(self, request, obj):
        ids = list(self.touched(obj).values_list("pk", flat=True))
        super().delete_model(request, obj)
        Organisation.objects.filter(pk__in=ids).changed()

    def delete_queryset(self, request, queryset):
        ids = {pk for obj in queryset for pk in self.touched(obj).values_list("pk", flat=True)}
        super().delete_queryset(request, queryset)
        Organisation.objects.filter(pk__in=ids).changed()


class RecordInline(admin.StackedInline):
    extra = 0
    autocomplete_fields = ["source"]
    show_change_link = True


class CitationInline(RecordInline):
    model = Citation
    fields = ["order", *CITED]
    classes = ["collapse"]
    verbose_name_plural = "citations for the organisation's own fields"


class StatementInline(RecordInline):
    model = Statement
    fields = ["order", "kind", "title", "text", "is_intro", *CITED]


class MemberBenefitInline(RecordInline):
    model = MemberBenefit
    fields = ["order", "category", "title", "text", *CITED]


class ProgrammeInline(RecordInline):
    model = Programme
    fields = [
        "order",
        "name",
        "kind",
        "parent",
        "description",
        ("frequency", "year", "location"),
        *CITED,
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A programme's parent belongs to the same organisation.
        if db_field.name == "parent" and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = Programme.objects.filter(
                organisation_id=request.resolver_match.kwargs["object_id"]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class KeyFigureInline(RecordInline):
    model = KeyFigure
    fields = ["order", ("qualifier", "value", "label"), "note", *CITED]


class RoleInline(RecordInline):
    model = Role
    fields = ["order", "person", "title", "quote", *CITED]
    autocomplete_fields = ["source", "person"]


class AffiliationInline(RecordInline):
    model = Affiliation
    fk_name = "organisation"
    fields = ["order", ("kind", "other"), "qualifier", "programme", *CITED]
    autocomplete_fields = ["source", "other", "programme"]
    verbose_name = "affiliation (this organisation is … the other)"


@admin.register(Organisation)
class OrganisationAdmin(OptimisticLocking, RecordsChanges, RecordsHistory, admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "scope", "status", "founded_year", "last_verified"]
    list_filter = ["kind", "scope", "status", "audiences", "themes"]
    search_fields = ["name", "acronym", "summary", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["audiences", "themes"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "acronym", "kind", "scope", "status"]}),
        ("About", {"fields": ["summary", "description", "founded_year", "website"]}),
        ("Filtering", {"fields": ["audiences", "themes"]}),
        ("Editorial", {"fields": ["last_verified"]}),
    ]
    inlines = [
        StatementInline,
        MemberBenefitInline,
        ProgrammeInline,
        KeyFigureInline,
        RoleInline,
        AffiliationInline,
        CitationInline,
    ]
    view_on_site = True
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    object_history_template = "admin/organisations/organisation/object_history.html"

    def touched(self, obj):
        # Affiliated organisations' documents name this one.
        return Organisation.objects.around(obj)

    # History: every change to the organisation and its records, and restoring one ------------

    def get_urls(self):
        restore = path(
            "<path:object_id>/history/restore/",
            self.admin_site.admin_view(self.restore_view),
            name="organisations_organisation_restore",
        )
        return [restore, *super().get_urls()]

    def history_view(self, request, object_id, extra_context=None):
        organisation = self.get_object(request, unquote(object_id))
        changes = History(organisation).changes if organisation else []
        return super().history_view(
            request, object_id, extra_context={"changes": changes, **(extra_context or {})}
        )

    def restore_view(self, request, object_id):
        """Confirm, then put the organisation back as it was at `moment` (history.restore)."""
        organisation = self.get_object(request, unquote(object_id))
        if organisation is None or not self.has_change_permission(request, organisation):
            raise PermissionDenied
        moment = parse_datetime(request.POST.get("moment") or request.GET.get("moment") or "")
        history_url = reverse("admin:organisations_organisation_history", args=[organisation.pk])
        if moment is None:
            messages.error(request, "Choose a version to restore from the history.")
            return redirect(history_url)
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "object": organisation,
                "moment": moment,
                "title": f"Restore {organisation}",
            }
            return TemplateResponse(
                request, "admin/organisations/organisation/restore.html", context
            )
        try:
            restore(organisation, moment, f"restored to {moment:%Y-%m-%d %H:%M:%S}")
        except CannotRestore as problem:
            messages.error(request, f"Nothing was restored: {problem}")
            return redirect(history_url)
        messages.success(request, f"{organisation} is as it was on {moment:%-d %B %Y, %H:%M}.")
        return redirect(reverse("admin:organisations_organisation_change", args=[organisation.pk]))


class RecordAdmin(OptimisticLocking, RecordsChanges, RecordsHistory, admin.ModelAdmin):
    """The shared admin for every cited record, for editing one outside its organisation."""

    list_filter = ["organisation", "source"]
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
class SourceAdmin(RecordsChanges, admin.ModelAdmin):
    list_display = ["title", "publisher", "filename"]
    search_fields = ["title", "description", "filename"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publisher"]

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
