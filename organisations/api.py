"""The read-only JSON API, version 1 (`/api/v1/`), made with django-ninja.

Its endpoints reuse what the pages use, so the two cannot disagree: the list is the one
FilterSet (`filters.OrganisationFilter`) over the same queryset, paged as the HTML list pages
it; each organisation is the JSON export's item (`exports.rows`, `exports.organisation_record`);
ETags and 304s come from the data version (`cache.cached_page`). Every response is open to
any origin (`open_to_all`). A bad parameter is a 400 whose body names it:
`{"errors": {"kind": ["..."]}}`, whether django-ninja or the FilterSet found it.

The description (OpenAPI 3.1) is served at `/api/v1/openapi.json`; `api_docs.py` renders its
documentation page. What `v1` promises not to break is in `STABILITY`, shown on that page.
"""

import json
from typing import Any, Literal

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, reverse
from ninja import Field, Form, NinjaAPI, Query, Schema
from ninja.errors import ValidationError

from musicdir.security import csp_header

from . import exports, reconcile
from .cache import cached_page
from .filters import SORTS, STATUS_ALL, OrganisationFilter
from .models import Affiliation, Area, Audience, Organisation, SearchName, Theme, detail_url
from .views import SuggestView

SUGGESTED = SuggestView.SUGGESTED

PER_PAGE = 20  # as the HTML list: page n of the API is page n of the list
AFFILIATIONS_PER_PAGE = 100

STABILITY = [
    "No endpoint listed in the description is removed, and none changes its address.",
    "No field is removed from a response, renamed, or given another type or meaning; a field "
    "that may be null stays so.",
    "No parameter is removed or renamed; the meaning of an accepted value does not change.",
    "The envelope of a page (count, page, pages, per_page, next, previous, results) and of an "
    "error (errors, by parameter) stays as it is.",
    "What may change within v1: new endpoints, new fields in a response, new optional "
    "parameters, new values of a vocabulary (kinds, areas, audiences, themes), and the order "
    "of results when searching (relevance is tuned). Read unknown fields as optional.",
    "A change that breaks any of these gets a new version (/api/v2/), with v1 kept alongside "
    "for at least six months and the change announced on this page.",
]

api = NinjaAPI(
    title="musicdir API",
    version="1",
    description=(
        "The directory of UK music education organisations, read-only, as JSON. Every fact "
        "quotes its source: each record carries `source` (a source's slug, see /sources) and "
        "`passage` (the source's words, verbatim). Kind, audiences and themes are our "
        "classification; affiliation labels and texts are our wording."
    ),
    urls_namespace="api-v1",
    docs_url=None,  # the site renders its own page (api_docs.py): no CDN, a strict CSP
    openapi_url="/openapi.json",
)


# Errors ---------------------------------------------------------------------------------------


class Errors(Schema):
    errors: dict[str, list[str]]


def errors(status, **messages):
    return api.create_response(
        None, {"errors": {name: list(texts) for name, texts in messages.items()}}, status=status
    )


@api.exception_handler(ValidationError)
def bad_parameters(request, exc):
    """django-ninja's own validation (a value outside an enum, a page that is not a number):
    a 400 naming each parameter, as the FilterSet's errors are given."""
    found = {}
    for error in exc.errors:
        name = str(error["loc"][-1]) if error.get("loc") else "request"
        if isinstance(error["loc"][-1], int) and len(error["loc"]) > 1:
            name = str(error["loc"][-2])  # a list's item: the parameter, not its index
        found.setdefault(name, []).append(error["msg"])
    return api.create_response(request, {"errors": found}, status=400)


# Schemas: what each response holds -----------------------------------------------------------


class Choice(Schema):
    value: str
    label: str


class Tag(Schema):
    slug: str
    name: str


class Sourced(Schema):
    source: str
    passage: str


class KeyFigure(Sourced):
    value: int
    qualifier: str
    label: str
    note: str
    text: str


class OrganisationRef(Tag):
    url: str


class Described(Schema):
    """The other side of an affiliation where the passage names no organisation: its words,
    and what they describe."""

    text: str
    type: Literal["kind", "policy"]


