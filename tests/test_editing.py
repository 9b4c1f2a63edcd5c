"""Editing the directory as an editor's browser does it: saving works for every record,
whatever line endings and white space the browser sends. (tests/admin_forms.py submits text
areas with CRLF line breaks, as browsers do.)"""

import subprocess

import pytest
from django.conf import settings
from django.utils.html import escape

from organisations.models import Organisation, Source, Statement
from organisations.sources import comparable, quotation_errors
from tests import factories
from tests.admin_forms import organisation_form, url
from tests.reading import content, count_queries, read

pytestmark = pytest.mark.django_db


def test_every_organisation_saves_unchanged(admin_client):
    refused = []
    for slug in Organisation.objects.values_list("slug", flat=True):
        if organisation_form(admin_client, slug).save().status_code != 302:
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
    form = organisation_form(admin_client, "music-mark")
    form.add_row(
        "statements",
        kind=Statement.Kind.CALL_TO_ACTION,
        text="continuing and enhanced support from local authorities",
        source=source.pk,
        excerpt=pasted,
    )

    saved = form.save()

    assert saved.status_code == 302
    statement = form.object.statements.latest("pk")
    assert statement.text == "continuing and enhanced support from local authorities"
    assert "\r" not in statement.excerpt
    assert statement.excerpt == passage.replace("call upon", "call\xa0upon")


def test_a_curly_apostrophe_typed_straight_is_refused_saying_where(admin_client):
    source = Source.objects.get(slug="amie-founder-page")
    typed = "As one of 13 founder organisations, we're part of a growing network"
    assert comparable(typed.replace("'", "’")) in comparable(source.text)
    form = organisation_form(admin_client, "amie")
    before = Statement.objects.count()
    form.add_row(
        "statements",
        kind=Statement.Kind.WORK,
        text="part of a growing network",
        source=source.pk,
        excerpt=typed,
    )

    refused = form.save()

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


# --- An admin that fits a real directory ------------------------------------------------------


def test_a_form_with_errors_opens_with_a_summary_linking_to_each(admin_client):
    source = Source.objects.get(slug="mec-isme")
    form = organisation_form(admin_client, "isme")
    form.add_row(
        "statements",
        kind=Statement.Kind.AIM,
        text="Not in the source at all.",
        source=source.pk,
        excerpt="Not in the source at all.",
    )
    page = read(form.save(founded_year=3000))
    summary = page.one(id="error-summary")
    links = [link.get("href") for link in summary.find_all("a")]
    index = int(form.data["statements-TOTAL_FORMS"][0])
    for anchor in ["id_founded_year", f"id_statements-{index - 1}-excerpt"]:
        assert f"#{anchor}" in links
        assert page.one(id=anchor)  # the link leads somewhere
    assert "the founding year cannot be after this year" in summary.text
    assert "this excerpt does not appear verbatim in the source." in summary.text
    assert page.find("script", src="/static/admin/musicdir/error_summary.js")


def test_records_are_grouped_in_collapsible_sections_open_where_there_is_an_error(admin_client):
    form = organisation_form(admin_client, "isme")
    for prefix in ["statements", "programmes", "affiliations", "citations"]:
        details = read(form.page).one(id=f"{prefix}-group").find("details")
        assert "open" not in details.attrs
        assert details.one(id=f"{prefix}-heading")
    form.data["statements-0-excerpt"] = ["Changed so that it is not in the source."]
    statements = read(form.save()).one(id="statements-group")
    details = statements.find("details")
    assert details is None or "open" in details.attrs  # the group with the error is open


def test_an_organisation_lists_the_affiliations_others_recorded_with_it(admin_client):
    page = content(organisation_form(admin_client, "isme").page)
    mec = Organisation.objects.get(slug="music-education-council")
    assert escape("National affiliate for the UK: Music Education Council (MEC)") in page
    assert f'href="{url(Organisation, "change", mec.pk)}"' in page
    assert "Affiliations with other organisations (this one is … the other)" in page
    assert "the other)s" not in page


