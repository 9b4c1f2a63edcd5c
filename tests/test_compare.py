"""Comparing organisations side by side, through the URLs, asserting what a reader sees."""

import html
import re
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.forms import CANDIDATES_SHOWN
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

COMPARE = reverse("organisations:compare")
LIST = reverse("organisations:list")

ISME = "International Society for Music Education (ISME)"
AMIE = "Alliance for a Musically Inclusive England (AMIE)"
MEC = "Music Education Council (MEC)"
MUSIC_MARK = "Music Mark"

ROW_LABELS = ["type", "geographic scope", "audiences", "founded", "key figures", "affiliations"]


def normalise(text):
    return re.sub(r"\s+", " ", html.unescape(text).replace("\xa0", " ")).strip().casefold()


def visible(response):
    return normalise(re.sub(r"<[^>]+>", " ", response.content.decode()))


class TableReader(HTMLParser):
    """The comparison table as a reader meets it: its caption, column headers, and rows of
    (row header, [cells]), all as folded text."""

    def __init__(self):
        super().__init__()
        self.caption = None
        self.columns = []
        self.rows = []
        self.column_links = []
        self.in_table = False
        self.cell = None  # (tag, scope, [text])
        self.row = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "compare" in (attrs.get("class") or "").split():
            self.in_table = True
        if not self.in_table:
            return
        if tag in ("caption", "th", "td"):
            self.cell = (tag, attrs.get("scope"), [])
        elif tag == "tr":
            self.row = []
        elif tag == "a" and self.cell and self.cell[1] == "col":
            self.column_links.append(attrs["href"])

    def handle_data(self, data):
        if self.cell:
            self.cell[2].append(data)

    def handle_endtag(self, tag):
        if not self.in_table:
            return
        if tag == "table":
            self.in_table = False
        elif tag in ("caption", "th", "td") and self.cell:
            kind, scope, parts = self.cell
            text = normalise(" ".join(parts))
            self.cell = None
            if kind == "caption":
                self.caption = text
            elif scope == "col":
                self.columns.append(text)
            elif self.row is not None:
                self.row.append((scope, text))
        elif tag == "tr" and self.row is not None:
            if self.row and self.row[0][0] == "row":
                self.rows.append((self.row[0][1], [text for _, text in self.row[1:]]))
            self.row = None


def read_table(response):
    reader = TableReader()
    reader.feed(response.content.decode())
    return reader


def compare(client, *slugs):
    response = client.get(COMPARE, {"o": list(slugs)})
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
    assert "compare isme, amie and music mark" in normalise(
        re.search(r"<title>(.*?)</title>", first.content.decode(), re.S).group(1)
    )


def test_the_table_scrolls_in_its_own_focusable_region(client):
    content = compare(client, "isme", "amie").content.decode()
    assert re.search(
        r'<div class="compare-scroll" role="region" aria-labelledby="compare-caption" '
        r'tabindex="0">\s*<table class="compare">\s*<caption id="compare-caption">',
        content,
    )
    assert "style=" not in content
    assert "<script" not in content


def test_only_get_is_allowed(client):
    assert client.post(COMPARE, {"o": ["isme", "amie"]}).status_code == 405


# Removing and adding -------------------------------------------------------------------------


def hrefs(response, text):
    """The targets of the links whose visible text starts with `text`."""
    content = response.content.decode()
    return [
        html.unescape(href)
        for href, label in re.findall(r'<a href="([^"]*)">(.*?)</a>', content, re.S)
        if normalise(re.sub(r"<[^>]+>", " ", label)).startswith(text)
    ]


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
    content = response.content.decode()
    for action, body in re.findall(
        r'<form class="compare-find" method="get" action="([^"]*)"[^>]*>(.*?)</form>', content, re.S
    ):
        if f'id="{box_id}"' in body:
            hidden = re.findall(r'<input type="hidden" name="o" value="([^"]*)">', body)
            label = re.search(rf'<label for="{box_id}">(.*?)</label>', body)[1]
            assert f'<input type="search" name="find" id="{box_id}"' in body
            return action, hidden, label
    return None


