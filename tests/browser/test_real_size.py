"""The pages at real size in Chromium, at a 375px phone's width and a 1280px desktop's (issue
18): diagrams legible and true (no label on an arrow, a box or another label, as drawn; text
never under 12px), the comparison usable on a phone and on A4, and an organisation's page
using a wide screen."""

import re

import pytest
from django.urls import reverse

from .conftest import DESKTOP, PHONE, importorskip

expect = importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db

NETWORK = reverse("organisations:network")
DIAGRAMS = [
    reverse("organisations:detail", args=["isme"]),
    reverse("organisations:detail", args=["amie"]),
    reverse("organisations:detail", args=["music-education-council"]),
    NETWORK,
    f"{NETWORK}?o=amie",
    f"{NETWORK}?o=youth-music",
]
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])

# As drawn: the smallest text in px, each label (its rendered box) that overlaps a box,
# another label, or another arrow (the arrow's rendered path, a point every unit along it),
# and each name wider than its box.
# Labels and arrows come in the same order, one of each per arrow.
MEASURE = """svg => {
  const problems = [];
  let smallest = Infinity;
  for (const text of svg.querySelectorAll("text")) {
    const size = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    smallest = Math.min(smallest, size);
  }
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width
    && a.y < b.y + b.height && b.y < a.y + a.height;
  const labels = [...svg.querySelectorAll("text.diagram__label")];
  const arrows = [...svg.querySelectorAll("path.diagram__edge")];
  const rects = [...svg.querySelectorAll("rect")].map(rect => rect.getBBox());
  const boxes = labels.map(label => label.getBBox());
  boxes.forEach((box, i) => {
    const name = labels[i].textContent;
    rects.forEach(rect => overlap(box, rect) && problems.push(`${name} on a box`));
    boxes.slice(i + 1).forEach((other, j) =>
      overlap(box, other) && problems.push(`${name} on ${labels[i + 1 + j].textContent}`));
    arrows.forEach((arrow, j) => {
      if (j === i) return;
      const length = arrow.getTotalLength();
      for (let at = 0; at <= length; at += 1) {
        const p = arrow.getPointAtLength(at);
        if (p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height) {
          problems.push(`${name} across arrow ${j}`);
          break;
        }
      }
    });
  });
  for (const node of svg.querySelectorAll(".diagram__node")) {
    const rect = node.querySelector("rect").getBBox();
    const text = node.querySelector("text").getBBox();
    if (text.x < rect.x || text.x + text.width > rect.x + rect.width) {
      problems.push(`${node.textContent.trim()} wider than its box`);
    }
  }
  return {problems, smallest, labels: labels.length};
}"""


@SIZES
@pytest.mark.parametrize("path", DIAGRAMS)
def test_diagram_text_is_legible_and_no_label_sits_on_anything(open_page, path, viewport):
    page = open_page(path, viewport=viewport)
    measured = page.locator("svg.diagram").evaluate(MEASURE)
    assert measured["labels"] > 0
    assert measured["problems"] == []
    assert measured["smallest"] >= 12
    # The page itself never scrolls sideways: a diagram wider than the screen scrolls in its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_measure_finds_a_label_moved_onto_an_arrow(open_page):
    """The browser's check can fail: a label moved onto another arrow, or shrunk, is found."""
    page = open_page(reverse("organisations:detail", args=["isme"]), viewport=PHONE)
    svg = page.locator("svg.diagram")
    svg.evaluate(
        """svg => {
          const arrow = svg.querySelectorAll("path.diagram__edge")[1];
          const middle = arrow.getPointAtLength(arrow.getTotalLength() / 2);
          const label = svg.querySelectorAll("text.diagram__label")[0];
          for (const tspan of label.querySelectorAll("tspan")) {
            tspan.setAttribute("x", middle.x);
            tspan.setAttribute("y", middle.y);
          }
          svg.style.minWidth = "0";
          svg.setAttribute("width", 200);  // under 0.75px a unit
        }"""
    )
    measured = svg.evaluate(MEASURE)
    assert any("across arrow 1" in problem for problem in measured["problems"])
    assert measured["smallest"] < 12


@SIZES
def test_the_network_page_shows_one_organisation_and_all_its_partners(open_page, viewport):
    page = open_page(f"{NETWORK}?o=youth-music", viewport=viewport)
    expect(page.locator("#network-title")).to_have_text("Youth Music")
    names = page.locator("svg.diagram a title").all_text_contents()
    listed = page.locator(".network__list a").all_text_contents()
    assert sorted(names) == sorted(set(listed))
    expect(page.get_by_text("No recorded affiliations")).to_have_count(0)
    expect(page.get_by_label("Organisation")).to_be_visible()