def test_the_same_affiliation_cannot_be_recorded_twice(admin_client):
    from organisations.models import Affiliation

    existing = (
        Affiliation.objects.filter(programme=None, other__isnull=False)
        .select_related("organisation")
        .first()
    )
    form = organisation_form(admin_client, existing.organisation.slug)
    form.add_row(
        "affiliations",
        kind=existing.kind,
        other=existing.other_id,
        source=existing.source_id,
        excerpt=existing.excerpt,
    )
    refused = form.save()
    assert refused.status_code == 200
    assert "This affiliation is already recorded." in content(refused)


def test_the_database_refuses_a_duplicate_affiliation_and_an_impossible_year(db):
    from django.db import IntegrityError, transaction

    from organisations.models import Affiliation

    existing = Affiliation.objects.filter(programme=None, other__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Affiliation.objects.create(
            organisation=existing.organisation, kind=existing.kind, other=existing.other,
            source=existing.source, excerpt=existing.excerpt, key="another-key",
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(slug="isme").update(founded_year=3000)


@pytest.mark.parametrize("slug", ["compare", "network"])
def test_a_slug_that_is_one_of_the_sites_pages_is_refused(admin_client, slug):
    refused = organisation_form(admin_client, "unesco").save(slug=slug)
    assert refused.status_code == 200
    assert "is the address of one of the site&#x27;s own pages" in content(refused)


def test_the_admin_is_named_for_the_site(admin_client):
    page = read(admin_client.get("/admin/"))
    assert "musicdir" in page.one("title").text
    assert "django administration" not in page.text


def test_organisations_can_be_marked_verified_today(admin_client, client):
    from django.utils import timezone

    chosen = list(
        Organisation.objects.filter(slug__in=["isme", "amie"]).values_list("pk", flat=True)
    )
    done = admin_client.post(
        url(Organisation, "changelist"),
        {"action": "mark_verified_today", "_selected_action": chosen},
        follow=True,
    )
    assert "Marked 2 organisation(s) as verified" in content(done)
    today = timezone.localdate()
    assert set(
        Organisation.objects.filter(last_verified=today).values_list("pk", flat=True)
    ) == set(chosen)
    assert "Last verified" in content(client.get("/organisations/isme/"))


@pytest.mark.parametrize("model_name", ["citation", "programme", "statement", "affiliation"])
def test_change_lists_cost_the_same_queries_however_long(admin_client, model_name):
    from django.apps import apps

    model = apps.get_model("organisations", model_name)
    changelist = f"/admin/organisations/{model_name}/"
    before = count_queries(admin_client, changelist)
    # More rows, on more organisations, each with what its row shows (a programme's parent).
    originals = model.objects.exclude(parent=None) if model_name == "programme" else model.objects
    for n, record in enumerate(list(originals.all()[:5])):
        for copy in range(3):
            record.pk, record.key = None, ""
            record.organisation = factories.organisation(f"Copy {n}-{copy}", kind="network")
            record.save()
    assert count_queries(admin_client, changelist) == before


def test_change_list_filters_stay_short_however_many_organisations(admin_client):
    def filter_links():
        page = read(admin_client.get("/admin/organisations/statement/"))
        return len(page.one(id="changelist-filter").find_all("li"))

    before = filter_links()
    factories.organisations(50, kind="network")
    assert filter_links() == before


def test_the_same_new_affiliation_twice_in_one_save_is_refused(admin_client):
    from organisations.models import Affiliation

    existing = (
        Affiliation.objects.filter(programme=None, other__isnull=False)
        .select_related("organisation")
        .first()
    )
    form = organisation_form(admin_client, existing.organisation.slug)
    unused = Organisation.objects.exclude(pk__in=[existing.organisation_id]).last()
    for _ in range(2):
        form.add_row(
            "affiliations", kind=existing.kind, other=unused.pk,
            source=existing.source_id, excerpt=existing.excerpt,
        )  # fmt: skip
    refused = form.save()
    assert refused.status_code == 200
    assert "This affiliation is already recorded." in content(refused)
