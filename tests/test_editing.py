"""Editing the directory as an editor's browser does it: saving works for every record,
whatever line endings and white space the browser sends. (tests/admin_forms.py submits text
areas with CRLF line breaks, as browsers do.)"""

import subprocess

import pytest
from django.conf import settings
from django.utils.html import escape

from organisations.models import Organisation, Source, Statement
from organisations.sources import comparable, quotation_errors
from tests.admin_forms import add_inline_row, content, form_data, organisation_change, url

pytestmark = pytest.mark.django_db


def test_every_organisation_saves_unchanged(admin_client):
    refused = []
    for slug in Organisation.objects.values_list("slug", flat=True):
        organisation, response = organisation_change(admin_client, slug)
        data = form_data(response, "organisation_form")
        saved = admin_client.post(url(Organisation, "change", organisation.pk), data)
        if saved.status_code != 302:
            refused.append(slug)
    assert refused == []


def a_multi_line_passage(source):
    """A passage of `source` spanning several lines (a list of points), as an editor copies it."""
    start = source.text.index("We call upon key decision makers")
    end = source.text.index("music education hubs\n", start) + len("music education hubs")
    passage = source.text[start:end]
    assert passage.count("\n") > 3
    return passage


def test_a_multi_line_excerpt_pasted_into_the_admin_is_saved_with_lf_line_endings(admin_client):
    source = Source.objects.get(slug="music-mark-about-us")
    passage = a_multi_line_passage(source)
    # Pasted from a web page into a text area: CRLF line breaks, and a non-breaking space.
    pasted = passage.replace("\n", "\r\n").replace("call upon", "call\xa0upon")
    organisation, response = organisation_change(admin_client, "music-mark")
    data = add_inline_row(
        form_data(response, "organisation_form"),
        "statements",
        kind=Statement.Kind.CALL_TO_ACTION,
        text="continuing and enhanced support from local authorities",
        source=source.pk,
        excerpt=pasted,
    )

    saved = admin_client.post(url(Organisation, "change", organisation.pk), data)

    assert saved.status_code == 302
    statement = organisation.statements.latest("pk")
    assert statement.text == "continuing and enhanced support from local authorities"
    assert "\r" not in statement.excerpt
    assert statement.excerpt == passage.replace("call upon", "call\xa0upon")


def test_a_curly_apostrophe_typed_straight_is_refused_saying_where(admin_client):
    source = Source.objects.get(slug="amie-founder-page")
    typed = "As one of 13 founder organisations, we're part of a growing network"
    assert comparable(typed.replace("'", "’")) in comparable(source.text)
    organisation, response = organisation_change(admin_client, "amie")
    before = Statement.objects.count()
    data = add_inline_row(
        form_data(response, "organisation_form"),
        "statements",
        kind=Statement.Kind.WORK,
        text="part of a growing network",
        source=source.pk,
        excerpt=typed,
    )

    refused = admin_client.post(url(Organisation, "change", organisation.pk), data)

    assert refused.status_code == 200
    assert Statement.objects.count() == before
    assert escape(
        "After “…13 founder organisations, we” the text has “’” (a curly "
        "apostrophe) where you typed “'” (a straight apostrophe)."
    ) in content(refused)


@pytest.mark.parametrize(
    ("excerpt", "accepted"),
    [
        ("growing network of\norganisations", True),
        ("growing network of\r\norganisations", True),
        ("growing   network of organisations", True),
        ("growing\xa0network of organisations", True),
        ("  growing network of organisations\n", True),
        ("growing network of organizations", False),
        ("growing network – of organisations", False),
    ],
)
def test_the_verbatim_rule_ignores_layout_but_not_spelling(excerpt, accepted):
    source = "we’re part of a growing network of organisations working together"
    assert (quotation_errors(excerpt, source) == {}) is accepted


@pytest.mark.parametrize(
    ("excerpt", "hint"),
    [
        (
            "growing network of organizations",
            "After “growing network of organi” the text has “s” where you typed “z”.",
        ),
        (
            "we’re part of a growing network of organisations working together, always",
            "After “…organisations working together” the text ends, where you typed “,”.",
        ),
        (
            "music-making is a strong contributor",
            "No passage of it begins like this: check the start, and that this is the right "
            "source.",
        ),
        (
            "part of a growing - network",
            "After “part of a growing ” the text has “n” where you typed “-” (a hyphen).",
        ),
    ],
)
def test_a_misquotation_says_where_the_closest_passage_differs(excerpt, hint):
    source = "we’re part of a growing network of organisations working together"
    (message,) = quotation_errors(excerpt, source).values()
    assert message == f"This excerpt does not appear verbatim in the source. {hint}"


# --- Nothing overwrites an editor's work by accident ------------------------------------------


def test_make_run_loads_the_directory_only_into_a_database_that_has_none():
    """`make run` on a database editors have changed must not reload the fixture over their
    work: it seeds (tests/test_backup.py shows seed_directory leaves a directory alone)."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "--always-make", "run"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in dry_run.splitlines() if "manage.py" in line]
    assert any("manage.py seed_directory" in line for line in commands), dry_run
    assert not any("manage.py loaddata" in line for line in commands), dry_run
