"""What every admin page of the directory shares: each save tells the directory it changed
(`RecordsChanges`), writes its history at one moment (`RecordsHistory`), and a form with errors
opens with a summary of them linking to each (`ErrorSummary`)."""

from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import history
from ..models import Organisation

# Each fact about an organisation cites a source: the excerpt is checked against it on save.
CITED = ("source", "excerpt")


class AutocompleteSelect(widgets.AutocompleteSelect):
    """Django's, re-showing a form whose submitted choice is not a key at all (a tampered or
    mangled form: "abc" for an organisation) with the field's error, not a server error
    (Django's looks the value up to show it as chosen)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._is_key(v)], attr)

    def _is_key(self, value):
        try:
            self.field.target_field.to_python(value)
        except ValidationError:
            return False
        return True


class Autocomplete:
    """The admin's autocomplete fields (`autocomplete_fields`) with `AutocompleteSelect`."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            using = kwargs.get("using")
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=using)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RecordsHistory:
    """Every row one admin save or delete writes to the history shares one moment (that of the
    request), so that restoring the organisation to it restores all of them."""

    def save_model(self, request, obj, form, change):
        history.mark(obj, when=moment_of(request))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:  # those saved, and those deleted
            history.mark(inline_form.instance, when=moment_of(request))
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        history.mark(obj, when=moment_of(request))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            history.mark(obj, when=moment_of(request)).delete()


def moment_of(request):
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


class ErrorSummary:
    """A change form with errors opens with a summary of them, each linking to its field (the
    organisation's own, or a record's in its inline), in the GOV.UK Design System's way: the
    page's first error is the first thing it shows, however long the form."""

    class Media:
        js = ["admin/musicdir/error_summary.js"]

    def render_change_form(self, request, context, *args, **kwargs):
        context["error_summary"] = list(_errors(context))
        return super().render_change_form(request, context, *args, **kwargs)


def _errors(context):
    """(what, message, id of the element it is about) for every error on the page."""
    form = context["adminform"].form
    for name, messages in form.errors.items():
        label, anchor = _about(form, name, fallback=form.prefix or "content-main")
        for message in messages:
            yield label, message, anchor
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        kinds = str(inline.opts.verbose_name_plural).capitalize()
        for message in formset.non_form_errors():
            yield kinds, message, f"{formset.prefix}-group"
        kind = str(inline.opts.verbose_name).capitalize()
        for n, record in enumerate(formset.forms):
            for name, messages in record.errors.items():
                label, anchor = _about(record, name, fallback=f"{formset.prefix}-{n}")
                what = f"{kind} {n + 1}" + (f", {label}" if label else "")
                for message in messages:
                    yield what, message, anchor


def _about(form, name, fallback):
    """(the field's label, its id) or, for an error about the whole form, ("", `fallback`)."""
    if name in form.fields:
        return str(form.fields[name].label or name), form[name].auto_id
    return "", fallback
