"""Forms that are not filters: choosing organisations to compare side by side, and what
type-ahead is asked for."""

import re
import unicodedata
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from . import suggestions
from .models import MemberBenefit, Organisation, Suggestion

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


# How many organisations the chooser offers at once: a search narrows them.
CANDIDATES_SHOWN = 20


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
    # Looking for organisations to add, by name or topic: the page offers the matches.
    find = forms.CharField(label="Find organisations", required=False, max_length=200)

    messages = {
        "too_few": "Choose at least two organisations to compare.",
        "too_many": "You can compare at most four organisations at once.",
        "duplicate": "%(name)s is chosen twice.",
        "unknown": "No organisation called “%(value)s”.",
        "too_long": "No organisation called “%(value)s”: that is too long to be a name.",
    }

    @property
    def organisations(self):
        return self.cleaned_data["o"] if self.is_valid() else []

    @cached_property
    def _found(self):
        """{slug: organisation} for the values asked for that could be slugs, looked up once
        for validating and for ticking them again: `for_detail()` rows to compare, or just what
        a choice shows while the reader is finding more."""
        values = self.fields["o"].to_python(self["o"].data) if self.is_bound else []
        lookup = _possible_slugs(values)
        if not lookup:
            return {}
        queryset = _choices() if self.finding else Organisation.objects.for_detail()
        return {org.slug: org for org in queryset.filter(slug__in=lookup)}

    def clean_o(self):
        values = self.cleaned_data["o"]
        if len(values) > MAX_COMPARED:
            raise ValidationError(self.messages["too_many"], code="too_many")
        errors = []
        if len(values) < MIN_COMPARED:
            errors.append(ValidationError(self.messages["too_few"], code="too_few"))

        found = self._found
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

    @property
    def can_add(self):
        return len(self.organisations) < MAX_COMPARED

    # For the chooser ---------------------------------------------------------------------------

    @property
    def finding(self):
        """Asked to find organisations (`find` given, even blank): choosing, not comparing."""
        return self.is_bound and "find" in self.data

    @property
    def choice_errors(self):
        """What is wrong with the choices: nothing yet while the reader is finding some."""
        if not self.is_bound or self.finding:
            return []
        return self.errors.get("o", [])

    @property
    def problems(self):
        """[(message, id of the field it is about)], for the error summary."""
        if not self.is_bound:
            return []
        return [(message, self["o"].auto_id) for message in self.choice_errors] + [
            (message, self["find"].auto_id) for message in self.errors.get("find", [])
        ]

    def chosen(self):
        """The organisations asked for that exist, in the order given (to tick them again)."""
        slugs = self.fields["o"].to_python(self["o"].data) if self.is_bound else []
        return [self._found[slug] for slug in dict.fromkeys(slugs) if slug in self._found]

    def candidates(self, chosen):
        """([organisation], more?): up to CANDIDATES_SHOWN organisations not in `chosen` that
        match `find` (best first), or by name without a search; `more` if others match too."""
        queryset = _choices().exclude(pk__in=[org.pk for org in chosen]).order_by("name")
        # `self.errors` validates the form, if it has not been.
        valid = self.is_bound and "find" not in self.errors
        find = self.cleaned_data.get("find", "") if valid else ""
        if find:
            queryset = queryset.search(find)
        found = list(queryset[: CANDIDATES_SHOWN + 1])
        return found[:CANDIDATES_SHOWN], len(found) > CANDIDATES_SHOWN


def _possible_slugs(values):
    """Those of `values` that could be slugs: only they are worth looking up."""
    return {v for v in values if len(v) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(v)}


def _choices():
    """Organisations with just what a choice shows."""
    return Organisation.objects.only("slug", "name", "acronym", "status")


# What type-ahead is asked for: the start of a name or acronym, as long as a search may be.
SUGGEST_MAX_LENGTH = 200


class SuggestForm(forms.Form):
    q = forms.CharField(max_length=SUGGEST_MAX_LENGTH)

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())


