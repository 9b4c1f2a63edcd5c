"""Hostile input: random and malicious values in every GET parameter of every public page.

Property-based (hypothesis): the list, its CSV and JSON exports, the comparison page and the
organisation pages get NUL bytes, over-long strings, huge and negative numbers, repeated
parameters, invalid choices, bad page numbers, markup, SQL and tsquery fragments, invalid
UTF-8, mixed with valid values so the deeper code runs too. None may give a 5xx; each gives a
200 (with a shown error, or results, or none), or a 400 or a 404; markup is never reflected
unescaped. The number of examples comes from the hypothesis profile in conftest.py
(`HYPOTHESIS_PROFILE=thorough` for many more).

The suggestion forms get the same in every field they post.

Then the limits, each with its message: query length, comparison size, page size.
"""

import time
from urllib.parse import quote, quote_from_bytes

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from organisations import suggestions
from organisations.filters import QUERY_MAX_LENGTH
from organisations.forms import MAX_COMPARED
from organisations.models import Organisation
from tests import factories
from tests.reading import inline_code, read

pytestmark = pytest.mark.django_db

LIST = reverse("organisations:list")
CSV = reverse("organisations:export-csv")
JSON = reverse("organisations:export-json")
COMPARE = reverse("organisations:compare")

PROBE = "xss-probe"  # in every markup payload: found in a tag, it was reflected unescaped

MARKUP = [
    f"<script>{PROBE}</script>",
    f'"><img src=x onerror={PROBE}>',
    f"'><svg/onload={PROBE}>",
    f'" autofocus onfocus="{PROBE}',
    f"</title><{PROBE}>",
    f"<!--<{PROBE}>-->",
    f"<style>{PROBE}{{}}</style>",
    f"javascript:{PROBE}",
]
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\r\n",
    "\t",
    "' OR '1'='1",
    "1; DROP TABLE organisations_organisation; --",
    "1' UNION SELECT password FROM auth_user --",
    "music & !",
    "(music | ",
    "a:* <-> b",
    "!!!",
    "'",
    '"',
    "\\",
    "%",
    "_",
    "*",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "\u202e\u0644",
    "\ufeff",
    "𝄞🎵",
    "x" * (QUERY_MAX_LENGTH + 1),
    "music " * 100,
    "-1",
    "0",
    "00",
    "1.5",
    "1e309",
    "NaN",
    "-0",
    "last",
    "9" * 30,
    "9" * 5000,
]
VALID = {
    "kind": [c for c, _ in Organisation.Kind.choices],
    "scope": [c for c, _ in Organisation.Scope.choices],
    "audience": ["music-educators", "schools", "children-and-young-people"],
    "theme": ["advocacy", "inclusion", "funding"],
    "status": ["active", "merged", "closed", "all"],
    "affiliated_with": ["isme", "mec", "music-mark"],
    "sort": ["relevance", "name", "-name", "founded", "-founded"],
    "q": ["music", "ISME", "musik", "music education"],
    "page": ["1", "2", "last"],
    "o": ["isme", "amie", "mec", "music-mark", "youth-music"],
}

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300)
numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)
# Raw bytes, percent-encoded as they are: invalid UTF-8, NULs, control characters.
raw_bytes = st.binary(max_size=40).map(lambda b: ("raw", b))


def hostile_values(name):
    return st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(MARKUP),
        texts,
        numbers,
        raw_bytes,
        st.sampled_from(VALID.get(name, ["x"])),
        st.tuples(st.sampled_from(MARKUP), texts).map("".join),
    )


def query_string(names):
    """Any of the parameters `names` (and an unknown one), each repeated 0 to 4 times."""
    names = [*names, "unknown"]
    return st.lists(
        st.sampled_from(names).flatmap(lambda n: st.tuples(st.just(n), hostile_values(n))),
        max_size=8,
    ).map(encode)


def encode(pairs):
    parts = []
    for name, value in pairs:
        if isinstance(value, tuple):  # ("raw", bytes)
            parts.append(f"{name}={quote_from_bytes(value[1], safe='')}")
        else:
            parts.append(f"{name}={quote(value, safe='')}")
    return "&".join(parts)


def reflected(response):
    """Markup that came from the request rather than from the templates: any code the policy
    would block (the templates have none), and the probe in a tag, an attribute's name, a
    script, a style or a comment."""
    page = read(response)
    found = inline_code(page)
    found += [f"{PROBE} inside a comment" for comment in page.comments() if PROBE in comment]
    for element in page.iter():
        if PROBE in element.tag:
            found.append(f"tag <{element.tag}>")
        found += [f"attribute {name} on <{element.tag}>" for name in element.attrs if PROBE in name]
        if element.tag in ("script", "style") and PROBE in element.raw_text:
            found.append(f"{PROBE} inside <{element.tag}>")
    return found


def check(response, allowed=(200, 400, 404)):
    assert response.status_code < 500
    assert response.status_code in allowed, response.status_code
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        assert reflected(response) == []


