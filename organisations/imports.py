"""Importing many organisations, or many records, from a spreadsheet (CSV or XLSX).

django-import-export does the work: the admin's "Import" page on each list (organisations,
statements, affiliations...) reads the file, shows a preview with every row's outcome (new,
changed, unchanged, error) and every error by row and column, then imports it, all or nothing,
on confirmation. `python manage.py import_records` does the same from the command line.

Each row goes through the same rules as an edit in the admin (`full_clean`: the verbatim rule,
choices, the founding year...). An organisation is matched by its slug, a record by its
organisation and key; a row without a key gets the key the record's wording gives it, so
importing the same file again matches the same records and changes nothing. What an import
changes is recorded in the history as "import <file>", and the directory is told it changed
(search index, data version, editors' open forms).
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.text import slugify
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from . import history, progress
from .locking import bump
from .models import (
    Affiliation,
    Area,
    AreaServed,
    Audience,
    Citation,
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
from .sources import normalise_newlines

FORMATS = [CSV, XLSX]

# What the preview calls each outcome.
OUTCOMES = {
    "new": "new",
    "update": "changed",
    "skip": "unchanged",
    "delete": "deleted",
    "error": "error",
    "invalid": "error",
}


class Text(widgets.CharWidget):
    """Text as stored: LF line endings, whatever the spreadsheet used."""

    def clean(self, value, row=None, **kwargs):
        value = super().clean(value, row, **kwargs)
        return normalise_newlines(value) if isinstance(value, str) else value


class BySlug(widgets.ForeignKeyWidget):
    """A reference by slug (or another unique field), with an error that says which one is
    missing."""

    def __init__(self, model, field="slug"):
        super().__init__(model, field=field)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            name = self.model._meta.get_field(self.field).verbose_name
            raise ValueError(
                f"No {self.model._meta.verbose_name} with the {name} “{value}”."
            ) from None


class DirectoryResource(resources.ModelResource):
    """What every import shares: the rules of an edit, the history, telling the directory."""

    def import_data(self, dataset, dry_run=False, **kwargs):
        # import-export tells the rows, not before_import(), whether this is a dry run.
        self.dry_run = dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset, **kwargs):
        name = kwargs.get("file_name") or "file"
        self.reason = f"import {name}"
        self.moment = timezone.now()
        self.touched = set()
        # On the terminal of `manage.py import_records` (nowhere else): how far it has got.
        doing = "Checking" if self.dry_run else "Importing"
        self.rows_done = progress.bar(total=len(dataset), desc=f"{doing} {name}", unit=" rows")

    def import_row(self, row, instance_loader, **kwargs):
        try:
            return super().import_row(row, instance_loader, **kwargs)
        finally:
            self.rows_done.update()

    def before_save_instance(self, instance, row, **kwargs):
        history.mark(instance, self.reason, self.moment)

    def after_save_instance(self, instance, row, **kwargs):
        self.touched |= self.organisations_of(instance)

    def after_import(self, dataset, result, **kwargs):
        self.rows_done.close()
        if not self.dry_run and self.touched:
            bump(self.touched)
            Organisation.objects.filter(pk__in=self.touched).changed()

    def organisations_of(self, instance):
        raise NotImplementedError

    class Meta:
        abstract = True


class OrganisationResource(DirectoryResource):
    summary = fields.Field(attribute="summary", column_name="summary", widget=Text())
    description = fields.Field(attribute="description", column_name="description", widget=Text())
    audiences = fields.Field(
        attribute="audiences",
        column_name="audiences",
        widget=widgets.ManyToManyWidget(Audience, field="slug", separator=";"),
    )
    themes = fields.Field(
        attribute="themes",
        column_name="themes",
        widget=widgets.ManyToManyWidget(Theme, field="slug", separator=";"),
    )

    # A stated field's passage may come in the same row (`founded_year_passage`...), quoted from
    # the row's `evidence_source`: it becomes the citation that supports the field. The rule is
    # the admin's: a stated value needs a passage that says it (Organisation.unsupported).
    evidence_source = fields.Field(column_name="evidence_source", readonly=True)
    acronym_passage = fields.Field(column_name="acronym_passage", readonly=True)
    scope_passage = fields.Field(column_name="scope_passage", readonly=True)
    status_passage = fields.Field(column_name="status_passage", readonly=True)
    founded_year_passage = fields.Field(column_name="founded_year_passage", readonly=True)
    website_passage = fields.Field(column_name="website_passage", readonly=True)
    email_passage = fields.Field(column_name="email_passage", readonly=True)
    phone_passage = fields.Field(column_name="phone_passage", readonly=True)
    address_passage = fields.Field(column_name="address_passage", readonly=True)

    class Meta:
        model = Organisation
        import_id_fields = ["slug"]
        fields = [
            "slug", "name", "acronym", "kind", "scope", "status", "founded_year", "website",
            "email", "phone", "address", "summary", "description", "audiences", "themes",
            "last_verified", "evidence_source",
            *(f"{field}_passage" for field in Organisation.STATED),
        ]  # fmt: skip
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        source = row.get("evidence_source") or ""
        self.source = Source.objects.filter(slug=source).first() if source else None
        self.passages = [
            Citation(
                organisation=instance,
                source=self.source,
                supports=field,
                excerpt=normalise_newlines(row[f"{field}_passage"]),
            )
            for field in Organisation.STATED
            if row.get(f"{field}_passage")
        ]
        super().import_instance(instance, row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
            errors = {}
        except ValidationError as error:
            errors = error.message_dict
        for citation in self.passages:
            column = f"{citation.supports}_passage"
            if self.source is None:
                errors[column] = ["Name the source of the passages in evidence_source."]
                continue
            try:
                citation.clean()  # quoted verbatim, and says the value
            except ValidationError as error:
                errors[column] = error.messages
        given = {citation.supports for citation in self.passages}
        cited = list(instance.citations.exclude(supports__in=given)) if instance.pk else []
        for field, message in instance.unsupported([*cited, *self.passages]).items():
            if field not in errors and f"{field}_passage" not in errors:
                errors[field] = [message]
        if errors:
            raise ValidationError(errors)

    def after_save_instance(self, instance, row, **kwargs):
        for passage in self.passages:
            citation = instance.citations.filter(supports=passage.supports).first() or passage
            citation.source, citation.excerpt = passage.source, passage.excerpt
            citation.organisation = instance
            history.mark(citation, self.reason, self.moment).save()
        super().after_save_instance(instance, row, **kwargs)

    def organisations_of(self, instance):
        return {instance.pk}


class RecordResource(DirectoryResource):
    """A kind of record: matched by its organisation's slug and its key."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation", widget=BySlug(Organisation)
    )
    source = fields.Field(attribute="source", column_name="source", widget=BySlug(Source))
    excerpt = fields.Field(attribute="excerpt", column_name="excerpt", widget=Text())

    class Meta:
        abstract = True

    def get_instance(self, instance_loader, row):
        if not row.get("key"):
            row["key"] = self.key_for(row)
        return super().get_instance(instance_loader, row)

    def key_for(self, row):
        """The key a record with the row's wording is given when first saved, or "" if the
        row cannot say (its errors are reported when it is imported)."""
        record = self._meta.model()
        try:
            self.import_instance(record, row)
            basis = record.key_basis()
        except (ValueError, ObjectDoesNotExist):
            return ""
        return slugify(basis)[:50] or "record"

    def organisations_of(self, instance):
        return {instance.organisation_id}


