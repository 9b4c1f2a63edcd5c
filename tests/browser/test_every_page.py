"""Every type of page in a real browser: axe finds no accessibility violations, at phone and
desktop width, in light and dark mode; nothing scrolls sideways on a 375px phone; and the main
pages are photographed into screenshots/ for reviewers."""

import pytest
from django.urls import reverse

from .conftest import DESKTOP, PHONE, importorskip, screenshot

AXE_SCRIPT = importorskip("axe_playwright_python.base").AXE_SCRIPT  # axe-core, bundled

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
COMPARE = reverse("organisations:compare")
SLUGS = [
    "amie",
    "arts-council-england",
    "international-music-council",
    "isme",
    "music-education-council",
    "music-mark",
    "national-lottery",
    "royal-conservatoire-of-scotland",
    "unesco",
    "youth-music",
]
MAIN = {
    "list",
    "list-filtered",
    "list-basket",
    "list-searched",
    "detail-isme",
    "compare",
    "network",
}

PAGES = [
    ("list", LIST, 200),
    ("list-filtered", f"{LIST}?kind=funder&kind=alliance&theme=inclusion", 200),
    ("list-searched", f"{LIST}?q=music+education&sort=relevance", 200),
    ("list-empty", f"{LIST}?q=zzzzqqq", 200),
    ("list-error", f"{LIST}?kind=nonsense", 200),
    ("list-basket", f"{LIST}?kind=funder&compare=isme&compare=amie&compare=nope", 200),
    *[(f"detail-{slug}", reverse("organisations:detail", args=[slug]), 200) for slug in SLUGS],
    ("compare", f"{COMPARE}?o=isme&o=amie&o=music-mark", 200),
    ("compare-choose", COMPARE, 200),
    ("compare-error", f"{COMPARE}?o=isme", 200),
    ("network", reverse("organisations:network"), 200),
    ("network-amie", f"{reverse('organisations:network')}?o=amie", 200),
    ("network-error", f"{reverse('organisations:network')}?o=nobody", 200),
    ("about", reverse("about"), 200),
    ("downloads", reverse("downloads"), 200),
    ("changes", reverse("organisations:changes", args=["isme"]), 200),
    ("api-docs", reverse("api-docs"), 200),
    ("reconcile-preview", reverse("api-v1:reconcile-preview") + "?id=isme", 200),
    ("suggest-change", reverse("organisations:suggest-change", args=["isme"]), 200),
    ("suggest-organisation", reverse("organisations:suggest-organisation"), 200),
    ("not-found", "/organisations/no-such-organisation/", 404),
]


def violations(page, within="html"):
    """axe-core's violations on the page as it is (or in the part of it `within` selects), one
    line each: every rule axe runs by default (WCAG 2.2 A and AA, and best practices)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)  # once a page: it is half a megabyte
    found = page.evaluate(
        "within => axe.run(within, {resultTypes: ['violations']}).then(r => r.violations)",
        within,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found
    ]


def sideways_scroll(page):
    """How far the page scrolls sideways (0: not at all)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(("name", "path", "status"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_passes_axe_and_fits_a_phone(open_page, name, path, status):
    page = open_page(path, viewport=PHONE, status=status)
    assert sideways_scroll(page) == 0
    assert violations(page) == [], "phone, light mode"
    # Then the desktop layout (the filters are a sidebar, not a disclosure) in dark mode. The
    # detail pages share one template: two of them are enough for this.
    if not name.startswith("detail-") or name in {"detail-isme", "detail-amie"}:
        page.set_viewport_size(DESKTOP)
        page.emulate_media(color_scheme="dark")
        assert violations(page) == [], "desktop, dark mode"
        page.set_viewport_size(PHONE)
        assert sideways_scroll(page) == 0
    if name in {"list", "detail-isme", "network"}:
        page.emulate_media(color_scheme="dark")
        screenshot(page, f"{name}-dark")
    if name in MAIN or name == "not-found":
        page.emulate_media(color_scheme="light")
        screenshot(page, name)
