"""Affiliation diagrams and the network page: the layout's rules, and the SVG a reader gets."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from organisations.diagram import organisation_diagram, wrap
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


def linked_network(svg):
    """The slugs of the organisations the network's diagram links to."""
    hrefs = [link.get("href") for link in svg.find_all("a", href=True)]
    return {href.split("?o=")[1] for href in hrefs}


def read_svg(markup):
    return read(markup).one("svg")


def after_svg(response):
    """The list after the diagram that says the same in words."""
    return read(response).one(class_="network__list").text


def render(diagram):
    return render_to_string("includes/diagram.html", {"diagram": diagram, "description": "d"})


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(box, point):
    return box[0] < point[0] < box[2] and box[1] < point[1] < box[3]


def along(points, step=1.0):
    """Points every `step` units along the line through `points`."""
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        n = max(1, int(math.hypot(bx - ax, by - ay) / step))
        for i in range(n + 1):
            yield ax + (bx - ax) * i / n, ay + (by - ay) * i / n


def problems(diagram):
    """What is wrong with a diagram's layout: each label's box (from its lines: 8.8 units a
    character, 19 a line) against every box, every other label and every other arrow (walked
    a unit at a time), and everything inside the picture."""
    found = []
    nodes = [node.box for node in diagram.nodes]
    labels = []
    for edge in diagram.edges:
        lines = [line for _, line in edge.label_lines]
        half = max(map(len, lines)) * 8.8 / 2
        top = edge.label_lines[0][0] - 14
        labels.append((edge.label_x - half, top, edge.label_x + half, top + 19 * len(lines)))
    for box in nodes + labels:
        if not (box[0] >= 0 and box[2] <= diagram.width and box[1] >= 0):
            found.append(f"{box} outside the picture")
        if box[3] > diagram.height:
            found.append(f"{box} outside the picture")
    for i, (edge, label) in enumerate(zip(diagram.edges, labels, strict=True)):
        found += [f"{edge.labels} on a box" for box in nodes if overlap(label, box)]
        found += [f"{edge.labels} on a label" for other in labels[i + 1 :] if overlap(label, other)]
        for other in diagram.edges:
            if other is not edge and any(inside(label, p) for p in along(other.points)):
                found.append(f"{edge.labels} of {edge.sentence} across {other.sentence}")
    return found


def crowded_organisation(above=6, below=8):
    """An organisation affiliated to `above` others and with `below` affiliated to it, in
    every kind, two of them both ways, with long names."""
    centre = factories.organisation("Crowded Hub", acronym="HUB")
    kinds = Affiliation.Kind.values
    for n, other in enumerate(factories.organisations(above, "Higher Organisation of Music")):
        factories.affiliation(centre, other, kind=kinds[n % len(kinds)])
    for n, other in enumerate(factories.organisations(below, "Lower Music Education Hub")):
        factories.affiliation(other, centre, kind=kinds[(n + 3) % len(kinds)])
        if n < 2:
            factories.affiliation(centre, other, kind=kinds[(n + 5) % len(kinds)])
    return Organisation.objects.for_detail().get(pk=centre.pk)


# The layout ---------------------------------------------------------------------------------


def test_an_organisations_layout_is_the_same_every_time():
    first = render(organisation_diagram(Organisation.objects.for_detail().get(slug="isme")))
    again = render(organisation_diagram(Organisation.objects.for_detail().get(slug="isme")))
    assert first == again


def test_every_arrow_points_up_to_the_organisation_it_names():
    for organisation in Organisation.objects.for_detail():
        diagram = organisation_diagram(organisation)
        if diagram is None:
            continue
        for edge in diagram.edges:
            if not edge.bend:  # a two-way pair's arrows go both ways
                assert edge.target.y + edge.target.height < edge.source.y


def test_no_label_crosses_an_arrow_a_box_or_another_label():
    diagrams = [organisation_diagram(org) for org in Organisation.objects.for_detail()]
    diagrams = [diagram for diagram in diagrams if diagram]
    assert len(diagrams) >= 5
    for diagram in diagrams:
        assert problems(diagram) == [], diagram.id


