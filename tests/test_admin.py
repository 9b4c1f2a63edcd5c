"""The admin, as an editor uses it: every page opens, inlines save, excerpts are checked."""

import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from organisations.models import (
    Affiliation,
    AreaServed,
    DataVersion,
    Identifier,
    Organisation,
    OtherName,
    Person,
    SearchEntry,
    SearchName,
    Source,
    Statement,
    Suggestion,
)
from tests import factories
from tests.admin_forms import organisation_form, url
from tests.reading import content, read

APP = "organisations"
REGISTERED = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == APP
    ),
    key=lambda item: item[0]._meta.model_name,
)
# The site's own bookkeeping, shown read only: nobody edits it.
READ_ONLY = {DataVersion}
# Readers send suggestions (through the site); editors moderate them, and add none.
SENT_BY_READERS = {Suggestion}
EDITABLE = [
    (model, model_admin)
    for model, model_admin in REGISTERED
    if model not in READ_ONLY | SENT_BY_READERS
]
# What the search derives from the directory (search_index.py): not in the admin, and not
# for editors to change.
DERIVED = {SearchEntry, SearchName}
INLINE_PREFIXES = [
    "statements",
    "benefits",
    "programmes",
    "key_figures",
    "roles",
    "affiliations",
    "citations",
]


# --- Helpers ---------------------------------------------------------------------------------


def search_term(model_admin, obj):
    """A word taken from one of the admin's search fields of `obj`, so a search finds it."""
    for lookup in model_admin.search_fields:
        value = obj
        for part in lookup.split("__"):
            value = getattr(value, part, None)
        words = re.findall(r"\w{4,}", str(value or ""))
        if words:
            return max(words, key=len)
    raise AssertionError(f"nothing to search for in {obj!r}")


def a_paragraph(source):
    """A passage that is verbatim in the source text: its first paragraph."""
    return source.text.strip().split("\n\n")[0].strip()


# --- Every model opens --------------------------------------------------------------------


def test_every_model_of_the_app_is_in_the_admin():
    # Its history, too, through each organisation's history page (organisations/history.py).
    # Not what the search derives, which nobody edits.
    app_models = {m for m in apps.get_app_config(APP).get_models() if not is_history(m)}
    app_models -= DERIVED
    assert {model for model, _ in REGISTERED} == app_models


def is_history(model):
    return hasattr(model, "instance_type")  # django-simple-history's historical models


# Records the fixture has none of: one of each for AMIE, as an editor would add it (tests/
# factories.py). No source gives a register number, so the identifier's passage does not give
# its number: an editor's save would refuse it, but the admin's pages must still show it.
NOT_IN_THE_FIXTURE = {
    Suggestion: factories.suggestion,
    AreaServed: factories.area_served,
    OtherName: factories.other_name,
    Identifier: lambda amie: Identifier.objects.create(
        organisation=amie,
        source=Source.objects.get(slug="amie-founder-page"),
        excerpt="You can find out more about the Alliance here.",
        scheme=Identifier.Scheme.CHARITY_EW,
        value="1164781",
    ),
}


def existing(model):
    if model in NOT_IN_THE_FIXTURE and not model.objects.exists():
        NOT_IN_THE_FIXTURE[model](Organisation.objects.get(slug="amie"))
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the fixture has no {model._meta.verbose_name}"
    return obj


@pytest.fixture(params=REGISTERED, ids=lambda item: item[0]._meta.model_name)
def registered(request, db):
    model, model_admin = request.param
    return model, model_admin, existing(model)


@pytest.fixture(params=EDITABLE, ids=lambda item: item[0]._meta.model_name)
def editable(request, db):
    model, model_admin = request.param
    return model, model_admin, existing(model)


def test_changelist_lists_existing_objects(admin_client, registered):
    model, _, obj = registered
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    # Each row's checkbox is labelled with the object's str.
    assert escape(str(obj)) in content(response)
    assert f'href="{url(model, "change", obj.pk)}' in content(response)


def test_changelist_search_finds_an_existing_object(admin_client, editable):
    model, model_admin, obj = editable
    changelist = url(model, "changelist")
    change = f'href="{url(model, "change", obj.pk)}'

    found = admin_client.get(changelist, {"q": search_term(model_admin, obj)})
    assert found.status_code == 200
    assert change in content(found)

    nothing = admin_client.get(changelist, {"q": "zzqxv-matches-nothing"})
    assert nothing.status_code == 200
    assert change not in content(nothing)


