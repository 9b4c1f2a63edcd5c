"""Comparing organisations side by side, through the URLs, asserting what a reader sees."""

from io import StringIO
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from organisations.forms import CANDIDATES_SHOWN
from organisations.models import Organisation
from tests.reading import count_queries, normalise, read, visible

pytestmark = pytest.mark.django_db

COMPARE = reverse("organisations:compare")
LIST = reverse("organisations:list")

ISME = "International Society for Music Education (ISME)"
AMIE = "Alliance for a Musically Inclusive England (AMIE)"
MEC = "Music Education Council (MEC)"
MUSIC_MARK = "Music Mark"

ROW_LABELS = ["type", "geographic scope", "audiences", "founded", "key figures", "affiliations"]


def read_table(response):
    """The comparison table as a reader meets it: its caption, column headers (and their
    links), and rows of (row header, [cells]), all as folded text."""
    table = read(response).one("table", class_="compare")
    headers = table.find_all("th", scope="col")
    rows = []
    for tr in table.find_all("tr"):
        cells = [cell for cell in tr.elements if cell.tag in ("th", "td")]
        cells = [cell for cell in cells if cell.get("scope") != "col"]
        if cells and cells[0].get("scope") == "row":
            rows.append((cells[0].text, [cell.text for cell in cells[1:]]))
    return SimpleNamespace(
        caption=table.one("caption").text,
        columns=[header.text for header in headers],
        column_links=[a.get("href") for header in headers for a in header.find_all("a")],
        rows=rows,
    )


def address(*slugs):
    return f"{COMPARE}?{urlencode([('o', slug) for slug in slugs])}"


def compare(client, *slugs):
    response = client.get(address(*slugs))
    assert response.status_code == 200
    return response


def row(table, label):
    matches = [cells for header, cells in table.rows if header == label]
    assert matches, f"no row {label!r} in {[header for header, _ in table.rows]}"
    return matches[0]


# Side by side --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slugs", "names"),
    [
        (["isme", "amie"], [ISME, AMIE]),
        (["amie", "isme", "music-education-council"], [AMIE, ISME, MEC]),
        (["music-mark", "music-education-council", "amie", "isme"], [MUSIC_MARK, MEC, AMIE, ISME]),
    ],
)
def test_two_to_four_organisations_side_by_side_in_the_order_given(client, slugs, names):
    response = compare(client, *slugs)
    table = read_table(response)
    assert table.columns == [normalise(name) for name in names]
    assert table.column_links == [reverse("organisations:detail", args=[slug]) for slug in slugs]
    headers = [header for header, _ in table.rows]
    for label in ROW_LABELS:
        assert label in headers
    for _, cells in table.rows:
        assert len(cells) == len(slugs)
    assert table.caption.endswith("side by side")
    assert 'role="alert"' not in response.content.decode()
    assert response.content.decode().count("<h1") == 1


def test_each_row_shows_each_organisations_facts(client):
    table = read_table(compare(client, "isme", "amie"))
    assert row(table, "type") == [
        "international society or council",
        "alliance",
    ]
    assert row(table, "geographic scope") == ["international", "england"]
    isme, amie = row(table, "key figures")
    assert "nearly 90 countries" in isme
    assert "13 founder organisations" in amie
    assert "13 founder organisations" not in isme
    isme_founded, _ = row(table, "founded")
    assert isme_founded == str(Organisation.objects.get(slug="isme").founded_year)
    isme_audiences, amie_audiences = row(table, "audiences")
    isme_org = Organisation.objects.for_detail().get(slug="isme")
    for audience in isme_org.audiences.all():
        assert normalise(audience.name) in isme_audiences


def test_empty_cells_say_not_stated(client):
    org = Organisation.objects.get(slug="amie")
    org.founded_year = None
    org.scope = ""
    org.save()
    table = read_table(compare(client, "isme", "amie"))
    assert row(table, "founded")[1] == "not stated"
    assert row(table, "geographic scope")[1] == "not stated"


def test_member_benefits_by_category(client):
    isme = Organisation.objects.for_detail().get(slug="isme")
    table = read_table(compare(client, "isme", "amie"))
    categories = [label for label, _ in isme.benefit_groups()]
    assert len(categories) >= 3
    for label, benefits in isme.benefit_groups():
        isme_cell, amie_cell = row(table, f"member benefits: {label.lower()}")
        for benefit in benefits:
            assert normalise(benefit.text) in isme_cell
        if not dict(Organisation.objects.for_detail().get(slug="amie").benefit_groups()).get(label):
            assert amie_cell == "not stated"
    assert "voting rights" in row(table, "member benefits: governance")[0]


def test_no_member_benefits_at_all_is_one_row_saying_so(client):
    table = read_table(compare(client, "unesco", "national-lottery"))
    assert row(table, "member benefits") == ["not stated", "not stated"]
    assert not [header for header, _ in table.rows if header.startswith("member benefits:")]