def _record_meta(model, *names):
    """The Meta of a record's resource: its organisation and key, its own fields, its source."""
    return type(
        "Meta",
        (),
        {
            "model": model,
            "import_id_fields": ["organisation", "key"],
            "fields": ["organisation", "key", "order", *names, "source", "excerpt"],
            "skip_unchanged": True,
            "report_skipped": True,
            "clean_model_instances": True,
        },
    )


class CitationResource(RecordResource):
    Meta = _record_meta(Citation)


class StatementResource(RecordResource):
    text = fields.Field(attribute="text", column_name="text", widget=Text())
    Meta = _record_meta(Statement, "kind", "title", "text", "is_intro")


class MemberBenefitResource(RecordResource):
    text = fields.Field(attribute="text", column_name="text", widget=Text())
    Meta = _record_meta(MemberBenefit, "category", "members", "title", "text")


class ProgrammeResource(RecordResource):
    description = fields.Field(attribute="description", column_name="description", widget=Text())
    Meta = _record_meta(Programme, "name", "kind", "description", "frequency", "year", "location")


class KeyFigureResource(RecordResource):
    Meta = _record_meta(KeyFigure, "qualifier", "value", "label", "note")


class RoleResource(RecordResource):
    person = fields.Field(attribute="person", column_name="person", widget=BySlug(Person))
    quote = fields.Field(attribute="quote", column_name="quote", widget=Text())
    Meta = _record_meta(Role, "person", "title", "quote", "start_year", "end_year")


class AffiliationResource(RecordResource):
    other = fields.Field(attribute="other", column_name="other", widget=BySlug(Organisation))
    Meta = _record_meta(
        Affiliation,
        "kind",
        "other",
        "described",
        "described_as",
        "qualifier",
        "start_year",
        "end_year",
    )

    def organisations_of(self, instance):
        return {instance.organisation_id, instance.other_id} - {None}


class AreaServedResource(RecordResource):
    area = fields.Field(attribute="area", column_name="area", widget=BySlug(Area, "code"))
    Meta = _record_meta(AreaServed, "area")


class OtherNameResource(RecordResource):
    Meta = _record_meta(OtherName, "kind", "name")


class IdentifierResource(RecordResource):
    Meta = _record_meta(Identifier, "scheme", "value")


# Which resource imports each model, by the name the command takes.
RESOURCES = {
    resource._meta.model._meta.model_name: resource
    for resource in [
        OrganisationResource,
        CitationResource,
        StatementResource,
        MemberBenefitResource,
        ProgrammeResource,
        KeyFigureResource,
        RoleResource,
        AffiliationResource,
        AreaServedResource,
        OtherNameResource,
        IdentifierResource,
    ]
}


def template_headers(resource_class):
    """The columns of the spreadsheet a resource imports, in order."""
    return [field.column_name for field in resource_class().get_import_fields()]


def preview(result):
    """[(spreadsheet line, outcome, [(column, message)])] for every row of an import `result`:
    the same preview in the admin and on the command line. Line 1 is the header."""
    rows = []
    for number, row in enumerate(result.rows, start=2):
        problems = [("", str(error.error)) for error in row.errors]
        if row.validation_error is not None:
            for column, messages in row.validation_error.message_dict.items():
                column = "" if column == "__all__" else column
                problems += [(column, message) for message in messages]
        rows.append((number, OUTCOMES.get(row.import_type, row.import_type), problems))
    return rows
