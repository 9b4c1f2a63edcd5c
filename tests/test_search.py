"""Search: snippets, each engine's own behaviour, and an index every write path keeps current.

Relevance, the same on both databases, is in tests/test_search_relevance.py."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from organisations import fixture
from organisations.models import Affiliation, Organisation, Source, Statement
from organisations.search import find_corrections
from tests.admin_forms import ChangeForm, form_data, organisation_form, url
from tests.reading import content, read

pytestmark = pytest.mark.django_db


def found(query):
    return list(Organisation.objects.search(query).order_by("-rank", "name"))


def slugs(query):
    return [org.slug for org in found(query)]


def test_the_list_ranks_by_relevance_when_searching(client):
    response = client.get(reverse("organisations:list"), {"q": "ISME"})
    names = [org.slug for org in response.context["object_list"]]
    assert names[0] == "isme"


def test_results_show_a_highlighted_snippet_of_why_they_matched(client):
    response = client.get(reverse("organisations:list"), {"q": "voting"})
    page = content(response)
    assert "<mark>voting</mark> rights" in page


def test_a_snippet_names_its_field_and_keeps_to_it(client):
    page = content(client.get(reverse("organisations:list"), {"q": "voting"}))
    match = page.split('class="card__match"')[1].split("</p>")[0]
    assert (
        '<span class="card__match-label">Member benefit:</span> <mark>voting</mark> rights' in match
    )
    # Only that benefit: the next one ("access to ISME Commission information...") is not run in.
    assert "Commission" not in match


@pytest.mark.parametrize(
    ("query", "slug", "field", "marked"),
    [
        ("funder", "national-lottery", "Type", "<mark>Funder</mark>"),
        ("Shuttleworth", "music-mark", "Person", "Jem <mark>Shuttleworth</mark>, Chief Executive"),
        ("holistic", "amie", "Principles", "<mark>Holistic</mark>"),
        ("inclusion", "music-mark", "Theme", "<mark>Inclusion</mark>"),
        (
            "grassroots development",
            "music-mark",
            "Programme",
            "<mark>Grassroots</mark> <mark>Development</mark> Groups",
        ),
    ],
)
def test_snippets_name_the_field_the_words_were_found_in(client, query, slug, field, marked):
    page = content(client.get(reverse("organisations:list"), {"q": query}))
    card = page.split(f'href="/organisations/{slug}/"')[1].split("</article>")[0]
    match = card.split('class="card__match"')[1].split("</p>")[0]
    assert f'<span class="card__match-label">{field}:</span>' in match
    assert marked in match


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


# "Did you mean", and suggestions when nothing matches ----------------------------------------

LIST = reverse("organisations:list")


def test_a_corrected_search_says_so_and_links_to_the_words_as_typed(client):
    response = client.get(LIST, {"q": "Musik Mark"})
    page = content(response)
    assert (
        'Showing results for <a href="?q=music+mark" data-list-link><strong>music mark</strong>'
        "</a>. Search instead for "
        '<a href="?q=Musik+Mark&amp;as_typed=1" data-list-link>Musik Mark</a>.'
    ) in page
    assert [org.slug for org in response.context["object_list"]][0] == "music-mark"

    as_typed = client.get(LIST, {"q": "Musik Mark", "as_typed": "1"})
    assert as_typed.context["paginator"].count == 0
    assert "Showing results for" not in content(as_typed)
    assert as_typed.context["canonical_query"].urlencode() == "q=Musik+Mark&as_typed=1"


def test_no_correction_no_message(client):
    assert "Showing results for" not in content(client.get(LIST, {"q": "music mark"}))


def test_as_typed_is_left_out_without_a_search(client):
    response = client.get(LIST, {"as_typed": "1", "kind": "funder"})
    assert response.context["canonical_query"].urlencode() == "kind=funder"


def test_when_nothing_matches_the_closest_names_are_suggested(client):
    page = content(client.get(LIST, {"q": "music xqzvbn"}))
    assert "No organisations match your search" in page
    suggested = page.split('class="suggestions"')[1].split("</ul>")[0]
    assert suggested.count("<li>") == 3
    assert all("Music" in item for item in suggested.split("<li>")[1:])


def test_when_nothing_matches_the_choices_that_would_give_results_are_suggested(client):
    page = content(client.get(LIST, {"q": "HEARD", "kind": "funder"}))
    assert (
        '<li><a href="?q=HEARD&amp;kind=alliance" data-list-link>Type of organisation: '
        "Alliance</a> (1 result)</li>"
    ) in page
    follow = client.get(LIST, {"q": "HEARD", "kind": "alliance"})
    assert [org.slug for org in follow.context["object_list"]] == ["amie"]


def test_as_typed_results_are_counted_apart_from_the_corrected_ones(client, settings):
    settings.MEMO = True  # counts kept once per data version, by search and filters
    assert client.get(LIST, {"q": "Musik Mark"}).context["paginator"].count == 1
    assert client.get(LIST, {"q": "Musik Mark", "as_typed": "1"}).context["paginator"].count == 0


# PostgreSQL's own: its vector holds stems only -------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's stemmed vector"
)


@postgres_only
def test_only_what_the_prefix_would_miss_is_searched_for_by_stem():
    found = find_corrections("default", ["music", "inclusion", "inclusions", "educat", "musik"])
    assert found["music"] == []  # every word it begins has a stem it begins too: music:* finds them
    assert found["inclusion"] == ["inclusion"]  # its stem, inclus, is shorter than it
    assert "inclusions" in found["inclusions"]  # the same, for a word the directory lacks
    assert "education" in found["educat"]  # past its stem, educ: found through the word
    assert found["musik"][0] == "music"  # a correction


def test_a_prefix_past_the_stem_is_searched_for_through_the_words_it_begins():
    # The index holds stems ("education": "educ"), which "educat" does not begin.
    found = find_corrections("default", ["educat", "musik"])
    assert "education" in found["educat"]
    assert found["musik"][0] == "music"


def test_backups_leave_out_what_the_search_derives(tmp_path):
    path = tmp_path / "backup.json"
    call_command("backup", str(path), stdout=StringIO())
    models = {obj["model"] for obj in json.loads(path.read_text(encoding="utf-8"))}
    assert "organisations.organisation" in models
    assert not models & {"organisations.searchentry", "organisations.searchname"}
