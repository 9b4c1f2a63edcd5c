"""The benchmark's pool of URLs: for each variant of the pages measured, distinct URLs drawn
with a fixed seed from the directory's own vocabulary, so that no URL is asked twice in a run
and the same seed and data give the same pool.

    python -m devtools.bench.pool [--seed 1] [--per-variant 50]   # JSON, in the bench's env

The vocabulary: the filters' values as the site offers them (the models' kinds, scopes and
statuses; the audiences, themes and areas in the database; the real organisations' slugs for
"affiliated with"), the number of pages of the list (for deep pages) and of synthetic
organisations (for their detail pages), and the words the synthetic generator writes
(devtools/synthetic.py: places, nouns, topics) for searches and type-ahead. Every URL is one
the site answers with a 200 (tests/test_bench.py asks for them).
"""

import argparse
import json
import os
import random
from dataclasses import dataclass
from urllib.parse import urlencode

LIST = "/organisations/"
SUGGEST = "/organisations/suggest.json"

# The variants measured, in the report's order, with the goal for each one's p95 (ms) at
# 100,000 organisations (issue 14; reported, not asserted).
VARIANTS = {
    "list, deep pages": 50,
    "list, filtered (1–3 filters)": 50,
    "list, any sort": 50,
    "search, common words": 50,
    "search, rare words": 50,
    "search, misspelt": 50,
    "search + a filter": 50,
    "detail": 20,
    "type-ahead": 20,
}

# Asked for before the pool, to build the list's index and load each kind of page's code and
# templates: never drawn into it.
WARM = [
    LIST,
    f"{LIST}isme/",
    f"{SUGGEST}?q=warm",
    f"{LIST}?q=warming",
    f"{LIST}?kind=funder&scope=uk",
]

# The filters, in the order the form shows them (facets.FILTERS), and those taking several
# values.
FILTERS = ["kind", "scope", "area", "audience", "theme", "status", "affiliated_with"]
MULTIPLE = {"kind", "scope", "audience", "theme"}
SORTS = ["name", "-name", "founded", "-founded"]  # and "relevance", the default
PER_PAGE = 20  # views.OrganisationListView.paginate_by
STOP_WORDS = {"a", "an", "and", "for", "in", "of", "on", "the", "to"}


@dataclass
class Vocabulary:
    filters: dict  # {filter: [value, ...]}, each in the order the form offers them
    pages: int  # of the bare list
    synthetic: int  # synthetic organisations, numbered from 0
    real: list  # the real organisations' slugs
    common: list  # words most organisations' texts hold
    rare: list  # words few do
    names: list  # words organisations' names begin with, or hold