def test_labels_stay_clear_with_a_third_affiliate_and_with_many():
    isme = Organisation.objects.get(slug="isme")
    factories.affiliation(factories.organisation("Third Affiliate", acronym="TA"), isme)
    factories.affiliation(isme, factories.organisation("Fourth Network", acronym="FN"))
    diagram = organisation_diagram(Organisation.objects.for_detail().get(slug="isme"))
    assert problems(diagram) == []
    crowded = organisation_diagram(crowded_organisation())
    assert len(crowded.edges) == 6 + 8 + 2
    assert problems(crowded) == []


def test_the_check_finds_a_label_across_an_arrow():
    """The geometry test can fail: a label moved onto another arrow is found."""
    diagram = organisation_diagram(crowded_organisation())
    edge, other = diagram.edges[0], diagram.edges[1]
    middle = other.points[len(other.points) // 2]
    edge.label_x = middle[0]
    edge.label_lines = [(middle[1] + 5, line) for _, line in edge.label_lines[:1]]
    assert any("across" in problem for problem in problems(diagram))


def test_names_are_never_cut_short_and_acronyms_are_unique_on_a_diagram():
    centre = factories.organisation("Centre of Things", acronym="COT")
    first = factories.organisation("Music Education Alliance", acronym="MEA")
    second = factories.organisation("Midlands Education Association", acronym="MEA")
    factories.affiliation(first, centre)
    factories.affiliation(second, centre)
    long = factories.organisation("The Extraordinarily Longwindedly Named Society of Musicians")
    factories.affiliation(centre, long)
    diagram = organisation_diagram(Organisation.objects.for_detail().get(pk=centre.pk))
    drawn = {node.organisation.slug: " ".join(node.lines) for node in diagram.nodes}
    assert drawn[first.slug] == "Music Education Alliance"
    assert drawn[second.slug] == "Midlands Education Association"
    assert drawn[centre.slug] == "COT"  # an acronym nobody else has stays
    assert "…" not in drawn[long.slug]
    assert drawn[long.slug].replace("- ", "") == long.name
    assert all(len(line) <= 13 for node in diagram.nodes for line in node.lines)
    assert problems(diagram) == []


def test_a_diagram_is_never_drawn_at_less_than_three_quarters_of_a_px_a_unit():
    diagram = organisation_diagram(crowded_organisation())
    svg = read_svg(render(diagram))
    assert float(svg.get("width")) >= diagram.width * 0.75
    assert float(svg.get("height")) >= diagram.height * 0.75


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


def test_long_names_wrap_and_long_words_break():
    assert wrap("Royal Conservatoire of Scotland", 13) == ["Royal", "Conservatoire", "of Scotland"]
    assert wrap("Extraordinarily long", 13) == ["Extraordinar-", "ily long"]
    assert wrap("A very long name with far too many words in it", 13, 3) == [
        "A very long",
        "name with far",
        "too many wor…",
    ]


# The pages ----------------------------------------------------------------------------------


def test_the_network_page_draws_the_most_affiliated_organisations_affiliations(client):
    response = client.get(NETWORK)
    assert response.status_code == 200
    isme = Organisation.objects.for_detail().get(slug="isme")  # the most affiliated
    svg = svg_of(response)
    assert svg.get("role") == "group"
    assert svg.one("title", id=svg.get("aria-labelledby"))
    links = isme.affiliation_links()
    assert {f"{NETWORK}?o={link.organisation.slug}" for link in links} == {
        a.get("href") for a in svg.find_all("a", href=True)
    }
    assert len(svg.find_all(marker_end=True)) == len(organisation_diagram(isme).edges)
    page = read(response)
    assert page.one("h2", id="network-title").text == normalise(isme.display_name)
    chosen = page.one("option", selected=True)
    assert chosen.get("value") == "isme"
    # Counted as a reader counts them: ISME's five affiliations are with four organisations.
    partners = {link.organisation.pk for link in links}
    assert len(links) == 5
    assert chosen.text.endswith(f"({len(partners)} affiliated organisations)")


def test_the_network_page_draws_the_chosen_organisation_and_every_partner(client):
    amie = Organisation.objects.for_detail().get(slug="amie")
    response = client.get(NETWORK, {"o": "amie"})
    svg = svg_of(response)
    links = amie.affiliation_links()
    partners = {link.organisation.slug for link in links if link.organisation}
    assert partners
    assert linked_network(svg) == partners
    text = after_svg(response)
    for link in links:  # "partner of music education hubs" too: in words, not drawn
        assert normalise(link.name) in text
    assert "no recorded affiliations" not in visible(response)


def test_the_network_page_says_so_when_an_organisation_has_no_affiliations(client):
    factories.organisation("Lonely Music Trust", slug="lonely-music-trust")
    response = client.get(NETWORK, {"o": "lonely-music-trust"})
    assert "<svg" not in response.content.decode()
    assert "lonely music trust has no recorded affiliations" in visible(response)


def test_an_affiliation_with_no_organisation_is_listed_in_words_and_not_drawn(client):
    # Music Mark "campaigns for the National Plan for Music Education": a policy.
    response = client.get(NETWORK, {"o": "music-mark"})
    assert "<svg" not in response.content.decode()
    page = visible(response)
    assert "campaigns for the national plan for music education" in page
    assert "no recorded affiliations" not in page


def test_the_network_page_answers_a_choice_of_no_organisation_with_an_error(client):
    for value in ["no-such-organisation", "<b>", "x" * 300]:
        response = client.get(NETWORK, {"o": value})
        assert response.status_code == 200
        assert "there is a problem with your choice" in visible(response)
        assert "<svg" not in response.content.decode()


def test_the_network_page_is_linked_from_every_pages_header(client):
    for url in [reverse("organisations:list"), detail_url("isme"), NETWORK]:
        assert f'href="{NETWORK}"' in client.get(url).content.decode()
    assert f'href="{NETWORK}" aria-current="page"' in client.get(NETWORK).content.decode()


def test_the_network_page_query_count_does_not_grow_with_rows(client):
    before = count_queries(client, NETWORK)
    chosen = count_queries(client, f"{NETWORK}?o=amie")
    isme = Organisation.objects.get(slug="isme")
    amie = Organisation.objects.get(slug="amie")
    for partner in factories.organisations(5, "Partner", kind="network"):
        factories.affiliation(partner, isme)
        factories.affiliation(amie, partner)
    factories.organisations(20, "Unaffiliated")
    assert count_queries(client, NETWORK) == before
    assert count_queries(client, f"{NETWORK}?o=amie") == chosen


def test_a_big_directory_offers_its_most_affiliated_and_draws_one_at_a_time(client):
    call_command("generate_synthetic", "60", stdout=StringIO())
    shown = NetworkView.SHOWN
    response = client.get(NETWORK)
    options = [o.get("value") for o in read(response).one("select").find_all("option")]
    assert len(options) == shown
    # None left out has more affiliations than the least affiliated one offered.
    counts = {slug: n for slug, _, n in Organisation.objects.most_affiliated(70)}
    assert min(counts[slug] for slug in options) >= max(
        n for slug, n in counts.items() if slug not in options
    )
    # The diagram is the first one's neighbourhood, all of it, and nothing else.
    first = Organisation.objects.for_detail().get(slug=options[0])
    partners = {link.organisation.slug for link in first.affiliation_links()}
    assert linked_network(svg_of(response)) == partners
    # Any organisation can be chosen, listed or not; it comes first in the list.
    last = Organisation.objects.order_by("-pk").first()
    response = client.get(NETWORK, {"o": last.slug})
    assert read(response).one("option", selected=True).get("value") == last.slug


def test_a_detail_page_draws_the_organisation_and_its_affiliations(client):
    response = client.get(detail_url("isme"))
    svg = svg_of(response)
    assert {"international-music-council", "unesco", "music-education-council"} <= linked(svg)
    assert "isme" not in linked(svg)  # the page it is on is not a link
    assert svg.find(class_="diagram__node--focal")
    labels = [
        " ".join(tspan.raw_text for tspan in text.find_all("tspan"))
        for text in svg.find_all("text", class_="diagram__label")
    ]
    for label in ["Affiliated to", "National affiliate of Leads a project for", "Host for"]:
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
