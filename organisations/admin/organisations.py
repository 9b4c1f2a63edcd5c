"""An organisation's admin page: its fields, every record inline, the affiliations others made
with it, its history and restoring it."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from .. import history
from ..history import CannotRestore, History, restore
from ..locking import OptimisticLocking, bump
from ..models import (
    Affiliation,
    AffiliationLink,
    AreaServed,
    Citation,
    Identifier,
    KeyFigure,
    MemberBenefit,
    Organisation,
    OtherName,
    Programme,
    Role,
    Statement,
)
from .base import CITED, Autocomplete, ErrorSummary, RecordsChanges, RecordsHistory, moment_of
from .imports import Importing
from .suggestions import FromSuggestion


class RecordInline(Autocomplete, admin.StackedInline):
    """An organisation's records of one kind: each kind a group that opens and closes (shown
    open while it holds an error), so the long form of a large organisation stays usable."""

    extra = 0
    autocomplete_fields = ["source"]
    show_change_link = True
    classes = ["collapse"]


class CitationFormSet(BaseInlineFormSet):
    def clean(self):
        """Each stated field with a value needs a citation that states it (the organisation's
        fields, as this save is about to leave them, against the citations it keeps)."""
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        problems = self.instance.unsupported(kept)
        if problems:
            raise ValidationError(list(problems.values()), code="unsupported")


class CitationInline(RecordInline):
    model = Citation
    formset = CitationFormSet
    fields = ["order", "supports", *CITED]
    verbose_name = "citation for the organisation's own fields"
    verbose_name_plural = "citations for the organisation's own fields"


class StatementInline(RecordInline):
    model = Statement
    fields = ["order", "kind", "title", "text", "is_intro", *CITED]


class MemberBenefitInline(RecordInline):
    model = MemberBenefit
    fields = ["order", "category", "members", "title", "text", *CITED]


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


class AreaServedInline(RecordInline):
    model = AreaServed
    fields = ["order", "area", *CITED]
    autocomplete_fields = ["area", *RecordInline.autocomplete_fields]


class OtherNameInline(RecordInline):
    model = OtherName
    fields = ["order", ("kind", "name"), *CITED]


class IdentifierInline(RecordInline):
    model = Identifier
    fields = ["order", ("scheme", "value"), *CITED]


class KeyFigureInline(RecordInline):
    model = KeyFigure
    fields = ["order", ("qualifier", "value", "label"), "note", *CITED]


class RoleInline(RecordInline):
    model = Role
    fields = ["order", "person", "title", ("start_year", "end_year"), "quote", *CITED]
    autocomplete_fields = ["source", "person"]


class AffiliationFormSet(BaseInlineFormSet):
    def clean(self):
        """The same affiliation twice in one save (the model checks those already saved)."""
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            affiliation = tuple(
                data.get(name)
                for name in ("kind", "other", "described", "programme", "start_year", "end_year")
            )
            if affiliation in seen:
                raise ValidationError(Affiliation.DUPLICATE, code="duplicate")
            seen.add(affiliation)


class AffiliationInline(RecordInline):
    model = Affiliation
    formset = AffiliationFormSet
    fk_name = "organisation"
    fields = ["order", ("kind", "other"), ("described", "described_as"), "qualifier", "programme"]
    fields += [("start_year", "end_year"), *CITED]
    autocomplete_fields = ["source", "other", "programme"]
    verbose_name = "affiliation with another organisation"
    verbose_name_plural = "affiliations with other organisations (this one is … the other)"


@admin.register(Organisation)
class OrganisationAdmin(
    FromSuggestion,
    Importing,
    ErrorSummary,
    OptimisticLocking,
    RecordsChanges,
    RecordsHistory,
    admin.ModelAdmin,
):
    list_display = ["name", "acronym", "kind", "scope", "status", "founded_year", "last_verified"]
    list_filter = ["kind", "scope", "status", "audiences", "themes"]
    search_fields = ["name", "acronym", "summary", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["audiences", "themes"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description"]}),
        (
            "Stated by the sources",
            {
                "fields": list(Organisation.STATED),
                "description": "Each of these, when filled in, needs the passage that states "
                "it: a citation (at the foot of the form) that supports it.",
            },
        ),
        (
            "Our classification",
            {
                "fields": list(Organisation.CLASSIFIED),
                "description": "Our own reading of the sources, marked as ours on the site.",
            },
        ),
        ("Editorial", {"fields": ["last_verified"]}),
        ("Affiliations other organisations recorded", {"fields": ["incoming_affiliations"]}),
    ]
    readonly_fields = ["incoming_affiliations"]
    actions = ["mark_verified_today"]
    save_on_top = True
    inlines = [
        StatementInline,
        MemberBenefitInline,
        ProgrammeInline,
        KeyFigureInline,
        RoleInline,
        AffiliationInline,
        AreaServedInline,
        OtherNameInline,
        IdentifierInline,
        CitationInline,
    ]
    view_on_site = True
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    object_history_template = "admin/organisations/organisation/object_history.html"

    def touched(self, obj):
        # Affiliated organisations' documents name this one.
        return Organisation.objects.around(obj)

    @admin.display(description="Affiliations with this organisation")
    def incoming_affiliations(self, obj):
        """Those recorded on the other organisations' pages, worded for this side, each linked
        to the page where it is edited."""
        if obj.pk is None:
            return "None yet."
        received = obj.affiliations_received.select_related("organisation", "programme")
        links = sorted(
            (AffiliationLink.incoming(a) for a in received), key=AffiliationLink.sort_key
        )
        if not links:
            return "None: no other organisation records an affiliation with this one."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> (recorded on {}\u2019s page)</li>',
                (
                    (
                        reverse(
                            "admin:organisations_organisation_change", args=[link.organisation.pk]
                        ),
                        link.text,
                        link.organisation.short_name,
                    )
                    for link in links
                ),
            ),
        )

    @admin.action(description="Mark the selected organisations as verified today")
    def mark_verified_today(self, request, queryset):
        today = timezone.localdate()
        for organisation in queryset:
            organisation.last_verified = today
            history.mark(organisation, "marked verified", moment_of(request)).save()
        bump(queryset.values_list("pk", flat=True))
        Organisation.objects.filter(pk__in=queryset.values("pk")).changed()
        self.message_user(
            request, f"Marked {queryset.count()} organisation(s) as verified on {today:%-d %B %Y}."
        )

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