class Link(Schema):
    direction: Literal["incoming", "outgoing"]
    kind: str
    label: str
    organisation: OrganisationRef | None
    described: Described | None
    qualifier: str
    programme: str | None
    text: str
    start_year: int | None
    end_year: int | None
    source: str
    passage: str


class Statement(Sourced):
    kind: str
    title: str
    text: str


class Benefit(Sourced):
    category: str
    title: str
    text: str
    for_: str = Field(alias="for", description="Which members it is for")


class Programme(Sourced):
    name: str
    kind: str
    part_of: str | None
    frequency: str
    year: int | None
    location: str
    description: str


class Role(Sourced):
    person: str
    title: str
    quote: str
    start_year: int | None
    end_year: int | None


class AreaServed(Sourced):
    area: str
    area_name: str


class OtherName(Sourced):
    kind: str
    name: str


class Identifier(Sourced):
    scheme: str
    value: str


class Citation(Sourced):
    supports: str


class SourceRecord(Schema):
    slug: str
    title: str
    publisher: str | None
    url: str
    retrieved: str | None
    licence: str


class OrganisationSummary(Schema):
    name: str
    acronym: str
    slug: str
    url: str
    api_url: str
    kind: Choice | None
    scope: Choice | None
    status: str
    founded_year: int | None
    summary: str
    website: str
    audiences: list[Tag]
    themes: list[Tag]


class OrganisationDetail(OrganisationSummary):
    key_figures: list[KeyFigure]
    affiliations: list[Link]
    statements: list[Statement]
    benefits: list[Benefit]
    programmes: list[Programme]
    roles: list[Role]
    areas_served: list[AreaServed]
    other_names: list[OtherName]
    identifiers: list[Identifier]
    citations: list[Citation]
    evidence: dict[str, Sourced]
    sources: list[SourceRecord]


class Page(Schema):
    count: int
    page: int
    pages: int
    per_page: int
    next: str | None
    previous: str | None


class OrganisationPage(Page):
    results: list[OrganisationSummary]


class AffiliationRecord(Schema):
    organisation: Tag
    kind: Choice
    other: Tag | None
    described: Described | None
    qualifier: str
    programme: str | None
    start_year: int | None
    end_year: int | None
    source: str
    passage: str


class AffiliationPage(Page):
    results: list[AffiliationRecord]


class AreaRecord(Schema):
    code: str
    name: str
    kind: Choice
    within: list[str]


Kind = Literal[tuple(Organisation.Kind.values)]
Scope = Literal[tuple(Organisation.Scope.values)]
Status = Literal[tuple(value for value in Organisation.Status.values if value) + (STATUS_ALL,)]
Sort = Literal[tuple(SORTS)]


class ListParameters(Schema):
    """The list's query string, as the HTML list takes it (organisations/filters.py)."""

    q: str | None = Field(
        None,
        description="Search: names, acronyms, labels and all of an organisation's text; "
        "typos corrected (at most 200 characters, with a word or number in it)",
    )
    kind: list[Kind] | None = Field(None, description="Types (any of them): /vocabularies/kinds")
    scope: list[Scope] | None = Field(None, description="Geographic scopes (any of them)")
    area: str | None = Field(
        None, description="Serving this area, by GSS code (/vocabularies/areas)"
    )
    audience: list[str] | None = Field(
        None, description="Audiences (any of them), by slug: /vocabularies/audiences"
    )
    theme: list[str] | None = Field(
        None, description="Themes (any of them), by slug: /vocabularies/themes"
    )
    status: Status | None = Field(
        None, description="Only this status; `all` includes closed ones (left out otherwise)"
    )
    affiliated_with: str | None = Field(
        None, description="Affiliated (either way) with the organisation of this slug"
    )
    as_typed: Literal["1"] | None = Field(
        None, description="1: search for the words as typed, no typo corrected"
    )
    sort: Sort | None = Field(
        None, description="The order: relevance (by name when not searching) by default"
    )
    page: int = Field(1, description="The page, from 1; 20 organisations a page")


# Endpoints -----------------------------------------------------------------------------------