class NetworkForm(forms.Form):
    """The organisation whose affiliations the network page draws: `?o=isme`, any
    organisation's slug; without one, the most affiliated. `organisation` is the one chosen,
    a `for_network()` row (None if there is none, or the choice is no organisation's)."""

    o = forms.CharField(label="Organisation", required=False, strip=True)

    def __init__(self, data, default):
        super().__init__(data)
        self.default = default

    def clean_o(self):
        value = self.cleaned_data["o"]
        slug = value or self.default
        self.organisation = None
        if slug and len(slug) <= SLUG_MAX_LENGTH and SLUG_RE.fullmatch(slug):
            self.organisation = Organisation.objects.for_network().filter(slug=slug).first()
        if value and self.organisation is None:
            raise ValidationError(
                CompareForm.messages["unknown"], code="unknown", params={"value": shown(value)}
            )
        return value


# A reader's suggestion (organisations/suggestions.py) ------------------------------------------


def _https_by_default(db_field, **kwargs):
    """A web address typed without its scheme is taken to be https (Django 6's default)."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class SuggestionForm(forms.ModelForm):
    """What a reader sends: what is wrong or missing, the correction, and the evidence (a web
    address and the passage there that says so), with an optional e-mail address for a reply.
    For an organisation to add, its name too. Every field's length is limited (the model's
    `max_length`, which the browser is told as `maxlength`); `started` is the signed form token
    (suggestions.form_token): one too fresh or too old is the form's error, and a form shown
    again with errors carries a new one."""

    started = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Suggestion
        formfield_callback = _https_by_default
        fields = ["name", "problem", "correction", "evidence_url", "evidence_passage", "email"]
        labels = {
            "name": "The organisation's name",
            "problem": "What is wrong or missing?",
            "correction": "What should it say?",
            "evidence_url": "Where does it say so?",
            "evidence_passage": "The passage that says so",
            "email": "Your e-mail address (optional)",
        }
        help_texts = {
            "name": "As the organisation names itself.",
            "problem": "For example: the founding year is wrong; a programme is missing.",
            "correction": "The correct value or text, as you would like the page to read.",
            "evidence_url": "The web address of a page published by the organisation or "
            "another source, for example https://www.example.org/about",
            "evidence_passage": "Copy the words from that page, exactly as they are written.",
            "email": "Only if you would like to hear what happens. We use it for nothing "
            "else, never show it, and delete it 30 days after we close your suggestion.",
        }
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "correction": forms.Textarea(attrs={"rows": 4}),
            "evidence_passage": forms.Textarea(attrs={"rows": 4}),
            "evidence_url": forms.URLInput(attrs={"autocomplete": "url"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        }
        error_messages = {
            "name": {"required": "Enter the organisation's name."},
            "problem": {"required": "Say what is wrong or missing."},
            "correction": {"required": "Enter what it should say."},
            "evidence_url": {
                "required": "Enter the web address of the page that says so.",
                "invalid": "Enter a web address, such as https://www.example.org/about",
            },
            "evidence_passage": {"required": "Copy the passage that says so from that page."},
            "email": {"invalid": "Enter an e-mail address, such as name@example.org"},
        }

    messages = {
        "fresh": "This form was sent within seconds of being opened, as only a robot could. "
        "If you are not one, check your suggestion and send it again.",
        "expired": "This form is out of date. Check your suggestion and send it again.",
    }

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, initial={"started": suggestions.form_token()}, **kwargs)
        self.instance.organisation = organisation
        if organisation is not None:  # the name is the organisation's own
            del self.fields["name"]
            self.instance.name = organisation.name
        else:
            self.fields["problem"].label = "What does the organisation do?"
            self.fields["problem"].help_text = "Who it serves, and how, in a sentence or two."
            self.fields["correction"].label = "Why should it be in the directory?"
            self.fields["correction"].help_text = "For example: it runs music education in "
            "schools across its county."
            self.fields["problem"].error_messages["required"] = "Say what the organisation does."
            self.fields["correction"].error_messages["required"] = (
                "Say why it should be in the directory."
            )
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = (
                    f"Shorten this to {field.max_length:,} characters or fewer."
                )

    def clean(self):
        data = super().clean()
        problem = suggestions.token_problem(data.get("started"))
        if problem:
            raise forms.ValidationError(self.messages[problem], code=problem)
        return data

    def full_clean(self):
        """As Django's; then, with errors, a new form token to send it again with, and each
        field with an error says so to assistive technology, naming its hint and its error
        (includes/form_field.html gives them these ids)."""
        super().full_clean()
        if self.is_bound and self.errors:
            self.data = self.data.copy()
            self.data["started"] = suggestions.form_token()
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                described = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:
                    described.insert(0, f"{bound.auto_id}_helptext")
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": " ".join(described)}
                )
