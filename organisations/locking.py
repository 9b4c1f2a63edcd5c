"""Optimistic locking in the admin: two editors saving the same organisation lose nothing.

An organisation's `version` counts the saves made through the admin to it or to any of its
records (statements, benefits, ...: they are edited inline on its page, or on their own pages).
Every change form carries, in a hidden field, the version the organisation was at when the
form was opened. On save the version is read again, and the row locked until the save commits
(`SELECT ... FOR UPDATE`, so two saves at the same moment are taken one after the other). If it
moved on, someone else saved in between: nothing is saved, and the form comes back with what
the editor typed and a message saying what happened. Saving that form again is a deliberate
choice to replace the other save, and goes through. A save that goes through bumps the version.
"""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db.models import F

from .models import Organisation

VERSION_FIELD = "opened_version"

CONFLICT = (
    "Someone else saved changes to %(organisation)s after you opened this page, so your "
    "changes have not been saved. They are still in the form below. To see the other changes, "
    "open %(organisation)s in a new tab. To replace them with yours, save again."
)


def locked_organisation_id(instance):
    """The organisation whose version guards `instance`: itself, or the one it belongs to.
    None for an object not saved yet (there is nothing to overwrite)."""
    if instance._state.adding:
        return None
    return instance.pk if isinstance(instance, Organisation) else instance.organisation_id


class VersionedForm(forms.ModelForm):
    """A change form that refuses to overwrite a save made after it was opened."""

    opened_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Taken now: once validated, the form may point a record at another organisation.
        self.locked_id = locked_organisation_id(self.instance)
        if self.locked_id is not None:
            if isinstance(self.instance, Organisation):
                version = self.instance.version
            else:
                version = _versions(self.locked_id).get()
            self.fields[VERSION_FIELD].initial = version

    def clean(self):
        cleaned_data = super().clean()
        if self.locked_id is None:
            return cleaned_data
        # Locked until this save commits: a concurrent save waits, then sees the new version.
        current = _versions(self.locked_id).select_for_update().first()
        if current is not None and cleaned_data.get(VERSION_FIELD) != str(current):
            # The form shown again carries the version it was refused at: saving it again
            # replaces the other save, on purpose.
            self.data = self.data.copy()
            self.data[self.add_prefix(VERSION_FIELD)] = str(current)
            organisation = Organisation.objects.only("name").get(pk=self.locked_id)
            raise ValidationError(
                CONFLICT, code="conflict", params={"organisation": organisation.name}
            )
        return cleaned_data


def _versions(pk):
    return Organisation.objects.filter(pk=pk).values_list("version", flat=True)


def bump(ids):
    """Record that the organisations `ids` (or their records) were saved."""
    ids = {pk for pk in ids if pk is not None}
    if ids:
        Organisation.objects.filter(pk__in=ids).update(version=F("version") + 1)


class OptimisticLocking:
    """For a ModelAdmin of Organisation or of one of its records: change forms carry the
    version they were opened at and refuse a stale save; saves and deletes bump it."""

    form = VersionedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        wanted = obj is not None and self.has_change_permission(request, obj)
        present = VERSION_FIELD in flatten_fieldsets(fieldsets)
        if wanted == present:
            return fieldsets
        if present:  # a read-only page: nothing to save, nothing to guard
            return [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != VERSION_FIELD]})
                for name, opts in fieldsets
            ]
        (name, opts), *rest = fieldsets
        return [(name, {**opts, "fields": [*opts["fields"], VERSION_FIELD]}), *rest]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        bump([form.locked_id, locked_organisation_id(obj)])

    def delete_model(self, request, obj):
        ids = [locked_organisation_id(obj)]
        super().delete_model(request, obj)
        bump(ids)

    def delete_queryset(self, request, queryset):
        ids = [locked_organisation_id(obj) for obj in queryset]
        super().delete_queryset(request, queryset)
        bump(ids)