def _paged(request, queryset, per_page, page):
    """(the page's objects, its envelope), or a 400 response naming `page`."""
    paginator = Paginator(queryset, per_page)
    try:
        current = paginator.page(page)
    except EmptyPage:
        return None, errors(
            400, page=[f"There is no page {page}: pages run from 1 to {paginator.num_pages}."]
        )

    def link(number):
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    envelope = {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "per_page": per_page,
        "next": link(current.next_page_number()) if current.has_next() else None,
        "previous": link(current.previous_page_number()) if current.has_previous() else None,
    }
    return current.object_list, envelope


SUMMARY_FIELDS = tuple(OrganisationSummary.model_fields)


def _api_url(request, slug):
    return request.build_absolute_uri(reverse("api-v1:organisation", kwargs={"slug": slug}))


@api.get(
    "/organisations",
    response={200: OrganisationPage, 400: Errors},
    url_name="organisations",
    summary="Organisations: search, filter, sort",
    tags=["organisations"],
)
def organisations(request, parameters: Query[ListParameters]):
    """The organisations the HTML list (`/organisations/`) shows for the same query string,
    in its order, a page of 20 at a time: the same search (`q`), filters and sort."""
    filterset = OrganisationFilter(
        request.GET or None, queryset=Organisation.objects.all(), request=request
    )
    if not filterset.is_valid():
        return errors(400, **filterset.errors)
    page, envelope = _paged(request, filterset.qs, PER_PAGE, parameters.page)
    if page is None:
        return envelope
    # The page's organisations in the list's order, read as the exports read them.
    url = exports.page_urls(request.build_absolute_uri)
    results = []
    for row in exports.rows(page):
        record = exports.organisation_record(row, url)
        record["api_url"] = _api_url(request, record["slug"])
        results.append({name: record[name] for name in SUMMARY_FIELDS})
    return {**envelope, "results": results}


@api.get(
    "/organisations/{slug}",
    response={200: OrganisationDetail, 400: Errors, 404: Errors},
    by_alias=True,  # a benefit's "for"
    url_name="organisation",
    summary="One organisation, with every record",
    tags=["organisations"],
)
def organisation(request, slug: str):
    """One organisation with every record (statements, benefits, programmes, figures, roles,
    affiliations both ways, areas served, other names, identifiers, citations), each with its
    source and passage; `evidence` gives the passage behind each stated field; `sources`, the
    sources it quotes. The same data as its item in `/organisations/export.json`."""
    found = list(exports.rows(Organisation.objects.filter(slug=slug), with_records=True))
    if not found:
        return errors(404, slug=[f"No organisation has the slug “{slug}”."])
    record = exports.organisation_record(found[0], exports.page_urls(request.build_absolute_uri))
    record["api_url"] = _api_url(request, slug)
    cited = {item["source"] for name in exports.RECORDS for item in record[name]}
    cited |= {item["source"] for item in record["key_figures"] + record["affiliations"]}
    record["sources"] = [
        source
        for source in exports.source_records(Organisation.objects.db)
        if source["slug"] in cited
    ]
    return record


@api.get(
    "/affiliations",
    response={200: AffiliationPage, 400: Errors},
    url_name="affiliations",
    summary="Affiliations",
    tags=["organisations"],
)
def affiliations(request, page: int = Query(1, description="The page, from 1; 100 a page")):
    """Every affiliation once, as recorded: `organisation` is `kind` `other` ("MEC is
    national affiliate of ISME"), with the passage that says so; 100 a page."""
    queryset = Affiliation.objects.order_by("organisation__name", "kind", "other__name", "pk")
    values = queryset.values_list(
        "organisation__slug",
        "organisation__name",
        "kind",
        "other__slug",
        "other__name",
        "described",
        "described_as",
        "qualifier",
        "programme__name",
        "start_year",
        "end_year",
        "source__slug",
        "excerpt",
    )
    rows, envelope = _paged(request, values, AFFILIATIONS_PER_PAGE, page)
    if rows is None:
        return envelope
    labels = dict(Affiliation.Kind.choices)
    results = [
        {
            "organisation": {"slug": row[0], "name": row[1]},
            "kind": {"value": kind, "label": labels[kind]},
            # The organisation on the other side; or, where the passage names none, its words.
            "other": {"slug": other_slug, "name": other_name} if other_slug else None,
            "described": {"text": words, "type": described_as} if words else None,
            "qualifier": qualifier,
            "programme": programme,
            "start_year": start,
            "end_year": end,
            "source": source,
            "passage": passage,
        }
        for row in rows
        for (
            kind,
            other_slug,
            other_name,
            words,
            described_as,
            qualifier,
            programme,
            start,
            end,
            source,
            passage,
        ) in [row[2:]]
    ]
    return {**envelope, "results": results}