def test_affiliations_are_worded_for_each_side(client):
    table = read_table(compare(client, "music-education-council", "isme"))
    mec, isme = row(table, "affiliations")
    assert "national affiliate of international society for music education" in mec
    assert "national affiliate for the uk: music education council" in isme
    assert "hosted by: royal conservatoire of scotland" in isme


def test_the_comparison_is_shareable(client):
    url = f"{COMPARE}?o=isme&o=amie&o=music-mark"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert read_table(first).rows == read_table(again).rows
    assert read_table(first).columns == read_table(again).columns
    assert "compare isme, amie and music mark" in read(first).one("title").text


def test_the_table_scrolls_in_its_own_focusable_region(client):
    response = compare(client, "isme", "amie")
    region = read(response).one("div", class_="compare-scroll")
    assert region.attrs == {
        "class": "compare-scroll",
        "role": "region",
        "aria-labelledby": "compare-caption",
        "aria-describedby": "compare-cue",
        "tabindex": "0",
    }
    table, *_ = region.elements
    assert table.matches("table", class_="compare")
    caption, *_ = table.elements
    assert caption.matches("caption", id="compare-caption")
    # The cue saying to scroll sideways, there without JavaScript (the stylesheet shows it
    # where the columns do not fit; tests/browser/test_real_size.py).
    cue = read(response).one(id="compare-cue")
    assert cue.text.startswith("2 organisations side by side: scroll the table sideways")
    content = response.content.decode()
    assert "style=" not in content
    # One script, the cue's count, from a file (no inline script: the CSP).
    scripts = read(response).find_all("script", src=True)
    assert [script.get("src") for script in scripts] == ["/static/js/compare.js"]
    assert content.count("<script") == 1


def test_only_get_is_allowed(client):
    assert client.post(COMPARE, {"o": ["isme", "amie"]}).status_code == 405


# Removing and adding -------------------------------------------------------------------------


def hrefs(response, text):
    """The targets of the links whose visible text starts with `text`."""
    links = read(response).find_all("a", href=True)
    return [link.get("href") for link in links if link.text.startswith(text)]


def slugs_in(url):
    parts = urlsplit(url)
    assert parts.path == COMPARE
    return [value for key, value in parse_qsl(parts.query) if key == "o"]


def test_each_column_can_be_removed_when_more_than_two(client):
    response = compare(client, "isme", "amie", "music-mark")
    removes = hrefs(response, "remove")
    assert [slugs_in(url) for url in removes] == [
        ["amie", "music-mark"],
        ["isme", "music-mark"],
        ["isme", "amie"],
    ]
    assert "remove music mark from the comparison" in visible(response)
    assert read_table(client.get(removes[1])).columns == [normalise(ISME), normalise(MUSIC_MARK)]


def test_two_cannot_be_removed(client):
    assert hrefs(compare(client, "isme", "amie"), "remove") == []


def find_form(response, box_id):
    """(action, hidden slugs, label) of the form finding organisations to compare whose
    search box is `box_id`, or None."""
    for form in read(response).find_all("form", class_="compare-find", method="get"):
        box = form.find("input", id=box_id)
        if box:
            assert box.matches("input", type="search", name="find")
            hidden = form.find_all("input", type="hidden", name="o")
            label = form.one("label", for_=box_id).raw_text.strip()
            return form.get("action"), [field.get("value") for field in hidden], label
    return None


def offered(response):
    """The chooser's checkboxes: ([ticked slugs], [unticked slugs]), in page order."""
    boxes = [
        box
        for box in read(response).find_all("input", type="checkbox", name="o")
        if box.get("id", "").startswith("compare-choice-")
    ]
    ticked = [box.get("value") for box in boxes if "checked" in box.attrs]
    return ticked, [box.get("value") for box in boxes if "checked" not in box.attrs]


def find(client, *slugs, text=""):
    response = client.get(COMPARE, {"o": list(slugs), "find": text})
    assert response.status_code == 200
    return response


def test_another_organisation_can_be_added_until_there_are_four(client):
    response = compare(client, "isme", "amie")
    assert find_form(response, "compare-add") == (
        COMPARE,
        ["isme", "amie"],
        "Add another organisation",
    )
    # Submitting it offers the matches, with the two compared kept ticked, and no error.
    response = find(client, "isme", "amie", text="music mark")
    assert 'role="alert"' not in response.content.decode()
    ticked, others = offered(response)
    assert ticked == ["isme", "amie"]
    assert others[0] == "music-mark"
    # Ticking one more compares three.
    assert len(read_table(compare(client, "isme", "amie", others[0])).columns) == 3
    assert find_form(compare(client, "isme", "amie", "music-mark", "unesco"), "compare-add") is None


def test_finding_offers_only_the_matches_best_first(client):
    ticked, others = offered(find(client, "isme", text="inclusive"))
    assert ticked == ["isme"]
    assert others[0] == "amie"
    assert "isme" not in others
    assert set(others) < set(Organisation.objects.values_list("slug", flat=True))


