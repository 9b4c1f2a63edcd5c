"""Reconciliation: matching names to organisations, as the W3C Reconciliation Service API
(version 0.2, the one OpenRefine speaks) asks. The endpoints are in api.py (`/api/v1/reconcile`).

Candidates. For each query, the organisations found by any of:
- its exact name, acronym, other (alternative or former) name or identifier (a charity,
  company, UKPRN or URN number), compared as type-ahead compares names (case, accents,
  punctuation and spacing aside: `search_index.name_key`);
- type-ahead (`SearchName.suggestions`): a name or acronym beginning with it;
- the list's search (`search.Search`, typo corrections included), its best matches; and when
  that finds none, the organisations whose names match the most of its words (`closest`).
Closed organisations are candidates too: a spreadsheet may name one that has closed.

Score (0 to 100), the rule: 100 for a query equal to the organisation's name, acronym, one of
its other names or one of its identifiers (compared as above); otherwise 99 at most: 99 times
the similarity of the query to the closest of its name, acronym and other names (difflib's
ratio, 2 × matching characters / total characters, of the compared forms), rounded. A
candidate is a `match` (safe to accept without a look) when it scores 100 and no other
candidate does. Candidates come best first; ties by name.
"""

from difflib import SequenceMatcher

from django.db.models import Q

from .cache import memoised_corrections
from .models import Identifier, Organisation, OtherName, SearchName
from .search import Search
from .search_index import name_key

EXACT = 100
DEFAULT_LIMIT = 5
MAX_LIMIT = 25
FOUND_PER_WAY = 10  # candidates each way of finding them contributes, before scoring

KIND_LABELS = dict(Organisation.Kind.choices)


def identifier_key(text):
    """An identifier as compared: letters and digits only, upper case ("sc 012345" is
    "SC012345")."""
    return "".join(character for character in text if character.isalnum()).upper()


def types():
    """The types: our classification of organisations (their kinds)."""
    return [{"id": value, "name": label} for value, label in Organisation.Kind.choices]


class Query:
    """One reconciliation query (its JSON, already checked against the specification's
    shape): the text, the kinds it is restricted to, how many candidates to give."""

    def __init__(self, data):
        self.text = " ".join(str(data.get("query", "")).split())
        kinds = data.get("type") or []
        self.kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        limit = data.get("limit") or DEFAULT_LIMIT
        self.limit = max(1, min(int(limit), MAX_LIMIT))
        self.key = name_key(self.text)

    def candidates(self):
        """The organisations to score, as a queryset (with their other names and
        identifiers)."""
        if not self.key:
            return Organisation.objects.none()
        found = set(self._exact()) | set(self._typed()) | set(self._searched())
        organisations = Organisation.objects.filter(pk__in=found)
        if self.kinds:
            organisations = organisations.filter(kind__in=self.kinds)
        return organisations.prefetch_related("other_names", "identifiers")

    def _exact(self):
        words = self.text
        ids = Identifier.objects.filter(value__iexact=identifier_key(words)).values_list(
            "organisation", flat=True
        )
        named = OtherName.objects.filter(name__iexact=words).values_list("organisation", flat=True)
        by_name = Organisation.objects.filter(Q(name__iexact=words) | Q(acronym__iexact=words))
        return [*ids, *named, *by_name.values_list("pk", flat=True)]

    def _typed(self):
        slugs = [slug for _, _, slug in SearchName.objects.suggestions(self.text, FOUND_PER_WAY)]
        return Organisation.objects.filter(slug__in=slugs).values_list("pk", flat=True)

    def _searched(self):
        search = Search(self.text, corrections=memoised_corrections)
        if not search:
            return []
        found = list(
            Organisation.objects.search(search).values_list("pk", flat=True)[:FOUND_PER_WAY]
        )
        return found or list(
            Organisation.objects.closest(search, FOUND_PER_WAY).values_list("pk", flat=True)
        )

    def score(self, organisation):
        """The rule in the module's docstring."""
        names = [organisation.name, organisation.acronym]
        names += [other.name for other in organisation.other_names.all()]
        keys = {name_key(name) for name in names if name_key(name)}
        identifiers = {identifier_key(i.value) for i in organisation.identifiers.all()}
        if self.key in keys or identifier_key(self.text) in identifiers:
            return EXACT
        closest = max(SequenceMatcher(None, self.key, key).ratio() for key in keys)
        return round(99 * closest)

    def results(self):
        """The candidates as the specification's result objects, best first."""
        scored = sorted(
            ((self.score(org), org) for org in self.candidates()),
            key=lambda pair: (-pair[0], pair[1].name),
        )[: self.limit]
        certain = [score for score, _ in scored].count(EXACT) == 1
        return [
            {
                "id": org.slug,
                "name": org.name,
                "description": org.summary,
                "score": score,
                "match": certain and score == EXACT,
                "type": [{"id": org.kind, "name": KIND_LABELS[org.kind]}] if org.kind else [],
            }
            for score, org in scored
        ]


def reconcile(queries):
    """{key: {"result": [...]}} for a batch {key: query}, as the specification gives it."""
    return {key: {"result": Query(query).results()} for key, query in queries.items()}


def check_batch(batch):
    """The messages saying what is wrong with a query batch (parsed JSON), none if it is of the
    shape the specification gives (a query text, or properties, which this service does not
    use, so a query without a text finds nothing)."""
    if not isinstance(batch, dict):
        return ['The queries must be a JSON object: {"q0": {"query": "..."}}.']
    problems = []
    allowed = {"query", "type", "limit", "properties", "type_strict"}
    for key, query in batch.items():
        if not isinstance(query, dict):
            problems.append(f"{key}: a query must be a JSON object.")
            continue
        unknown = sorted(set(query) - allowed)
        if unknown:
            problems.append(f"{key}: unknown field(s): {', '.join(unknown)}.")
        if "query" in query and not isinstance(query["query"], str):
            problems.append(f"{key}: query must be a string.")
        if "query" not in query and not query.get("properties"):
            problems.append(f"{key}: a query needs a query string (or properties).")
        kinds = query.get("type", [])
        if not isinstance(kinds, str | list) or not all(isinstance(k, str) for k in kinds):
            problems.append(f"{key}: type must be a type's id or a list of them.")
        limit = query.get("limit", DEFAULT_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, int | float) or limit != limit:
            problems.append(f"{key}: limit must be a number.")
        elif not 0 < limit < 2**31:
            problems.append(f"{key}: limit must be a positive number.")
    return problems
