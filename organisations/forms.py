"""Forms that are not filters: choosing organisations to compare side by side."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError

from .models import MemberBenefit, Organisation

MIN_COMPARED = 2
MAX_COMPARED = 4
SLUG_MAX_LENGTH = Organisation._meta.get_field("slug").max_length
# What the `<slug:...>` converter accepts: anything else cannot be an organisation's slug.
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")
# How much of an unusable value the messages repeat.
SHOWN_LENGTH = 40


def shown(value):
    """`value` as a message may repeat it: control characters replaced, long ones cut short.
    Templates escape it (nothing here is marked safe)."""
    value = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in value)
    return value if len(value) <= SHOWN_LENGTH else value[: SHOWN_LENGTH - 1] + "…"


def organisation_choices():
    """Every organisation, by name, with just what a select shows: one query when used."""
    return Organisation.objects.only("slug", "name", "acronym", "status").order_by("name")


class SlugListField(forms.Field):
    """The repeated `o` parameter: a list of non-blank values, in the order given."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]


class CompareForm(forms.Form):
    """Two to four organisations to compare, by slug, e.g. `?o=isme&o=amie`.

    Once valid, `organisations` holds them in the order given, loaded with `for_detail()`
    in one queryset whatever is compared.
    """

    o = SlugListField(
        label="Organisations",
        error_messages={"required": "Choose at least two organisations to compare."},
    )

    messages = {
        "too_few": "Choose at least two organisations to compare.",
        "too_many": "You can compare at most four organisations at once.",
        "duplicate": "%(name)s is chosen twice.",
        "unknown": "No organisation called “%(value)s”.",
        "too_long": "No organisation called “%(value)s”: that is too long to be a name.",
    }

    def chosen_slugs(self):
        """The values asked for, as given, usable or not (for ticking them again)."""
        if not self.is_bound:
            return set()
        return set(self.fields["o"].to_python(self["o"].data))

    @property
    def organisations(self):
        return self.cleaned_data["o"] if self.is_valid() else []

    def clean_o(self):
        values = self.cleaned_data["o"]
        if len(values) > MAX_COMPARED:
            raise ValidationError(self.messages["too_many"], code="too_many")
        errors = []
        if len(values) < MIN_COMPARED:
            errors.append(ValidationError(self.messages["too_few"], code="too_few"))

        lookup = {v for v in values if len(v) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(v)}
        found = {}
        if lookup:
            found = {
                org.slug: org for org in Organisation.objects.for_detail().filter(slug__in=lookup)
            }

        seen, repeated = set(), set()
        for value in values:
            if value in seen:
                if value not in repeated:
                    repeated.add(value)
                    name = found[value].name if value in found else f"“{shown(value)}”"
                    errors.append(
                        ValidationError(
                            self.messages["duplicate"], code="duplicate", params={"name": name}
                        )
                    )
                continue
            seen.add(value)
            if len(value) > SLUG_MAX_LENGTH:
                errors.append(
                    ValidationError(
                        self.messages["too_long"], code="too_long", params={"value": shown(value)}
                    )
                )
            elif value not in found:
                errors.append(
                    ValidationError(
                        self.messages["unknown"], code="unknown", params={"value": shown(value)}
                    )
                )
        if errors:
            raise ValidationError(errors)
        return [found[value] for value in values]

    # For the comparison page ------------------------------------------------------------------

    def benefit_rows(self):
        """[(category label, [each organisation's benefits in it])], for the categories any
        of them has, in the order of `MemberBenefit.Category`."""
        groups = [dict(org.benefit_groups()) for org in self.organisations]
        return [
            (label, [group.get(label, []) for group in groups])
            for label in MemberBenefit.Category.labels
            if any(label in group for group in groups)
        ]

    def addable(self):
        """The organisations not yet compared, if another can be added: one query."""
        organisations = self.organisations
        if len(organisations) >= MAX_COMPARED:
            return Organisation.objects.none()
        return organisation_choices().exclude(pk__in=[org.pk for org in organisations])