def test_finding_nothing_says_so_and_keeps_the_choices(client):
    response = find(client, "isme", text="zzzzqqq")
    assert offered(response) == (["isme"], [])
    assert "no other organisations match “zzzzqqq”." in visible(response)
    assert 'role="alert"' not in response.content.decode()


def test_a_search_too_long_says_so(client):
    response = find(client, "isme", text="x" * 201)
    assert 'role="alert"' in response.content.decode()
    assert "at most 200 characters" in visible(response)
    # The summary leads to the search box.
    page = read(response)
    target = page.one("div", class_="error-summary").find("a").get("href")
    assert page.one(id=target.removeprefix("#")).matches("input", type="search", name="find")
    assert offered(response)[0] == ["isme"]


def test_the_chooser_offers_a_page_of_organisations_and_says_there_are_more(client):
    call_command("generate_synthetic", "40", stdout=StringIO())
    ticked, others = offered(client.get(COMPARE))
    assert ticked == [] and len(others) == CANDIDATES_SHOWN
    names = [Organisation.objects.get(slug=slug).name for slug in others]
    assert names == sorted(names)
    assert "showing the first 20: search above to find others." in visible(client.get(COMPARE))
    # A search finds one beyond the first page.
    last = Organisation.objects.order_by("name").last()
    assert offered(find(client, text=last.name))[1][0] == last.slug


# Bad choices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (["isme"], "Choose at least two organisations to compare."),
        ([""], "Choose at least two organisations to compare."),
        (
            ["isme", "amie", "music-mark", "unesco", "youth-music"],
            "You can compare at most four organisations at once.",
        ),
        (["isme"] * 50, "You can compare at most four organisations at once."),
        (["isme", "amie", "isme"], "International Society for Music Education is chosen twice."),
        (["isme", "isme"], "International Society for Music Education is chosen twice."),
        (["isme", "no-such-organisation"], "No organisation called “no-such-organisation”."),
        (["isme", "x" * 500], "No organisation called “" + "x" * 39 + "…”: that is too long"),
        (["isme", "x" * 100_000], "is too long to be a name"),
        (["isme", "amie\x01"], "No organisation called “amie\ufffd”."),
        (["isme", "Ünïcödé"], "No organisation called “Ünïcödé”."),
    ],
)
def test_bad_choices_say_what_is_wrong(client, slugs, message):
    response = compare(client, *slugs)
    content = response.content.decode()
    assert normalise(message) in visible(response)
    assert 'role="alert"' in content
    assert "there is a problem with your comparison" in visible(response)
    assert "<table" not in content
    assert f'href="{LIST}"' in content  # a way back
    page = read(response)
    assert page.find("a", href="#id_o")  # the summary leads to the choices
    assert page.one("title").text.startswith("error:")


def test_every_problem_is_listed(client):
    text = visible(compare(client, "isme", "nope", "isme"))
    assert "international society for music education is chosen twice." in text
    assert "no organisation called “nope”." in text


def test_markup_in_a_choice_is_shown_escaped(client):
    response = compare(client, "isme", "<script>alert(1)</script>")
    content = response.content.decode()
    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "no organisation called “<script>alert(1)</script>”." in visible(response)


def test_a_bad_choice_keeps_the_good_ones_ticked(client):
    boxes = read(compare(client, "isme", "nope")).find_all("input", type="checkbox", name="o")
    ticked = [box.get("value") for box in boxes if "checked" in box.attrs]
    assert ticked == ["isme"]


def test_the_bare_page_offers_a_choice_without_an_error(client):
    response = client.get(COMPARE)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' not in content
    assert "organisations to compare" in visible(response)
    assert len(read(response).find_all("input", type="checkbox", name="o")) == 10


# From the list and from an organisation's page -----------------------------------------------


def test_the_lists_basket_of_two_compares_them(client):
    # The address the list's basket leads to (tests/test_basket.py).
    table = read_table(client.get(COMPARE, {"o": ["youth-music", "amie"]}))
    assert table.columns == [normalise("Youth Music"), normalise(AMIE)]


def test_an_organisations_page_offers_to_compare_it(client):
    response = client.get(reverse("organisations:detail", args=["isme"]))
    assert find_form(response, "compare-with") == (COMPARE, ["isme"], "Compare ISME with")
    ids = [element.get("id") for element in read(response).iter()]
    assert ids.index("compare-with") < ids.index("sources")
    # Submitting it blank offers every other organisation, ISME ticked first, without an error.
    response = find(client, "isme")
    assert 'role="alert"' not in response.content.decode()
    ticked, others = offered(response)
    assert ticked == ["isme"]
    assert len(others) == Organisation.objects.count() - 1


# Queries -------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_organisations_compared(client):
    two = count_queries(client, address("isme", "amie"))
    three = count_queries(client, address("isme", "amie", "music-education-council"))
    four = count_queries(client, address("isme", "amie", "music-education-council", "music-mark"))
    assert three == two
    assert four <= two  # four has nothing left to add, so no list of organisations to add
