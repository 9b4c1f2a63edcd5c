"""Affiliation diagrams and the network page: the layout's rules, and the SVG a reader gets."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from organisations.diagram import network_diagram, organisation_diagram, wrap
from organisations.models import Affiliation, Organisation
from organisations.views import NetworkView
from tests import factories
from tests.reading import count_queries, detail_url, normalise, read, visible

pytestmark = pytest.mark.django_db

NETWORK = reverse("organisations:network")


def svg_of(response):
    """The page's one diagram."""
    return read(response).one("svg")


def linked(svg):
    """The slugs of the organisations the diagram links to."""
    hrefs = [link.get("href") for link in svg.find_all("a", href=True)]
    return {href.split("/")[2] for href in hrefs if href.startswith("/organisations/")}


def after_svg(response):
    """The list after the diagram that says the same in words."""
    return read(response).one("section", class_="network__list").text


def render(diagram):
    return render_to_string("includes/diagram.html", {"diagram": diagram, "description": "d"})


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# The layout ---------------------------------------------------------------------------------


def test_the_network_layout_is_the_same_whatever_order_the_data_comes_in():
    organisations = list(Organisation.objects.for_network())
    drawn = render(network_diagram(organisations))
    assert drawn == render(network_diagram(list(reversed(organisations))))
    shuffled = organisations[3:] + organisations[:3]
    assert drawn == render(network_diagram(shuffled))


def test_an_organisations_layout_is_the_same_every_time():
    first = render(organisation_diagram(Organisation.objects.for_detail().get(slug="isme")))
    again = render(organisation_diagram(Organisation.objects.for_detail().get(slug="isme")))
    assert first == again


def test_every_arrow_points_up_to_the_organisation_it_names():
    diagram = network_diagram(list(Organisation.objects.for_network()))
    # Nine affiliations: MEC's two to ISME share an arrow, and so do AMIE's two to Youth Music.
    assert len(diagram.edges) == 7
    for edge in diagram.edges:
        assert edge.target.y + edge.target.height < edge.source.y


def test_nothing_overlaps_and_everything_is_inside_the_picture():
    for diagram in [
        network_diagram(list(Organisation.objects.for_network())),
        *(organisation_diagram(org) for org in Organisation.objects.for_detail()),
    ]:
        if diagram is None:
            continue
        boxes = [node.box for node in diagram.nodes]
        for edge in diagram.edges:
            lines = [line for _, line in edge.label_lines]
            half = max(map(len, lines)) * 8.8 / 2
            top = edge.label_lines[0][0] - 14
            boxes.append((edge.label_x - half, top, edge.label_x + half, top + 19 * len(lines)))
        for i, box in enumerate(boxes):
            assert box[0] >= 0 and box[2] <= diagram.width, diagram.id
            assert box[1] >= 0 and box[3] <= diagram.height, diagram.id
            assert not any(overlap(box, other) for other in boxes[i + 1 :]), diagram.id


def test_an_organisation_sits_between_those_it_points_to_and_those_pointing_to_it():
    diagram = organisation_diagram(Organisation.objects.for_detail().get(slug="isme"))
    y = {node.organisation.slug: node.centre[1] for node in diagram.nodes}
    assert y["international-music-council"] == y["unesco"] < y["isme"]
    assert y["isme"] < y["music-education-council"] == y["royal-conservatoire-of-scotland"]
    labels = {
        (edge.source.organisation.slug, edge.target.organisation.slug): edge.labels
        for edge in diagram.edges
    }
    assert labels[("music-education-council", "isme")] == [
        "National affiliate of",
        "Leads a project for",
    ]


def test_an_organisation_without_affiliations_has_no_diagram(client):
    music_mark = Organisation.objects.for_detail().get(slug="music-mark")
    assert organisation_diagram(music_mark) is None
    assert "<svg" not in client.get(detail_url("music-mark")).content.decode()


def test_two_way_affiliations_get_two_arrows_that_bow_apart():
    isme = Organisation.objects.get(slug="isme")
    factories.affiliation(isme, Organisation.objects.get(slug="music-education-council"))
    diagram = organisation_diagram(Organisation.objects.for_detail().get(slug="isme"))
    between = [
        edge
        for edge in diagram.edges
        if {edge.source.organisation.slug, edge.target.organisation.slug}
        == {"isme", "music-education-council"}
    ]
    assert len(between) == 2
    assert all(" Q" in edge.path for edge in between)
    assert between[0].path != between[1].path