def test_add_page_opens(admin_client, editable):
    model, _, _ = editable
    response = admin_client.get(url(model, "add"))
    assert response.status_code == 200
    assert f'id="{model._meta.model_name}_form"' in content(response)


def test_the_data_version_is_shown_but_cannot_be_edited(admin_client, db):
    version = existing(DataVersion)
    assert admin_client.get(url(DataVersion, "add")).status_code == 403
    assert admin_client.get(url(DataVersion, "delete", version.pk)).status_code == 403
    page = content(admin_client.get(url(DataVersion, "change", version.pk)))
    assert 'name="_save"' not in page
    posted = admin_client.post(url(DataVersion, "change", version.pk), {"number": "99"})
    assert posted.status_code == 403
    version.refresh_from_db()
    assert version.number != 99


def test_change_page_opens(admin_client, registered):
    model, _, obj = registered
    response = admin_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert f"<h2>{escape(str(obj))}</h2>" in content(response)


# --- The organisation page ------------------------------------------------------------------


@pytest.mark.parametrize("prefix", INLINE_PREFIXES)
def test_organisation_change_page_has_inline(admin_client, prefix):
    # Music Mark has records of every kind but affiliations; ISME has affiliations.
    slug = "isme" if prefix == "affiliations" else "music-mark"
    form = organisation_form(admin_client, slug)
    existing = getattr(form.object, prefix).count()
    assert existing > 0
    data = form.data
    assert data[f"{prefix}-TOTAL_FORMS"] == [str(existing)]
    assert data[f"{prefix}-INITIAL_FORMS"] == [str(existing)]
    assert f"{prefix}-MIN_NUM_FORMS" in data
    assert f"{prefix}-MAX_NUM_FORMS" in data
    assert f"{prefix}-__prefix__-excerpt" in data  # the empty form "Add another" copies


def test_slug_is_prepopulated_from_name(admin_client):
    page = read(admin_client.get(url(Organisation, "add")))
    fields = json.loads(page.one(data_prepopulated_fields=True).get("data-prepopulated-fields"))
    assert {"name": "slug", "dependency_list": ["name"]}.items() <= fields[0].items()


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "found", "not_found"),
    [
        ("affiliation", "other", "ISME", (Organisation, "isme"), (Organisation, "youth-music")),
        ("statement", "source", "ISME", (Source, "mec-isme"), (Source, "music-mark-about-us")),
        ("role", "person", "Shuttleworth", (Person, "jem-shuttleworth"), None),
    ],
)
def test_autocomplete(admin_client, model_name, field_name, term, found, not_found):
    params = {"app_label": APP, "model_name": model_name, "field_name": field_name, "term": term}
    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    results = response.json()["results"]
    ids = {result["id"] for result in results}
    model, slug = found
    wanted = model.objects.get(slug=slug)
    assert {"id": str(wanted.pk), "text": str(wanted)} in results
    if not_found:
        model, slug = not_found
        assert str(model.objects.get(slug=slug).pk) not in ids


def test_saving_the_organisation_form_updates_the_public_page(admin_client):
    form = organisation_form(admin_client, "isme")
    organisation = form.object
    statements = organisation.statements.count()
    themes = set(organisation.themes.all())
    assert themes
    summary = "ISME brings music educators together across the world, edited in the admin."

    saved = form.save(summary=summary, follow=True)
    assert saved.redirect_chain[-1][0] == url(Organisation, "changelist")
    assert "was changed successfully" in content(saved)

    public = admin_client.get(organisation.get_absolute_url())
    assert public.status_code == 200
    assert summary in content(public)
    # Submitting every inline unchanged neither adds nor drops records.
    assert organisation.statements.count() == statements
    assert set(organisation.themes.all()) == themes


# --- Excerpts are checked against their source --------------------------------------------