@api.get(
    "/sources",
    response={200: list[SourceRecord], 400: Errors},
    url_name="sources",
    summary="Sources",
    tags=["sources"],
)
def sources(request):
    """Every source the directory quotes, with its provenance (what is recorded of it)."""
    return exports.source_records(Organisation.objects.db)


@api.get(
    "/vocabularies/kinds",
    response={200: list[Choice], 400: Errors},
    url_name="kinds",
    summary="Types of organisation (our classification)",
    tags=["vocabularies"],
)
def kinds(request):
    return [{"value": value, "label": label} for value, label in Organisation.Kind.choices]


@api.get(
    "/vocabularies/scopes",
    response={200: list[Choice], 400: Errors},
    url_name="scopes",
    summary="Geographic scopes",
    tags=["vocabularies"],
)
def scopes(request):
    return [{"value": value, "label": label} for value, label in Organisation.Scope.choices]


@api.get(
    "/vocabularies/audiences",
    response={200: list[Tag], 400: Errors},
    url_name="audiences",
    summary="Audiences (our classification)",
    tags=["vocabularies"],
)
def audiences(request):
    return list(Audience.objects.values("slug", "name"))


@api.get(
    "/vocabularies/themes",
    response={200: list[Tag], 400: Errors},
    url_name="themes",
    summary="Themes (our classification)",
    tags=["vocabularies"],
)
def themes(request):
    return list(Theme.objects.values("slug", "name"))


@api.get(
    "/vocabularies/areas",
    response={200: list[AreaRecord], 400: Errors},
    url_name="areas",
    summary="Areas, by GSS code",
    tags=["vocabularies"],
)
def areas(request):
    """Every area organisations can serve (the `area` filter takes its code): the UK, its
    nations, England's regions and the local authorities loaded; each with the codes of the
    areas it lies directly within."""
    within = {}
    for area, parent in Area.within.through.objects.values_list("from_area", "to_area__code"):
        within.setdefault(area, []).append(parent)
    labels = dict(Area.Kind.choices)
    return [
        {
            "code": code,
            "name": name,
            "kind": {"value": kind, "label": labels[kind]},
            "within": sorted(within.get(pk, [])),
        }
        for pk, code, name, kind in Area.objects.values_list("pk", "code", "name", "kind")
    ]


# Reconciliation (W3C Reconciliation Service API 0.2, as OpenRefine uses it) ------------------

RECONCILE_DOC = (
    "Without `queries`: the service manifest. With `queries`, a JSON object of queries "
    '(`{"q0": {"query": "Music Mark", "type": "charity", "limit": 3}}`), by GET or by a '
    "form POST as OpenRefine sends it: each query's candidates, best first, with a score "
    "(100: the query is the organisation's name, acronym, other name or identifier; below, "
    "how close it is to the nearest of its names) and `match` when one alone scores 100. "
    "Types are our classification (the kinds, /vocabularies/kinds)."
)


def _manifest(request):
    origin = request.build_absolute_uri("/").removesuffix("/")
    placeholder = "reconciled-id"
    view = origin + detail_url(placeholder).replace(placeholder, "{{id}}")
    return {
        "versions": ["0.2"],
        "name": "musicdir: UK music education organisations",
        "identifierSpace": origin + reverse("organisations:list"),
        "schemaSpace": origin + reverse("api-v1:kinds"),
        "documentation": origin + reverse("api-docs"),
        "view": {"url": view},
        "preview": {
            "url": origin + reverse("api-v1:reconcile-preview") + "?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            "entity": {
                "service_url": origin,
                "service_path": reverse("api-v1:reconcile-suggest-entity"),
            }
        },
        "defaultTypes": reconcile.types(),
    }


def _reconciled(request, queries):
    if queries is None:
        return _manifest(request)
    try:
        batch = json.loads(queries)
    except ValueError as error:
        return errors(400, queries=[f"The queries are not JSON: {error}."])
    problems = reconcile.check_batch(batch)
    if problems:
        return errors(400, queries=problems)
    return reconcile.reconcile(batch)


