"""The public pages, through their URLs, asserting what a reader sees."""

import pytest
from django.urls import reverse

from organisations.models import Affiliation, Organisation
from tests import factories
from tests.reading import count_queries, detail_url, normalise, read, visible

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")


def names_listed(response):
    return [org.name for org in response.context["object_list"]]


def get_list(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response


# The list ------------------------------------------------------------------------------------


def test_home_leads_to_the_list(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_the_list_shows_every_organisation_with_a_count(client):
    response = get_list(client)
    assert len(names_listed(response)) == Organisation.objects.count() == 10
    assert "10 organisations" in visible(response)
    for org in Organisation.objects.all():
        assert f'href="{org.get_absolute_url()}"' in response.content.decode()


def test_the_list_is_sorted_by_name_by_default(client):
    names = names_listed(get_list(client))
    assert names == sorted(names)


@pytest.mark.parametrize(
    ("sort", "first"),
    [("-name", "Youth Music"), ("name", "Alliance for a Musically Inclusive England")],
)
def test_the_list_can_be_sorted(client, sort, first):
    assert names_listed(get_list(client, sort=sort))[0] == first


def sorts_offered(response):
    return [o.get("value") for o in read(response).one("select", name="sort").find_all("option")]


@pytest.mark.parametrize(
    ("sort", "dated"),
    [
        ("founded", ["Dated 1990", "Dated 2001", "Dated 2010"]),
        ("-founded", ["Dated 2010", "Dated 2001", "Dated 1990"]),
    ],
)
def test_sorting_by_founding_year_puts_those_without_one_last_both_ways(client, sort, dated):
    for year in [2001, 1990, 2010]:
        factories.organisation(f"Dated {year}", founded_year=year)
    names = names_listed(get_list(client, sort=sort))
    # The fixture's one dated organisation (ISME, 1953) among them, then those without a year.
    with_year = Organisation.objects.exclude(founded_year=None).count()
    expected = sorted(
        dated + ["International Society for Music Education"],
        key=lambda n: (
            Organisation.objects.get(name=n).founded_year * (1 if sort == "founded" else -1)
        ),
    )
    assert names[:with_year] == expected
    assert all(
        Organisation.objects.get(name=name).founded_year is None for name in names[with_year:]
    )
    assert len(names) > with_year


def test_sorting_by_founding_year_is_offered_only_when_results_have_years_to_sort(client):
    # The fixture has one organisation with a year: nothing to sort it against.
    assert sorts_offered(get_list(client)) == ["relevance", "name", "-name"]
    factories.organisation("Dated 2001", founded_year=2001, kind="funder")
    offered = sorts_offered(get_list(client))
    assert offered == ["relevance", "name", "-name", "founded", "-founded"]
    # Counted among the results: of the funders, only the new one has a year.
    assert "founded" not in sorts_offered(get_list(client, kind="funder"))
    # Asked for anyway (a shared link), it stays chosen and offered.
    response = get_list(client, kind="funder", sort="-founded")
    assert "-founded" in sorts_offered(response)
    sort = read(response).one("select", name="sort")
    assert sort.one("option", selected=True).get("value") == "-founded"


def test_closed_organisations_are_hidden_but_keep_their_pages(client):
    Organisation.objects.filter(slug="unesco").update(status=Organisation.Status.CLOSED)
    assert "UNESCO" not in names_listed(get_list(client))
    assert "UNESCO" in names_listed(get_list(client, status="all"))
    assert names_listed(get_list(client, status="closed")) == ["UNESCO"]
    response = client.get(detail_url("unesco"))
    assert response.status_code == 200
    assert "closed" in visible(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "funder"}, {"National Lottery"}),
        (
            {"kind": ["funder", "alliance"]},
            {"National Lottery", "Alliance for a Musically Inclusive England"},
        ),
        ({"scope": "england"}, {"Alliance for a Musically Inclusive England"}),
        ({"audience": "schools"}, {"Music Mark"}),
        ({"theme": "workforce"}, {"Music Mark"}),
        ({"theme": "inclusion"}, {"Music Mark", "Alliance for a Musically Inclusive England"}),
        (
            {"affiliated_with": "isme"},
            {
                "Music Education Council",
                "International Music Council",
                "UNESCO",
                "Royal Conservatoire of Scotland",
            },
        ),
        (
            {"affiliated_with": "youth-music"},
            {"Alliance for a Musically Inclusive England", "National Lottery"},
        ),
        # The funding chain, each link once: Lottery, via Arts Council England, to Youth Music.
        ({"affiliated_with": "national-lottery"}, {"Youth Music", "Arts Council England"}),
        ({"kind": "funder", "scope": "england"}, set()),
    ],
)
def test_filters(client, params, expected):
    assert set(names_listed(get_list(client, **params))) == expected


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("ISME", "International Society for Music Education"),
        ("amie", "Alliance for a Musically Inclusive England"),
        ("MEC", "Music Education Council"),
        ("music mark", "Music Mark"),
        ("Youth Music", "Youth Music"),
    ],
)
def test_search_puts_name_and_acronym_matches_first(client, q, first):
    assert names_listed(get_list(client, q=q))[0] == first


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("HEARD", {"Alliance for a Musically Inclusive England"}),  # a principle
        ("Shuttleworth", {"Music Mark"}),  # a person
        ("voting rights", {"International Society for Music Education"}),  # a member benefit
        ("Grassroots", {"Music Mark"}),  # a programme
        ("Glasgow", {"International Society for Music Education"}),  # a conference
        ("countries", {"International Society for Music Education"}),  # a key figure
        ("Legacy", {"International Society for Music Education", "Music Education Council"}),
        (  # an affiliation, from both sides
            "lottery",
            {"National Lottery", "Youth Music", "Arts Council England"},
        ),
    ],
)
def test_search_covers_all_of_an_organisations_text(client, q, expected):
    assert set(names_listed(get_list(client, q=q))) == expected