def test_long_names_wrap_onto_three_lines_at_most():
    assert wrap("Royal Conservatoire of Scotland", 13) == ["Royal", "Conservatoire", "of Scotland"]
    assert wrap("A very long name with far too many words in it", 13, 3) == [
        "A very long",
        "name with far",
        "too many wor…",
    ]


# The pages ----------------------------------------------------------------------------------


def test_the_network_page_draws_every_organisation_and_affiliation(client):
    response = client.get(NETWORK)
    assert response.status_code == 200
    svg = svg_of(response)
    assert svg.get("role") == "group"
    assert svg.one("title", id=svg.get("aria-labelledby"))
    titles = [title.raw_text for title in svg.find_all("title")]
    for org in Organisation.objects.all():
        assert svg.find("a", href=org.get_absolute_url())
        assert org.display_name in titles
    labels = " ".join(tspan.text for tspan in svg.find_all("tspan"))
    for affiliation in Affiliation.objects.filter(other__isnull=False):  # organisations only
        assert normalise(affiliation.get_kind_display()) in labels
    assert "campaigns for" not in labels  # the National Plan for Music Education: a policy
    assert len(svg.find_all(marker_end=True)) == 7


def test_the_network_page_says_it_all_again_in_words(client):
    text = after_svg(client.get(NETWORK))
    mec = "national affiliate of international society for music education (isme) (for the uk)"
    assert mec in text
    assert "national affiliate for the uk: music education council (mec)" in text
    assert "funds: youth music" in text
    assert "music mark campaigns for the national plan for music education" in text


def test_the_network_page_is_linked_from_every_pages_header(client):
    for url in [reverse("organisations:list"), detail_url("isme"), NETWORK]:
        assert f'href="{NETWORK}"' in client.get(url).content.decode()
    assert f'href="{NETWORK}" aria-current="page"' in client.get(NETWORK).content.decode()


def test_the_network_page_query_count_does_not_grow_with_rows(client):
    before = count_queries(client, NETWORK)
    isme = Organisation.objects.get(slug="isme")
    for partner in factories.organisations(5, "Partner", kind="network"):
        factories.affiliation(partner, isme)
    assert count_queries(client, NETWORK) == before


def test_a_directory_too_big_to_draw_shows_its_most_affiliated_organisations(client):
    call_command("generate_synthetic", "60", stdout=StringIO())
    shown = NetworkView.SHOWN
    response = client.get(NETWORK)
    drawn = linked(svg_of(response))
    assert len(drawn) == shown
    # None left out has more affiliations than the least affiliated one drawn.
    counts = {slug: n for slug, _, n in Organisation.objects.most_affiliated(70)}
    assert min(counts[slug] for slug in drawn) >= max(
        n for slug, n in counts.items() if slug not in drawn
    )
    text = visible(response)
    assert f"the directory has 70 organisations, too many to draw: these are the {shown}" in text
    assert f"the {shown} organisations with the most affiliations" in text


def test_a_detail_page_draws_the_organisation_and_its_affiliations(client):
    response = client.get(detail_url("isme"))
    svg = svg_of(response)
    assert {"international-music-council", "unesco", "music-education-council"} <= linked(svg)
    assert "isme" not in linked(svg)  # the page it is on is not a link
    assert svg.find(class_="diagram__node--focal")
    labels = [tspan.raw_text for tspan in svg.find_all("tspan")]
    for label in ["Affiliated to", "National affiliate of", "Leads a project for", "Host for"]:
        assert label in labels
    # It is drawn the same way every time.
    assert svg.markup == svg_of(client.get(detail_url("isme"))).markup


def test_affiliations_are_cards_grouped_by_type_keeping_their_wording(client):
    section = read(client.get(detail_url("isme"))).one(id="affiliations")
    headings = [heading.raw_text for heading in section.find_all("h3")]
    assert headings == ["Networks and memberships", "Events and projects"]
    cards = section.find_all("li", class_="affiliation-card")
    texts = [card.text for card in cards]
    assert texts[0].startswith("national affiliate for the uk: music education council (mec)")
    assert any(t.startswith("hosted by: royal conservatoire of scotland") for t in texts)
    assert len(cards) == 5


def test_every_kind_of_affiliation_has_a_group():
    grouped = [kind for kinds in Affiliation.GROUPS.values() for kind in kinds]
    assert sorted(grouped) == sorted(Affiliation.Kind.values)