FILTERS = ["q", "kind", "scope", "audience", "theme", "status", "affiliated_with", "sort"]


@given(query=query_string([*FILTERS, "page"]))
def test_the_list(client, query):
    check(client.get(f"{LIST}?{query}"))


@given(query=query_string([*FILTERS, "page"]), export=st.sampled_from([CSV, JSON]))
def test_the_exports(client, query, export):
    response = client.get(f"{export}?{query}")
    check(response, allowed=(200, 400))
    if response.status_code == 200:
        b"".join(response)  # the whole stream, which is where errors would be


@given(query=query_string(["o"]))
def test_the_comparison(client, query):
    check(client.get(f"{COMPARE}?{query}"), allowed=(200, 400))


slugs = st.one_of(
    st.sampled_from(VALID["o"]),
    st.sampled_from(NASTY + MARKUP),
    texts,
    st.binary(max_size=30).map(lambda b: ("raw", b)),
)


@given(slug=slugs, query=query_string(["q", "page", "o"]))
def test_the_organisation_pages(client, slug, query):
    if isinstance(slug, tuple):
        segment = quote_from_bytes(slug[1], safe="")
    else:
        segment = quote(slug, safe="")
    check(client.get(f"/organisations/{segment}/?{query}"), allowed=(200, 400, 404))


# A reader's suggestion, posted: every field hostile, now and then beside a valid form token.
SUGGESTION_FIELDS = [
    "name",
    "problem",
    "correction",
    "evidence_url",
    "evidence_passage",
    "email",
    "started",
    "homepage",
]
SUGGESTION_FORMS = [
    reverse("organisations:suggest-change", args=["isme"]),
    reverse("organisations:suggest-organisation"),
]


@given(body=query_string(SUGGESTION_FIELDS), form=st.sampled_from(SUGGESTION_FORMS))
def test_the_suggestion_forms(client, body, form):
    valid = f"started={quote(suggestions.form_token(now=time.time() - 60), safe='')}"
    for posted in (body, f"{valid}&{body}"):
        response = client.post(form, posted, content_type="application/x-www-form-urlencoded")
        check(response, allowed=(200, 302, 400, 429))


# --- Every nasty value in each free-text parameter, the others left valid ---------------------
# (Random search finds what no one thought of; this sweep makes sure of what someone did.)


def sweep(client, requests):
    """Every (url, params, allowed statuses): the values that fail, with what went wrong."""
    failures = []
    for url, params, allowed in requests:
        try:
            response = client.get(url, params)
            check(response, allowed)
            if response.streaming:
                b"".join(response)
        except Exception as error:  # collected, to report every failure at once
            failures.append(f"{url} {params!r}: {error!r}")
    return failures


def test_each_nasty_search(client):
    # With a valid filter beside it, so that the search itself runs.
    assert not sweep(
        client,
        [
            (path, {"q": value, "kind": "international-society"}, (200, 400))
            for value in NASTY + MARKUP
            for path in (LIST, JSON)
        ],
    )


def test_each_nasty_page_number(client):
    assert not sweep(
        client, [(LIST, {"page": value, "q": "music"}, (200, 400, 404)) for value in NASTY + MARKUP]
    )


def test_each_nasty_organisation_to_compare(client):
    assert not sweep(
        client, [(COMPARE, {"o": ["isme", value]}, (200, 400)) for value in NASTY + MARKUP]
    )


def test_each_nasty_organisation_page(client):
    assert not sweep(
        client,
        [(f"/organisations/{quote(value, safe='')}/", {}, (404,)) for value in NASTY + MARKUP],
    )


# --- Cases worth naming -----------------------------------------------------------------------


def error_summary(response):
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem with your search" in content
    return content


# --- Any byte in any parameter of any page, public or admin, on either database --------------

# NUL characters (PostgreSQL refuses them), invalid UTF-8, an encoded lone surrogate, and a
# value longer than any field takes: each as the raw bytes of a query string.
BYTES = [b"\x00", b"a\x00b", b"\xff\xfe", b"\xed\xa0\x80", b"x" * 5000]
PUBLIC = {
    LIST: [*FILTERS, "page"],
    CSV: [*FILTERS, "page"],
    JSON: [*FILTERS, "page"],
    "/organisations/feed.atom": [*FILTERS, "page"],
    "/organisations/changes.atom": ["x"],
    "/organisations/isme/export.json": ["x"],
    "/downloads/": ["x"],
    COMPARE: ["o", "find"],
    "/organisations/isme/": ["o"],
    "/organisations/network/": ["x"],
}


def with_bytes(url, name, value, valid=""):
    return f"{url}?{valid}{'&' if valid else ''}{name}={quote_from_bytes(value, safe='')}"


