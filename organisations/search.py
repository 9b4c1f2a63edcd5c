"""Search: which organisations a query matches, and how well.

An organisation matches when every word of the query appears somewhere in its text: its own
fields, or any of its statements, benefits, programmes, people, key figures or affiliations.
Matches in the name or acronym rank first.
"""

from functools import reduce
from operator import or_

from django.db.models import Case, IntegerField, Q, When

# Every field of an organisation's text that search looks in, by relation (None: its own).
SEARCHED_FIELDS = {
    None: ["name", "acronym", "summary", "description"],
    "statements": ["title", "text"],
    "benefits": ["title", "text"],
    "programmes": ["name", "description"],
    "roles": ["person__name", "title", "quote"],
    "key_figures": ["label", "note"],
    "affiliations": ["other__name", "other__acronym", "qualifier", "programme__name"],
}


def search(queryset, query):
    """`queryset` narrowed to organisations matching `query`, annotated with a `rank`."""
    words = query.split()
    if not words:
        return queryset
    for word in words:
        queryset = queryset.filter(_mentions(queryset.model, word))
    return queryset.annotate(rank=_rank(query, words))


def _any(prefix, fields, word):
    return reduce(or_, (Q(**{f"{prefix}{field}__icontains": word}) for field in fields))


def _mentions(model, word):
    """A condition: `word` appears in the organisation's text.

    Each relation is searched in its own subquery, so rows never multiply across relations.
    """
    condition = Q()
    for relation, fields in SEARCHED_FIELDS.items():
        if relation is None:
            condition |= _any("", fields, word)
        else:
            related = model.objects.filter(_any(f"{relation}__", fields, word))
            condition |= Q(pk__in=related.values("pk"))
    return condition


def _rank(query, words):
    """3: the name or acronym is the query; 2: the name holds the query; 1: the name or
    acronym holds every word; 0: the words are elsewhere in the text."""
    every_word = reduce(
        lambda q, word: q & (Q(name__icontains=word) | Q(acronym__iexact=word)), words, Q()
    )
    return Case(
        When(Q(acronym__iexact=query) | Q(name__iexact=query), then=3),
        When(name__icontains=query, then=2),
        When(every_word, then=1),
        default=0,
        output_field=IntegerField(),
    )