RECONCILE_RESPONSES = {200: dict[str, Any], 400: Errors}


@api.get(
    "/reconcile",
    response=RECONCILE_RESPONSES,
    url_name="reconcile",
    summary="Reconciliation: manifest, or candidates for names",
    description=RECONCILE_DOC,
    tags=["reconciliation"],
)
def reconcile_get(
    request,
    queries: str | None = Query(
        None, description="A JSON object of queries; without it, the service manifest"
    ),
):
    return _reconciled(request, queries)


@api.post(
    "/reconcile",
    response=RECONCILE_RESPONSES,
    summary="Reconciliation: candidates for names (a form POST)",
    description=RECONCILE_DOC,
    tags=["reconciliation"],
)
def reconcile_post(request, queries: str = Form(..., description="A JSON object of queries")):
    return _reconciled(request, queries)


PREVIEW_WIDTH, PREVIEW_HEIGHT = 430, 300


@api.get(
    "/reconcile/preview",
    response={400: Errors, 404: Errors},
    url_name="reconcile-preview",
    summary="Reconciliation: an organisation's preview (HTML)",
    tags=["reconciliation"],
    openapi_extra={
        "responses": {
            "200": {
                "description": "A small HTML page about the organisation, to show in a frame.",
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
        }
    },
)
def reconcile_preview(
    request, id: str = Query(..., description="The organisation's id (its slug)")
):
    """What OpenRefine shows beside a candidate: its name, kind, scope and summary."""
    organisation = Organisation.objects.filter(slug=id).first()
    if organisation is None:
        return errors(404, id=[f"No organisation has the id “{id}”."])
    response = render(
        request, "organisations/reconcile_preview.html", {"organisation": organisation}
    )
    # OpenRefine shows it in a frame of its own page, wherever that is served from.
    response["Content-Security-Policy"] = csp_header(
        {**settings.CONTENT_SECURITY_POLICY, "frame-ancestors": ["*"]}
    )
    response.xframe_options_exempt = True
    return response


@api.get(
    "/reconcile/suggest/entity",
    response={200: dict[str, Any], 400: Errors},
    url_name="reconcile-suggest-entity",
    summary="Reconciliation: organisations whose names begin with a prefix",
    tags=["reconciliation"],
)
def reconcile_suggest_entity(request, prefix: str = Query("", description="What was typed")):
    """Type-ahead for OpenRefine: up to 8 organisations whose names (from any word) or
    acronyms begin with `prefix`, as the search box's suggestions."""
    found = SearchName.objects.suggestions(prefix, SUGGESTED)
    return {
        "result": [
            {"id": slug, "name": name, **({"description": acronym} if acronym else {})}
            for name, acronym, slug in found
        ]
    }


# Serving it: open to all origins, ETags from the data version --------------------------------

ALLOWED_HEADERS = "If-None-Match, Content-Type"


def open_to_all(view):
    """Any origin may read the API (CORS): every response says so and exposes its ETag; a
    preflight (OPTIONS) is answered here, and so is HEAD."""

    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        elif request.method == "HEAD":
            # django-ninja answers GET only: a HEAD is the GET's headers, without its body.
            request.method = "GET"
            response = view(request, *args, **kwargs)
            request.method = "HEAD"
            if not response.streaming:
                response.content = b""
            response["Access-Control-Expose-Headers"] = "ETag"
        else:
            response = view(request, *args, **kwargs)
            response["Access-Control-Expose-Headers"] = "ETag"
        response["Access-Control-Allow-Origin"] = "*"
        return response

    for attribute in ("csrf_exempt", "_non_atomic_requests"):
        if hasattr(view, attribute):
            setattr(wrapper, attribute, getattr(view, attribute))
    return wrapper


def urls():
    """The API's URL patterns, each answered through the page cache's ETags (a 304 when the
    data version is unchanged) and open to all origins."""
    patterns, app_name, namespace = api.urls
    return (
        [
            URLPattern(
                pattern.pattern,
                open_to_all(cached_page(pattern.callback)),
                pattern.default_args,
                pattern.name,
            )
            for pattern in patterns
        ],
        app_name,
        namespace,
    )
