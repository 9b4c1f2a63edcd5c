"""Model fields of the directory's own."""

from django import forms
from django.db import models

from .sources import normalise_newlines


class TextFormField(forms.CharField):
    """A form's text area whose line endings are LF, as stored: browsers submit CRLF, so
    without this an untouched text area would count as changed and differ from the source."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_newlines(value) if isinstance(value, str) else value


class TextField(models.TextField):
    """Django's TextField, storing LF line endings whatever a form, an import or a fixture
    sent (and its form field reading them so)."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_newlines(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return self.to_python(super().get_prep_value(value))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": TextFormField, **kwargs})
