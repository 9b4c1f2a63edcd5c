"""Search: relevance, prefixes, typos, snippets, and an index every write path keeps current."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from organisations import fixture
from organisations.models import Affiliation, Organisation, Source, Statement
from tests.admin_forms import ChangeForm, form_data, organisation_form, url
from tests.reading import content, read

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="typo tolerance needs PostgreSQL's pg_trgm"
)


def found(query):
    return list(Organisation.objects.search(query).order_by("-rank", "name"))


def slugs(query):
    return [org.slug for org in found(query)]


# Relevance: each query and the organisation it must return first, on every database.
RELEVANCE = [
    ("ISME", "isme"),
    ("AMIE", "amie"),
    ("MEC", "music-education-council"),
    ("UNESCO", "unesco"),
    ("music mark", "music-mark"),
    ("Music Education Council", "music-education-council"),
    ("youth music", "youth-music"),
    ("arts council", "arts-council-england"),
    ("national lottery", "national-lottery"),
    ("conservatoire", "royal-conservatoire-of-scotland"),
    ("musically inclusive", "amie"),
    ("HEARD principles holistic", "amie"),
    ("Grassroots Development Groups", "music-mark"),
    ("Jem Shuttleworth", "music-mark"),
    ("voting rights", "isme"),
    ("intercultural understanding", "isme"),
    ("legacy project", "isme"),
]


@pytest.mark.parametrize(("query", "first"), RELEVANCE)
def test_relevance(query, first):
    assert slugs(query)[0] == first


def test_an_exact_acronym_ranks_its_organisation_first_even_when_others_mention_it():
    # MEC's own page and ISME's (its national affiliate) both mention "MEC".
    results = slugs("MEC")
    assert results[0] == "music-education-council"
    assert "isme" in results


def test_the_list_ranks_by_relevance_when_searching(client):
    response = client.get(reverse("organisations:list"), {"q": "ISME"})
    names = [org.slug for org in response.context["object_list"]]
    assert names[0] == "isme"


@pytest.mark.parametrize(
    ("prefix", "expected"), [("musi", "music-mark"), ("Shuttle", "music-mark")]
)
def test_a_prefix_finds_the_word(prefix, expected):
    assert expected in slugs(prefix)


def test_every_word_must_match():
    assert slugs("HEARD Glasgow") == []


@postgres_only
@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Musik Mark", "music-mark"),
        ("musicaly inclusve", "amie"),
        ("Conservatorie Scotland", "royal-conservatoire-of-scotland"),
        ("Shuttlewroth", "music-mark"),
        ("internationl socety", "isme"),
    ],
)
def test_a_misspelt_word_or_two_still_finds_the_organisation(query, first):
    assert slugs(query)[0] == first


@postgres_only
def test_typo_correction_does_not_invent_matches():
    assert slugs("xqzvbn") == []


def test_results_show_a_highlighted_snippet_of_why_they_matched(client):
    response = client.get(reverse("organisations:list"), {"q": "voting"})
    page = content(response)
    assert "<mark>voting</mark> rights" in page


def test_snippets_escape_the_text_around_the_match(client):
    isme = Organisation.objects.get(slug="isme")
    Organisation.objects.filter(pk=isme.pk).update(search_text="<b>bold</b> claims about voting")
    page = content(client.get(reverse("organisations:list"), {"q": "voting"}))
    assert "&lt;b&gt;bold&lt;/b&gt; claims about <mark>voting</mark>" in page


def test_no_snippet_when_only_the_name_matched(client):
    page = read(client.get(reverse("organisations:list"), {"q": "UNESCO"}))
    cards = page.find_all("article", class_="card")
    (unesco,) = [card for card in cards if card.one("h2", class_="card__title").text == "unesco"]
    assert unesco.find(class_="card__match") is None


# The index is current after every write path ----------------------------------------------


def test_an_admin_save_updates_the_index(editor_client):
    saved = organisation_form(editor_client, "unesco").save(summary="Zanzibarine heritage work.")
    assert saved.status_code == 302
    assert slugs("zanzibarine") == ["unesco"]


def test_an_admin_inline_edit_updates_the_index(editor_client):
    form = organisation_form(editor_client, "music-mark")
    source = Source.objects.get(slug="music-mark-about-us")
    form.add_row(
        "statements", kind=Statement.Kind.AIM, text="Thinking", excerpt="Thinking", source=source.pk
    )
    # Rename a working group inline too: the new name must be found.
    index = next(
        i
        for i in range(int(form.data["programmes-TOTAL_FORMS"][0]))
        if form.data.get(f"programmes-{i}-name") == ["Data and impact"]
    )
    assert form.save(**{f"programmes-{index}-name": "Quokka metrics"}).status_code == 302
    assert slugs("quokka") == ["music-mark"]


def test_renaming_an_organisation_updates_the_pages_that_name_it(editor_client):
    saved = organisation_form(editor_client, "youth-music").save(name="Youth Musicorum")
    assert saved.status_code == 302
    # AMIE is led and supported by it, the National Lottery funds it: their text names it.
    assert set(slugs("musicorum")) == {"youth-music", "amie", "national-lottery"}


def test_editing_and_deleting_a_record_in_its_own_admin_updates_the_index(editor_client):
    statement = Statement.objects.get(organisation__slug="amie", title="Holistic")
    saved = ChangeForm(editor_client, statement).save(text="placing emphasis on personal")
    assert saved.status_code == 302
    assert "amie" in slugs("emphasis")
    assert slugs("musical outcomes emphasis") == []  # the old wording is gone

    figure = Organisation.objects.get(slug="amie").key_figures.get(label="founder organisations")
    response = editor_client.post(url(type(figure), "delete", figure.pk), {"post": "yes"})
    assert response.status_code == 302
    assert slugs("founder") == []


def test_a_new_affiliation_in_its_own_admin_updates_both_sides(editor_client):
    source = Source.objects.get(slug="mec-isme")
    response = editor_client.get(url(Affiliation, "add"))
    data = form_data(response, "affiliation_form")
    data.update(
        organisation=[str(Organisation.objects.get(slug="unesco").pk)],
        kind=["partner-of"],
        other=[str(Organisation.objects.get(slug="music-mark").pk)],
        qualifier=["for the Okapi programme"],
        source=[str(source.pk)],
        excerpt=["UNESCO"],
    )
    assert editor_client.post(url(Affiliation, "add"), data).status_code == 302
    assert set(slugs("okapi")) == {"unesco", "music-mark"}


def test_loaddata_updates_the_index(tmp_path):
    objects = json.loads(fixture.FIXTURE.read_text(encoding="utf-8"))
    for obj in objects:
        if obj["model"] == "organisations.organisation" and obj["fields"]["slug"] == "unesco":
            obj["fields"]["summary"] = "Pangolin conservation."
    path = tmp_path / "edited.json"
    path.write_text(fixture.dumps(objects), encoding="utf-8")
    call_command("loaddata", str(path), verbosity=0)
    assert slugs("pangolin") == ["unesco"]


def test_the_refresh_search_command_rebuilds_the_index():
    Organisation.objects.filter(slug="unesco").update(summary="Axolotl studies.")
    assert slugs("axolotl") == []  # a write that bypassed every write path
    out = StringIO()
    call_command("refresh_search", stdout=out)
    assert slugs("axolotl") == ["unesco"]
    assert "10 organisations" in out.getvalue()