def test_search_needs_every_word(client):
    assert names_listed(get_list(client, q="HEARD Glasgow")) == []


def test_a_search_with_no_results_says_so_helpfully(client):
    response = get_list(client, q="zzzzqqq")
    assert names_listed(response) == []
    text = visible(response)
    assert "0 organisations" in text
    assert "zzzzqqq" in text
    assert f'href="{LIST}"' in response.content.decode()  # a way back to everything


def test_search_and_filters_combine(client):
    assert names_listed(get_list(client, q="music", kind="alliance")) == [
        "Alliance for a Musically Inclusive England"
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "no-such-kind"},
        {"audience": "nobody"},
        {"affiliated_with": "no-such-organisation"},
        {"sort": "sideways"},
        {"status": "asleep"},
        {"q": "x" * 1000},
    ],
)
def test_bad_input_gives_an_empty_result_with_the_forms_error(client, params):
    response = get_list(client, **params)
    assert names_listed(response) == []
    assert response.context["filter"].form.errors
    assert 'role="alert"' in response.content.decode()


def test_markup_in_the_search_is_shown_escaped(client):
    response = get_list(client, q="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "&lt;script&gt;" in response.content.decode()


def test_pagination_keeps_the_filters(client):
    factories.organisations_with_records(25)
    first = get_list(client, kind="funder")
    assert len(names_listed(first)) == 20
    assert "26 organisations" in visible(first)
    assert read(first).one("a", rel="next").get("href") == f"{LIST}?kind=funder&page=2"
    second = get_list(client, kind="funder", page=2)
    assert len(names_listed(second)) == 6
    assert not set(names_listed(first)) & set(names_listed(second))


def test_pages_are_numbered_first_and_last_among_them_the_current_one_marked(client):
    factories.organisations(176, kind="funder")  # with the fixture's 4 funders: 9 pages
    response = get_list(client, kind="funder", page=5)
    pagination = read(response).one("nav", **{"aria-label": "Pagination"})
    links = [(normalise(a.text), a.get("href")) for a in pagination.find_all("a")]
    assert links == [
        ("previous page", f"{LIST}?kind=funder&page=4"),
        *[
            (f"page {n}", f"{LIST}?kind=funder" + (f"&page={n}" if n > 1 else ""))
            for n in [1, 4, 5, 6, 9]
        ],
        ("next page", f"{LIST}?kind=funder&page=6"),
    ]
    assert [a.get("href") for a in pagination.find_all("a", **{"aria-current": "page"})] == [
        f"{LIST}?kind=funder&page=5"
    ]
    # Where pages are left out, it says so.
    assert "page 1 … (pages left out) page 4 page 5 page 6 … (pages left out) page 9" in normalise(
        pagination.text
    )


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc"])
def test_a_page_that_does_not_exist_is_not_found(client, page):
    assert client.get(LIST, {"page": page}).status_code == 404


def test_the_list_page_query_count_does_not_grow_with_rows(client):
    before = count_queries(client, LIST)
    factories.organisations_with_records(15)
    assert count_queries(client, LIST) == before
    assert count_queries(client, f"{LIST}?q=funder&kind=funder&audience=schools") <= before + 1


# The detail page -----------------------------------------------------------------------------


def test_an_unknown_organisation_is_not_found(client):
    response = client.get(detail_url("no-such-organisation"))
    assert response.status_code == 404


ALL_SLUGS = [
    "isme",
    "music-education-council",
    "international-music-council",
    "unesco",
    "royal-conservatoire-of-scotland",
    "music-mark",
    "amie",
    "youth-music",
    "national-lottery",
    "arts-council-england",
]


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_fact_is_in_its_section_of_its_organisations_page(client, slug):
    """Each where a reader looks for it: not merely somewhere on the page (a fact is often
    inside an excerpt quoted under Sources)."""
    org = Organisation.objects.for_detail().get(slug=slug)
    page = read(client.get(detail_url(slug)))
    tags = [tag.name for tag in [*org.audiences.all(), *org.themes.all()]]
    facts = {
        "header": [org.name, org.acronym, org.summary, str(org.founded_year or ""), *tags],
        "about": org.paragraphs(),
        "purpose": [f for s in org.statements.all() for f in (s.title, s.text)],
        "member-benefits": [f for b in org.benefits.all() for f in (b.title, b.text)],
        "programmes": [
            fact
            for p in org.programmes.all()
            for fact in (p.name, p.description, p.frequency, p.location)
        ],
        "key-figures": [str(figure) for figure in org.key_figures.all()],
        "people": [f for r in org.roles.all() for f in (r.person.name, r.title, r.quote)],
        "sources": [
            fact
            for source, citations in org.sources()
            for fact in (source.title, *(citation.excerpt for citation in citations))
        ],
    }
    # The header's facts: under the name, or beside the sections on a wide screen.
    header = page.one("header", class_="organisation__header").text
    sections = {"header": header + " " + page.one(class_="organisation__aside").text}
    missing = []
    for where, said in facts.items():
        said = [fact for fact in said if fact]
        if said:
            text = sections.get(where) or page.one(id=where).text
            missing += [(where, fact) for fact in said if normalise(fact) not in text]
    assert not missing


def test_every_affiliation_is_shown_and_linked_from_both_sides(client):
    # Those with an organisation on both sides (the others, worded by the passage, have one).
    affiliations = list(
        Affiliation.objects.filter(other__isnull=False).select_related("organisation", "other")
    )
    assert len(affiliations) == 9
    for affiliation in affiliations:
        subject = client.get(detail_url(affiliation.organisation.slug)).content.decode()
        other = client.get(detail_url(affiliation.other.slug)).content.decode()
        assert f'href="{affiliation.other.get_absolute_url()}"' in subject
        assert f'href="{affiliation.organisation.get_absolute_url()}"' in other
        assert normalise(affiliation.get_kind_display()) in visible(subject)
        reverse = Affiliation.label(affiliation.kind, affiliation.qualifier, incoming=True)
        assert normalise(reverse) in visible(other)


def test_mec_and_isme_word_their_affiliation_for_their_own_side(client):
    mec = visible(client.get(detail_url("music-education-council")))
    isme = visible(client.get(detail_url("isme")))
    assert "national affiliate of international society for music education" in mec
    assert "national affiliate for the uk: music education council" in isme


def test_the_2016_conference_its_host_and_its_legacy_project(client):
    isme = visible(client.get(detail_url("isme")))
    assert "world conference 2016" in isme
    assert "glasgow" in isme
    assert "hosted by: royal conservatoire of scotland" in isme
    assert "legacy project" in isme
    assert "project led by: music education council" in isme
    rcs = visible(client.get(detail_url("royal-conservatoire-of-scotland")))
    assert "host for international society for music education" in rcs
    mec = visible(client.get(detail_url("music-education-council")))
    assert "leads a project for international society for music education" in mec


def test_the_funding_chain_reads_once_from_each_side_as_the_text_has_it(client):
    """ "led and supported by Youth Music thanks to funding from the National Lottery via Arts
    Council England": Lottery, via Arts Council England, to Youth Music, which leads AMIE."""
    amie = visible(client.get(detail_url("amie")))
    assert "led by youth music" in amie and "supported by youth music" in amie
    assert "national lottery" not in amie.split("sources")[0].split("affiliations")[-1]
    youth_music = visible(client.get(detail_url("youth-music")))
    assert "funded by national lottery" in youth_music
    assert "leads: alliance for a musically inclusive england (amie)" in youth_music
    lottery = visible(client.get(detail_url("national-lottery")))
    assert "funds: youth music" in lottery
    assert "funding routed via arts council england" in lottery
    ace = visible(client.get(detail_url("arts-council-england")))
    assert "routes funding: national lottery" in ace


def test_the_chief_executive_and_his_words(client):
    text = visible(client.get(detail_url("music-mark")))
    assert "jem shuttleworth" in text
    assert "chief executive" in text
    assert "music mark believes in the fundamental right to experience" in text


def test_heard_principles_are_titled(client):
    # Each a title of its own: an element holding the title alone.
    page = read(client.get(detail_url("amie")))
    alone = {element.raw_text.strip() for element in page.iter()}
    for title in ("Holistic", "Equitable", "Authentic", "Representative", "Diverse"):
        assert title in alone, title


def test_sections_without_content_are_not_shown(client):
    text = visible(client.get(detail_url("unesco")))
    assert "member benefits" not in text
    assert "key figures" not in text
    assert "people" not in text


def test_the_detail_page_query_count_does_not_grow_with_records(client):
    url = detail_url("isme")
    before = count_queries(client, url)
    isme = Organisation.objects.get(slug="isme")
    for partner in factories.organisations(5, "Partner", kind="network"):
        factories.affiliation(partner, isme)
        for add in (factories.citation, factories.statement, factories.benefit):
            add(isme)
        for add in (factories.programme, factories.key_figure, factories.role):
            add(isme)
    assert count_queries(client, url) == before


@pytest.mark.parametrize("prefix", ["/", "/directory/"])
def test_page_addresses_are_what_reverse_gives(prefix):
    from django.urls import NoReverseMatch, get_script_prefix, set_script_prefix

    from organisations.models import detail_url

    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        for slug in ["isme", "music-mark_2"]:
            assert detail_url(slug) == reverse("organisations:detail", kwargs={"slug": slug})
            assert detail_url(slug) == f"{prefix}organisations/{slug}/"
        for not_a_slug in ["café", "a/b"]:
            with pytest.raises(NoReverseMatch):
                detail_url(not_a_slug)
    finally:
        set_script_prefix(before)


@pytest.mark.parametrize("relation", ["audiences", "themes"])
def test_an_organisation_with_several_chosen_options_is_listed_once(client, relation):
    from django.db.models import Count

    from organisations.models import Organisation

    org = Organisation.objects.annotate(n=Count(relation)).filter(n__gte=2).order_by("slug").first()
    slugs = list(getattr(org, relation).values_list("slug", flat=True)[:2])
    response = get_list(client, **{relation[:-1]: slugs})
    names = names_listed(response)
    assert names.count(org.name) == 1
    expected = Organisation.objects.listed().filter(**{f"{relation}__slug__in": slugs}).distinct()
    assert sorted(names) == sorted(o.name for o in expected)
    assert response.context["paginator"].count == expected.count()


# --- True to the sources --------------------------------------------------------------------


def test_nothing_is_said_that_no_source_says(client):
    """The texts are undated, and name some organisations only in passing: no status, and no
    kind or scope taken from a name or from general knowledge."""
    for slug in ["unesco", "international-music-council", "royal-conservatoire-of-scotland"]:
        org = Organisation.objects.get(slug=slug)
        assert (org.kind, org.scope, org.status) == ("", "", ""), slug
    assert set(Organisation.objects.values_list("status", flat=True)) == {""}
    youth_music = Organisation.objects.get(slug="youth-music")
    assert (youth_music.kind, youth_music.audiences.count(), youth_music.themes.count()) == (
        "",
        0,
        0,
    )
    facts = client.get(detail_url("unesco")).content.decode()
    assert "<dt>Type</dt>" not in facts and "<dt>Status</dt>" not in facts


def test_isme_benefits_are_for_individual_members_as_its_page_says(client):
    page = visible(client.get(detail_url("isme")))
    assert "member benefits for individual members" in page


def test_the_sources_section_says_what_is_quoted_and_what_is_our_classification(client):
    page = visible(client.get(detail_url("amie")))
    assert "every fact on this page is quoted" not in page
    assert "are our own classification" in page