# The comparison ------------------------------------------------------------------------------

COMPARE = reverse("organisations:compare")
FOUR = f"{COMPARE}?o=isme&o=amie&o=music-mark&o=unesco"


def scroll_to_end(page):
    page.locator(".compare-scroll").evaluate("region => { region.scrollLeft = region.scrollWidth }")


def test_a_comparison_on_a_phone_keeps_its_row_labels_and_says_how_many_show(open_page):
    page = open_page(FOUR, viewport=PHONE)
    cue = page.locator("#compare-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("1 of 4 shown (organisation 1)")
    region = page.locator(".compare-scroll")
    left = region.bounding_box()["x"]
    label = page.get_by_role("rowheader", name="Type")
    scroll_to_end(page)
    # The row labels stay where they were; the last column is in view, and the cue says so.
    assert abs(label.bounding_box()["x"] - left) <= 2
    expect(cue).to_contain_text("1 of 4 shown (organisation 4)")
    last = page.get_by_role("columnheader", name="UNESCO")
    box, view = last.bounding_box(), region.bounding_box()
    assert box["x"] + box["width"] <= view["x"] + view["width"] + 1
    # Labels never hide a column's text: the column's left edge is right of the labels.
    assert box["x"] >= label.bounding_box()["x"] + label.bounding_box()["width"] - 1
    # The page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_comparison_on_a_phone_says_to_scroll_without_javascript_too(open_page):
    page = open_page(FOUR, viewport=PHONE, java_script_enabled=False)
    cue = page.locator("#compare-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text("4 organisations side by side: scroll the table sideways")
    label = page.get_by_role("rowheader", name="Type")
    before = label.bounding_box()["x"]
    scroll_to_end(page)
    assert abs(label.bounding_box()["x"] - before) <= 2


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_on_a_desktop_every_column_shows_and_there_is_no_cue(open_page, javascript):
    for path in [FOUR, f"{COMPARE}?o=isme&o=amie"]:
        page = open_page(path, viewport=DESKTOP, java_script_enabled=javascript)
        expect(page.locator("#compare-cue")).to_be_hidden()
        region = page.locator(".compare-scroll")
        assert region.evaluate("region => region.scrollWidth <= region.clientWidth")


def test_a_comparison_of_four_prints_on_a4_landscape_uncut(open_page):
    # A4 landscape's width, less Chromium's default margins (1cm each side), at 96px an inch.
    printable = round((297 - 20) / 25.4 * 96)
    page = open_page(FOUR, viewport={"width": printable, "height": 700})
    page.emulate_media(media="print")
    region = page.locator(".compare-scroll")
    assert region.evaluate("region => region.scrollWidth <= region.clientWidth + 1")
    right = region.bounding_box()["x"] + region.bounding_box()["width"]
    for cell in page.locator(".compare thead th").all():
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= right + 1
    # And the page printed is A4 landscape: 842 by 595 points.
    pdf = page.pdf(prefer_css_page_size=True)
    assert re.search(rb"/MediaBox \[0 0 84[12]\.\d+ 59[45]\.\d+\]", pdf)


# An organisation's page -------------------------------------------------------------------------


def box_of(page, selector):
    box = page.locator(selector).first.bounding_box()
    return {**box, "right": box["x"] + box["width"], "bottom": box["y"] + box["height"]}


def test_on_a_wide_screen_the_facts_and_contents_are_beside_the_sections(open_page):
    page = open_page(reverse("organisations:detail", args=["isme"]), viewport=DESKTOP)
    main, facts = box_of(page, "main"), box_of(page, ".facts")
    about, contents = box_of(page, "#about"), box_of(page, ".contents")
    assert facts["y"] < about["bottom"]
    for beside in (facts, contents):
        assert beside["x"] >= about["right"]
        assert beside["y"] < box_of(page, "#sources")["y"]  # beside the sections, not after
    # Facts at the top, beside the name; the page's width used.
    assert facts["y"] < box_of(page, "h1")["bottom"] + 20
    assert facts["right"] - about["x"] >= 0.8 * main["width"] - 40


def test_on_a_phone_the_facts_and_contents_come_before_the_sections(open_page):
    page = open_page(reverse("organisations:detail", args=["isme"]), viewport=PHONE)
    facts, contents, about = (
        box_of(page, ".facts"),
        box_of(page, ".contents"),
        box_of(page, "#about"),
    )
    assert facts["bottom"] <= contents["y"] <= contents["bottom"] <= about["y"]
    assert abs(facts["x"] - about["x"]) <= 1