def offered(response):
    """The chooser's checkboxes: ([ticked slugs], [unticked slugs]), in page order."""
    boxes = re.findall(
        r'<input type="checkbox" name="o" value="([^"]*)" id="compare-choice-[^"]*"( checked)?>',
        response.content.decode(),
    )
    return [slug for slug, on in boxes if on], [slug for slug, on in boxes if not on]


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
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "at most 200 characters" in visible(response)
    # The summary leads to the search box.
    target = re.search(r'<div class="error-summary".*?<a href="#([^"]+)">', content, re.S)[1]
    assert f'<input type="search" name="find" id="{target}"' in content
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
    assert '<a href="#id_o">' in content  # the summary leads to the choices
    assert re.search(r"<title>\s*Error:", content)


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
    content = compare(client, "isme", "nope").content.decode()
    assert re.search(r'<input type="checkbox" name="o" value="isme"[^>]* checked>', content)
    assert not re.search(r'value="amie"[^>]* checked', content)


def test_the_bare_page_offers_a_choice_without_an_error(client):
    response = client.get(COMPARE)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' not in content
    assert "organisations to compare" in visible(response)
    assert len(re.findall(r'<input type="checkbox" name="o"', content)) == 10


# From the list and from an organisation's page -----------------------------------------------


def test_the_list_has_compare_checkboxes_in_a_form_of_their_own(client):
    content = client.get(LIST).content.decode()
    match = re.search(
        r'<form class="compare-select" method="get" action="([^"]*)">(.*?)</form>', content, re.S
    )
    assert match and match.group(1) == COMPARE
    body = match.group(2)
    assert "<form" not in body  # not nested in, nor around, the filter form
    for org in Organisation.objects.all():
        assert re.search(
            rf'<input type="checkbox" name="o" value="{org.slug}" id="compare-{org.slug}">\s*'
            rf'<label for="compare-{org.slug}">Compare<span class="visually-hidden"> '
            rf"{re.escape(html.escape(org.name))}</span></label>",
            body,
        ), org.slug
    assert '<button type="submit" class="button">Compare selected</button>' in body
    # The filter form is still separate and closed before the compare form opens.
    filter_form = content.index('class="filter-form"')
    assert content.index("</form>", filter_form) < content.index('class="compare-select"')


def test_ticking_two_on_the_list_compares_them(client):
    # What the browser sends when two boxes are ticked.
    table = read_table(client.get(COMPARE, {"o": ["youth-music", "amie"]}))
    assert table.columns == [normalise("Youth Music"), normalise(AMIE)]


def test_an_organisations_page_offers_to_compare_it(client):
    response = client.get(reverse("organisations:detail", args=["isme"]))
    assert find_form(response, "compare-with") == (COMPARE, ["isme"], "Compare ISME with")
    content = response.content.decode()
    assert content.index('id="compare-with"') < content.index('id="sources"')
    # Submitting it blank offers every other organisation, ISME ticked first, without an error.
    response = find(client, "isme")
    assert 'role="alert"' not in response.content.decode()
    ticked, others = offered(response)
    assert ticked == ["isme"]
    assert len(others) == Organisation.objects.count() - 1


# Queries -------------------------------------------------------------------------------------


def count_queries(client, *slugs):
    with CaptureQueriesContext(connection) as queries:
        compare(client, *slugs)
    return len(queries)


def test_the_query_count_does_not_grow_with_the_organisations_compared(client):
    two = count_queries(client, "isme", "amie")
    three = count_queries(client, "isme", "amie", "music-education-council")
    four = count_queries(client, "isme", "amie", "music-education-council", "music-mark")
    assert three == two
    assert four <= two  # four has nothing left to add, so no list of organisations to add
