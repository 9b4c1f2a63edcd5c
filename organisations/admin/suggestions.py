"""Moderating readers' suggestions (organisations/suggestions.py).

Each suggestion's page shows the organisation's current values beside what was suggested. An
editor rejects it with a reason, asks for more information, or marks it spam there; or accepts
it by editing the organisation (`FromSuggestion`): its own admin form, with the suggestion shown
above, so every rule of an edit holds (the verbatim rule, stated fields' citations), and the
history records the change as coming from the suggestion.
"""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .. import history, suggestions
from ..models import Organisation, Suggestion
from ..sources import normalise_newlines

# The organisation's values shown beside a suggestion: its own fields, as its page has them.
SHOWN = ["name", "summary", *Organisation.STATED, "kind"]

Status = Suggestion.Status


class ModerationForm(forms.ModelForm):
    """An editor's decision short of accepting (which is done by editing the organisation)."""

    class Meta:
        model = Suggestion
        fields = ["status", "reason"]

    NEEDS_REASON = (Status.REJECTED, Status.NEEDS_INFORMATION)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields and self.instance.status != Status.ACCEPTED:
            self.fields["status"].choices = [
                choice for choice in Status.choices if choice[0] != Status.ACCEPTED
            ]
            self.fields[
                "status"
            ].help_text = "To accept it, use “Accept: edit the organisation” above."

    def clean(self):
        data = super().clean()
        if data.get("status") in self.NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                "Give the sender a reason: why it is rejected, or what more you need.",
            )
        return data


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    form = ModerationForm
    list_display = ["reference", "name", "kind", "status", "sent"]
    list_filter = ["status"]
    search_fields = ["name", "problem", "correction"]
    date_hierarchy = "sent"
    readonly_fields = [
        "reference",
        "beside",
        "evidence",
        "sender",
        "sent",
        "closed",
        "decided_by",
        "accept",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "sent", "sender"]}),
        ("The organisation now, and what is suggested", {"fields": ["beside", "evidence"]}),
        ("Accept", {"fields": ["accept"]}),
        ("Or decide", {"fields": ["status", "reason", "closed", "decided_by"]}),
    ]

    def has_add_permission(self, request):
        return False  # readers send them, through the site

    @admin.display(description="reference", ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="about")
    def kind(self, obj):
        return "an organisation to add" if obj.is_addition else "a change"

    @admin.display(description="sender")
    def sender(self, obj):
        return "gave an e-mail address" if obj.email else "gave no e-mail address"

    @admin.display(description="the organisation now, and what is suggested")
    def beside(self, obj):
        """A table: the organisation's current values, then the suggestion, side by side."""
        organisation = obj.organisation
        now = (
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                (
                    (
                        Organisation._meta.get_field(name).verbose_name.capitalize(),
                        _shown(organisation, name),
                    )
                    for name in SHOWN
                ),
            )
            if organisation
            else format_html("<p>{}</p>", "Not in the directory: the suggestion is to add it.")
        )
        problem, correction = (
            ("What it does", "Why it should be in the directory")
            if obj.is_addition
            else ("What is wrong or missing", "What it should say")
        )
        return format_html(
            '<table class="suggestion-beside"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody><tr><td><dl>{}</dl></td>'
            "<td><dl><dt>Name</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>"
            "</dl></td></tr></tbody></table>",
            "Now in the directory",
            "Suggested",
            now,
            obj.name,
            problem,
            obj.problem,
            correction,
            obj.correction,
        )

    @admin.display(description="evidence")
    def evidence(self, obj):
        return format_html(
            '<p><a href="{}" rel="noopener noreferrer nofollow">{}</a></p><p>“{}”</p>',
            obj.evidence_url,
            obj.evidence_url,
            obj.evidence_passage,
        )

    @admin.display(description="accept")
    def accept(self, obj):
        if not obj.is_open:
            return "Closed."
        if obj.is_addition:
            url = reverse("admin:organisations_organisation_add")
            text = "Accept: add the organisation"
        else:
            url = reverse("admin:organisations_organisation_change", args=[obj.organisation_id])
            text = "Accept: edit the organisation"
        return format_html(
            '<a class="button" href="{}?suggestion={}">{}</a> {}',
            url,
            obj.pk,
            text,
            "Make the change there, quoting its source; saving it accepts the suggestion.",
        )

    def save_model(self, request, obj, form, change):
        # Through `decide`, which closes it and tells the sender (obj holds the new values).
        old = Suggestion.objects.get(pk=obj.pk)
        status, reason = obj.status, obj.reason
        obj.status, obj.reason = old.status, old.reason
        suggestions.decide(obj, status, reason, request)


def _shown(organisation, name):
    value = getattr(organisation, name)
    display = getattr(organisation, f"get_{name}_display", None)
    if display is not None:
        value = display()
    return value if value not in (None, "") else "(blank)"


class FromSuggestion:
    """The organisation's admin form opened to accept a suggestion (`?suggestion=N`): the
    suggestion is shown above the form (with a note to its sender), and saving accepts it and
    records the change in the history as coming from it."""

    def suggestion(self, request, object_id):
        number = request.GET.get("suggestion", "")
        if not number.isdigit() or not self.has_change_permission(request):
            return None
        suggestion = Suggestion.objects.filter(pk=number, status__in=Suggestion.OPEN).first()
        if suggestion is None or str(suggestion.organisation_id or "") != str(object_id or ""):
            return None
        return suggestion

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._suggestion = self.suggestion(request, object_id)
        if request._suggestion is not None:
            extra_context = {"suggestion": request._suggestion, **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if getattr(request, "_suggestion", None) is not None:
            history.mark(obj, suggestions.history_reason(request._suggestion))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if getattr(request, "_suggestion", None) is not None:
            for inline_form in formset.forms:
                history.mark(inline_form.instance, suggestions.history_reason(request._suggestion))
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        suggestion = getattr(request, "_suggestion", None)
        if suggestion is not None:
            note = normalise_newlines(request.POST.get("suggestion_reason", ""))[:2000]
            suggestions.decide(
                suggestion, Status.ACCEPTED, note.strip(), request, organisation=form.instance
            )
            messages.success(request, f"Suggestion {suggestion.reference} is accepted.")