@pytest.mark.parametrize(
    ("excerpt", "text", "error"),
    [
        pytest.param(
            "ISME was founded on the Moon in 1066.",
            "ISME was founded on the Moon in 1066.",
            "This excerpt does not appear verbatim in the source.",
            id="excerpt-not-in-source",
        ),
        pytest.param(
            None,  # the source's first paragraph
            "ISME was founded on the Moon in 1066.",
            "does not appear verbatim in the excerpt.",
            id="text-not-in-excerpt",
        ),
    ],
)
def test_misquoted_statement_is_refused(admin_client, excerpt, text, error):
    source = Source.objects.get(slug="mec-isme")
    excerpt = excerpt or a_paragraph(source)
    assert text not in source.text
    form = organisation_form(admin_client, "isme")
    before = Statement.objects.count()
    form.add_row(
        "statements", kind=Statement.Kind.AIM, text=text, source=source.pk, excerpt=excerpt
    )

    refused = form.save()

    assert refused.status_code == 200
    assert "Please correct the error below." in content(refused)
    assert escape(error) in content(refused)
    assert Statement.objects.count() == before


def test_verbatim_statement_is_saved_with_a_key(admin_client):
    source = Source.objects.get(slug="mec-isme")
    sentence = a_paragraph(source)
    assert sentence in source.text
    form = organisation_form(admin_client, "isme")
    form.add_row(
        "statements", kind=Statement.Kind.AIM, text=sentence, source=source.pk, excerpt=sentence
    )

    saved = form.save()

    assert saved.status_code == 302
    organisation = form.object
    statement = organisation.statements.get(kind=Statement.Kind.AIM, text=sentence)
    assert statement.key
    assert organisation.statements.filter(key=statement.key).count() == 1


def test_affiliation_to_itself_is_refused(admin_client):
    source = Source.objects.get(slug="mec-isme")
    form = organisation_form(admin_client, "isme")
    before = Affiliation.objects.count()
    form.add_row(
        "affiliations",
        kind=Affiliation.Kind.PARTNER_OF,
        other=form.object.pk,
        source=source.pk,
        excerpt=a_paragraph(source),
    )

    refused = form.save()

    assert refused.status_code == 200
    assert "Please correct the error below." in content(refused)
    assert "cannot be affiliated with itself" in content(refused)
    assert Affiliation.objects.count() == before


# --- Editors ------------------------------------------------------------------------------


def test_editors_group_may_edit_every_model_of_the_app_and_nothing_else(db):
    group = Group.objects.get(name="Editors")
    models = [m for m in apps.get_app_config(APP).get_models() if m not in READ_ONLY | DERIVED]
    history = [m for m in models if is_history(m)]
    expected = {
        f"{action}_{model._meta.model_name}"
        for model in models
        if model not in history
        for action in ("view", "add", "change", "delete")
        if not (model in SENT_BY_READERS and action == "add")
    }
    # The history they may see, not change: it changes only as the directory does.
    expected |= {f"view_{model._meta.model_name}" for model in history}
    permissions = group.permissions.select_related("content_type")
    assert {p.codename for p in permissions} == expected
    assert {p.content_type.app_label for p in permissions} == {APP}


@pytest.mark.parametrize(
    ("name", "args", "status"),
    [
        ("admin:organisations_organisation_changelist", (), 200),
        ("admin:organisations_organisation_change", ("isme",), 200),
        ("admin:organisations_statement_add", (), 200),
        ("admin:auth_user_changelist", (), 403),
        ("admin:auth_group_changelist", (), 403),
    ],
)
def test_editor_access(editor_client, name, args, status):
    args = [Organisation.objects.get(slug=slug).pk for slug in args]
    assert editor_client.get(reverse(name, args=args)).status_code == status


def test_staff_without_the_group_cannot_edit(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="not-a-secret", is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:organisations_organisation_changelist"))
    assert response.status_code == 403


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "not-staff"])
def test_non_staff_are_sent_to_the_login_page(client, editor, logged_in):
    if logged_in:
        editor.is_staff = False
        editor.save()
        client.force_login(editor)
    changelist = reverse("admin:organisations_organisation_changelist")
    response = client.get(changelist)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert "next=" in response.url


@pytest.mark.parametrize("value", ["abc", "None", "1.5"])
def test_a_mangled_choice_in_an_autocomplete_field_is_the_forms_error_not_a_server_error(
    admin_client, value
):
    """An autocomplete select posts an id; a tampered or mangled form may post anything. The
    form is shown again with the field's error (Django's widget looked the value up and
    failed with a 500)."""
    form = organisation_form(admin_client, "amie")
    source = Source.objects.get(slug="amie-founder-page")
    form.add_row("affiliations", kind="member-of", other=value, source=source.pk, excerpt="AMIE")
    refused = form.save()
    assert refused.status_code == 200
    assert "Select a valid choice." in content(refused)