def vocabulary(using="default"):
    """The vocabulary of the database `using` (Django set up)."""
    from devtools.synthetic import NOUNS, PLACES, TOPICS
    from organisations.filters import STATUS_ALL
    from organisations.fixture import SYNTHETIC_PREFIX
    from organisations.models import Area, Audience, Organisation, Theme

    organisations = Organisation.objects.using(using)
    real = list(
        organisations.exclude(slug__startswith=SYNTHETIC_PREFIX)
        .order_by("slug")
        .values_list("slug", "name")
    )
    listed = organisations.listed().count()
    nouns = _words(noun for noun, _ in NOUNS)
    topics = _words(TOPICS)
    places = _words(PLACES)
    real_words = _words(name for _, name in real)
    return Vocabulary(
        filters={
            "kind": list(Organisation.Kind.values),
            "scope": list(Organisation.Scope.values),
            "area": list(
                Area.objects.using(using)
                .exclude(kind=Area.Kind.UK)
                .order_by("code")
                .values_list("code", flat=True)
            ),
            "audience": list(
                Audience.objects.using(using).order_by("slug").values_list("slug", flat=True)
            ),
            "theme": list(
                Theme.objects.using(using).order_by("slug").values_list("slug", flat=True)
            ),
            "status": [*(s for s in Organisation.Status.values if s), STATUS_ALL],
            "affiliated_with": [slug for slug, _ in real],
        },
        pages=max(1, -(-listed // PER_PAGE)),
        synthetic=organisations.filter(slug__startswith=SYNTHETIC_PREFIX).count(),
        real=[slug for slug, _ in real],
        common=nouns + [w for w in topics if w not in nouns],
        rare=places + [w for w in real_words if w not in nouns + topics],
        names=places + nouns + [w for w in real_words if w not in places + nouns],
    )


def _words(texts):
    """The distinct words of `texts`, lower case, in order, stop words and "'s" left out."""
    found = {}
    for text in texts:
        for word in text.lower().replace("'", " ").split():
            if word.isalpha() and len(word) > 1 and word not in STOP_WORDS:
                found.setdefault(word)
    return list(found)


def draw(seed=1, per_variant=50, using="default", vocabulary_=None):
    """{variant: [URL, ...]}: up to `per_variant` URLs for each of VARIANTS, none twice (nor
    any of WARM), drawn from the vocabulary of the database `using` with random.Random(seed)."""
    words = vocabulary_ or vocabulary(using)
    rng = random.Random(seed)
    seen = set(WARM)
    pool = {}
    for variant, make in _makers(words).items():
        urls = []
        for _ in range(per_variant * 50):  # give up on a variant whose URLs run out
            if len(urls) == per_variant:
                break
            url = make(rng)
            if url is not None and url not in seen:
                seen.add(url)
                urls.append(url)
        pool[variant] = urls
    return pool


def _makers(words):
    """{variant: a function of the random generator giving one of its URLs (or None)}."""

    def filters(rng, count):
        chosen = rng.sample([name for name in FILTERS if words.filters[name]], count)
        query = {}
        for name in chosen:
            values = words.filters[name]
            several = name in MULTIPLE and len(values) > 1 and rng.random() < 0.2
            picked = set(rng.sample(values, 2 if several else 1))
            query[name] = [v for v in values if v in picked]  # as the form offers them
        return query

    def search(rng, kind=None):
        kind = kind or rng.choice(["common", "rare", "misspelt"])
        if kind == "common":
            return " ".join(rng.sample(words.common, rng.choice([1, 1, 2])))
        if kind == "rare":
            # A place, a real organisation's word, or either with a common word.
            word = rng.choice(words.rare)
            return f"{word} {rng.choice(words.common)}" if rng.random() < 0.4 else word
        word = misspelt(rng, rng.choice([w for w in words.common + words.rare if len(w) >= 4]))
        return f"{word} {rng.choice(words.common)}" if rng.random() < 0.3 else word

    def deep_page(rng):
        if words.pages < 2:
            return None
        sort = rng.choice([None, *SORTS])
        return listing({"sort": sort, "page": rng.randint(2, words.pages)})

    def filtered(rng):
        return listing(filters(rng, rng.randint(1, 3)))

    def sorted_(rng):
        what = rng.random()
        query = {"q": search(rng)} if what < 0.4 else filters(rng, 1) if what < 0.9 else {}
        return listing({**query, "sort": rng.choice(SORTS)})

    def detail(rng):
        if words.synthetic:
            return f"{LIST}synthetic-{rng.randrange(words.synthetic):06d}/"
        return f"{LIST}{rng.choice(words.real)}/"

    def typeahead(rng):
        word = rng.choice(words.names)
        typed = word[: rng.randint(min(2, len(word)), len(word))]
        if typed == word and rng.random() < 0.3:
            following = rng.choice(words.names)
            typed = f"{word} {following[: rng.randint(1, len(following))]}"
        return f"{SUGGEST}?{urlencode({'q': typed})}"

    return {
        "list, deep pages": deep_page,
        "list, filtered (1–3 filters)": filtered,
        "list, any sort": sorted_,
        "search, common words": lambda rng: listing({"q": search(rng, "common")}),
        "search, rare words": lambda rng: listing({"q": search(rng, "rare")}),
        "search, misspelt": lambda rng: listing({"q": search(rng, "misspelt")}),
        "search + a filter": lambda rng: listing({"q": search(rng), **filters(rng, 1)}),
        "detail": detail,
        "type-ahead": typeahead,
    }


def misspelt(rng, word):
    """`word` with one of its letters (not the first) changed to another."""
    at = rng.randrange(1, len(word))
    letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[at]])
    return word[:at] + letter + word[at + 1 :]


def listing(query):
    """The list's URL for `query` ({name: value or [values]}; None left out), its parameters
    in the canonical order (the search, the filters as the form shows them, the sort, the
    page)."""
    pairs = []
    for name in ["q", *FILTERS, "sort", "page"]:
        values = query.get(name)
        if values is None:
            continue
        pairs += [(name, v) for v in (values if isinstance(values, list) else [values])]
    return f"{LIST}?{urlencode(pairs)}" if pairs else LIST


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-variant", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "musicdir.settings")
    import django

    django.setup()
    words = vocabulary()
    pool = draw(args.seed, args.per_variant, vocabulary_=words)
    print(json.dumps({"pages": words.pages, "synthetic": words.synthetic, "pool": pool}))


if __name__ == "__main__":
    main()