@pytest.mark.parametrize("value", BYTES, ids=repr)
def test_any_bytes_in_any_public_parameter(client, value):
    failures = []
    for url, names in PUBLIC.items():
        for name in names:
            # Alone, and beside a valid choice, so that the deeper code runs too.
            for valid in ("", "kind=alliance&q=music" if url != COMPARE else "o=isme"):
                response = client.get(with_bytes(url, name, value, valid))
                if response.streaming:
                    b"".join(response)
                if response.status_code >= 500:
                    failures.append((url, name, valid))
    assert failures == []


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
@pytest.mark.parametrize("name", ["q", "affiliated_with", "kind", "sort", "status", "page"])
def test_a_nul_character_in_a_public_parameter_is_a_bad_request(client, name, value):
    for url in (LIST, CSV, JSON):
        response = client.get(url, {name: value})
        assert response.status_code == 400
        assert b"NUL character" in response.content


def admin_parameters(client, changelist):
    """Every parameter the changelist's own links use (its filters, sorting, paging), and the
    ones the admin reads besides."""
    from urllib.parse import parse_qsl, urlsplit

    names = {"q", "o", "p", "e", "_changelist_filters", "_popup", "_to_field", "all"}
    for link in read(client.get(changelist)).find_all(href=True):
        if link.get("href").startswith("?"):
            names |= {name for name, _ in parse_qsl(urlsplit(link.get("href")).query)}
    return names


@pytest.mark.parametrize("value", BYTES, ids=repr)
def test_any_bytes_in_any_admin_parameter(admin_client, value):
    from django.contrib import admin as django_admin

    failures = []
    for model, model_admin in django_admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for name in sorted(admin_parameters(admin_client, changelist)):
            if admin_client.get(with_bytes(changelist, name, value)).status_code >= 500:
                failures.append((changelist, name))
        for field in getattr(model_admin, "autocomplete_fields", []):
            for name in ("term", "app_label", "model_name", "field_name"):
                params = {
                    "term": "music", "app_label": opts.app_label,
                    "model_name": opts.model_name, "field_name": field,
                }  # fmt: skip
                valid = "&".join(f"{k}={v}" for k, v in params.items() if k != name)
                url = with_bytes(reverse("admin:autocomplete"), name, value, valid)
                if admin_client.get(url).status_code >= 500:
                    failures.append(("autocomplete", opts.model_name, field, name))
    assert failures == []


def test_a_nul_character_posted_to_an_admin_form_is_a_bad_request(admin_client):
    from tests.admin_forms import organisation_form

    form = organisation_form(admin_client, "amie")
    assert form.save(summary="A summary with a NUL \x00 in it.").status_code == 400
    form.object.refresh_from_db()
    assert "\x00" not in form.object.summary


def test_a_search_with_no_words_is_an_error_shown(client):
    content = error_summary(client.get(LIST, {"q": "!!!"}))
    assert escape("Search for words or numbers: “!!!” has none.") in content
    assert client.get(CSV, {"q": "!!!"}).status_code == 400


def test_the_search_length_is_limited_with_a_clear_message(client):
    content = error_summary(client.get(LIST, {"q": "x" * 5000}))
    assert "A search can be at most 200 characters long; this one has 5000." in content
    assert client.get(LIST, {"q": "x" * QUERY_MAX_LENGTH}).status_code == 200
    response = client.get(JSON, {"q": "x" * 5000})
    assert response.status_code == 400
    assert response.json()["errors"]["q"] == [
        "A search can be at most 200 characters long; this one has 5000."
    ]


def test_an_invalid_choice_is_an_error_shown(client):
    content = error_summary(client.get(LIST, {"kind": "<b>nonsense</b>"}))
    assert "&lt;b&gt;nonsense&lt;/b&gt; is not one of the available choices" in content


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "9" * 30, "9" * 5000, "999"])
def test_a_bad_page_number_is_not_found(client, page):
    assert client.get(LIST, {"page": page}).status_code == 404


def test_the_comparison_size_is_limited_with_a_clear_message(client):
    slugs = VALID["o"][: MAX_COMPARED + 1]
    response = client.get(COMPARE, {"o": slugs})
    assert response.status_code == 200
    assert "You can compare at most four organisations at once." in response.content.decode()
    assert client.get(COMPARE, {"o": slugs[:MAX_COMPARED]}).status_code == 200


def test_the_page_size_is_fixed(client):
    factories.organisations(30, kind="network")
    # There is no parameter to ask for more: pages hold 20, whatever the query says.
    response = client.get(LIST, {"per_page": "100000", "page_size": "100000", "limit": "-1"})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 20
    assert response.context["paginator"].count > 20


def test_too_many_parameters_are_refused(client):
    query = "&".join(["kind=alliance"] * 1001)
    assert client.get(f"{LIST}?{query}").status_code == 400


def test_markup_in_the_search_is_shown_escaped(client):
    payload = f"<script>{PROBE}</script>"
    response = client.get(LIST, {"q": payload})
    content = response.content.decode()
    assert payload not in content
    assert escape(payload) in content
