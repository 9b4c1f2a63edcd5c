"""What the list shows about its filters: every option with the number of results choosing it
would give, the number of results, and the choices made, each with a link that removes it.

`selected()` gives what a search and filters select from the list's index (index.py) and
their counts (`count()`), kept once per data version; `Sidebar` turns the FilterSet's state
and those counts into what the filter form and the "remove filter" tags show, valid or not,
without further queries (but one while the form has errors: naming the "affiliated with"
organisation asked for).
"""

from dataclasses import dataclass
from functools import cached_property, partial
from urllib.parse import urlencode

from django import forms
from django.db import router
from django.http import QueryDict

from .basket import PARAMETER as BASKET
from .cache import kept_in_memory, memoised, prepare_in_memory
from .filters import AS_TYPED, DEFAULT_SORT, SORTS
from .index import Index
from .models import PLAIN_SLUG, Organisation

# The filters the form shows, in order; every option of each shows its count.
FILTERS = ["kind", "scope", "area", "audience", "theme", "status", "affiliated_with"]
# How many organisations "Affiliated with" offers: the most connected with the results.
AFFILIATED_WITH_SHOWN = 12
# How many other choices of the filters an empty page suggests.
OTHER_CHOICES = 5
# The sorts by founding year, offered only when at least DATED_TO_SORT results have a year (or
# one is chosen): sorting one dated organisation against none says nothing.
BY_YEAR = {"founded", "-founded"}
DATED_TO_SORT = 2


@dataclass(frozen=True)
class Option:
    """One choice of a filter, as the form offers it. `count`: how many results choosing it
    would give (None where it is not counted: the sort, or while the form has errors)."""

    value: str
    label: str
    count: int | None
    selected: bool
    # Whether the label says its count: not for "Any organisation", the choice of no choice.
    show_count: bool = True

    @property
    def disabled(self):
        # Choosing it would give nothing; a selected option stays usable, to unselect it.
        return self.count == 0 and not self.selected


@dataclass(frozen=True)
class Counts:
    """What `count()` found: the number of results, {filter name: {value: count}}, and how
    many results have a founding year."""

    results: int
    options: dict
    dated: int = 0


def state(filterset):
    """The search and filters chosen, as one string: what the results and their counts depend
    on (the sort and the page aside). For a valid `filterset`."""
    data = filterset.form.cleaned_data
    names = ["q", "as_typed", *FILTERS]
    return urlencode(sorted((name, v) for name in names for v in _listed(data[name])))


def selected(filterset):
    """(what a valid list FilterSet selects (index.Selection), its `Counts`, and whether they
    are of the data as it is now). From the list's index, which each process keeps in memory
    once per data version, built in the background (cache.kept_in_memory); the counts kept
    once per data version for the same search and filters. Not current just after a write,
    while the index is rebuilt, if that takes longer than a request waits for it: then the
    last index answers, and its counts are not kept."""
    using = filterset.queryset.db
    index, current = kept_in_memory("index", using, partial(Index, using))
    selection = index.select(filterset)
    if not current:
        return selection, count(selection), False
    return selection, memoised("counts", state(filterset), partial(count, selection)), True


def prepare():
    """Start building the list's index, without waiting for it: as a web process starts."""
    using = router.db_for_read(Organisation)
    prepare_in_memory("index", using, partial(Index, using))


def count(selection):
    """The `Counts` for an index.Selection (the list's search and filters): each filter's
    options counted with that filter's own choice left out, so a count says how many results
    choosing the option would give."""
    results, dated = selection.count()
    options = {name: selection.counts(name, AFFILIATED_WITH_SHOWN) for name in FILTERS}
    return Counts(results, options, dated)


class Sidebar:
    """The filter form's options and the choices made, for `filterset` (valid or not) and its
    `counts` (None while the form has errors: then nothing is counted), and the comparison
    `basket` (basket.Basket; None: empty), which every link of the list keeps."""

    def __init__(self, filterset, counts, basket=None):
        self.filterset = filterset
        self.counts = counts
        self.basket = basket
        self.data = filterset.data  # the query string, as given

    @property
    def filters(self):
        """The filters the sidebar shows, in order, as the form's bound fields."""
        return [self.filterset.form[name] for name in FILTERS]

    @cached_property
    def options(self):
        """{filter name: [Option]} for every filter with choices (the sort included)."""
        fields = self.filterset.form.fields
        return {
            name: self._options(name)
            for name in fields
            if name == "affiliated_with" or isinstance(fields[name], forms.ChoiceField)
        }

    def _options(self, name):
        chosen = self._chosen(name)
        counts = self.counts.options.get(name) if self.counts else None
        if name == "affiliated_with":
            return self._affiliated_with(next(iter(chosen)), counts)
        choices = self.filterset.form.fields[name].choices
        if name == "sort" and self.counts and self.counts.dated < DATED_TO_SORT:
            choices = [(v, label) for v, label in choices if v not in BY_YEAR or v in chosen]
        return [
            Option(value, label, None if counts is None else counts.get(value, 0), value in chosen)
            for value, label in choices
        ]

    def _chosen(self, name):
        """The values chosen for the filter `name`: as validated, or while the form has errors,
        as given. A select's blank choice ("Any organisation") counts as one."""
        if self.counts is None:
            values = self.data.getlist(name)
        else:
            values = _listed(self.filterset.form.cleaned_data[name])
        if name == "sort":
            return set(values[:1]) & set(SORTS) or {DEFAULT_SORT}
        if isinstance(self.filterset.form.fields[name], forms.MultipleChoiceField):
            return set(values)
        return {values[0] if values else ""}

    def _affiliated_with(self, slug, counts):
        """ "Any organisation" first (so the select does not default to an organisation, which
        the next submit would apply), then the most connected organisations by name, and the
        chosen one whatever its count."""
        offered = {} if counts is None else {v: c for v, c in counts.items() if v}
        if slug and slug not in offered and PLAIN_SLUG.fullmatch(slug):
            name = Organisation.objects.filter(slug=slug).values_list("name", flat=True).first()
            if name is not None:
                offered[slug] = (name, None if counts is None else 0)
        return [
            Option("", "Any organisation", None if counts is None else counts[""], not slug, False),
            *(
                Option(value, label, n, value == slug)
                for value, (label, n) in sorted(offered.items(), key=lambda item: item[1][0])
            ),
        ]

    @cached_property
    def chosen_count(self):
        """How many filter options are chosen (the search and the sort not counted): each once,
        or while the form has errors, as given."""
        if self.canonical is None:
            return sum(1 for name in FILTERS for value in self.data.getlist(name) if value)
        return sum(len(self.canonical.getlist(name)) for name in FILTERS)

    @cached_property
    def canonical(self):
        """The query that asks for exactly this page (its number aside): `results`, then the
        comparison basket, as kept. It is what the form and its links ask for; only pages asked
        for by it are cached (organisations/cache.py). None while the form has errors."""
        if self.results is None:
            return None
        query = self.results.copy()
        if self.basket:
            query.setlist(BASKET, self.basket.slugs)
        return query

    @cached_property
    def results(self):
        """The query that asks for exactly these results, as the exports give them: each value
        chosen, once, in a fixed order (the search, the filters as the form shows them, each
        filter's values in the order it offers them, the sort), defaults left out. None while
        the form has errors."""
        if self.counts is None:
            return None
        data = self.filterset.form.cleaned_data
        query = QueryDict(mutable=True)
        if data["q"]:
            query["q"] = data["q"]
            if data["as_typed"]:
                query["as_typed"] = AS_TYPED
        for name in FILTERS:
            chosen = {value for value in _listed(data[name]) if value}
            values = [o.value for o in self.options[name] if o.value in chosen]
            if values:
                query.setlist(name, values)
        if self.filterset.chosen_sort != DEFAULT_SORT:
            query["sort"] = self.filterset.chosen_sort
        return query

    @cached_property
    def active(self):
        """[(label, address without it)] for the search and each option chosen; none while the
        form has errors."""
        if self.canonical is None:
            return []
        fields = self.filterset.form.fields
        active = []
        for name, values in self.canonical.lists():
            if name in ("sort", "as_typed", BASKET):
                continue
            labels = {o.value: o.label for o in self.options.get(name, [])}
            for value in values:
                remaining = self.canonical.copy()
                remaining.setlist(name, [v for v in values if v != value])
                if name == "q":
                    remaining.pop("as_typed", None)
                label = labels.get(value, f"“{value}”")  # the search has no options
                active.append((f"{fields[name].label}: {label}", f"?{remaining.urlencode()}"))
        return active

    @property
    def cleared(self):
        """The address of the list without search or filters, with the comparison basket."""
        if not self.basket:
            return ""
        query = QueryDict(mutable=True)
        query.setlist(BASKET, self.basket.slugs)
        return f"?{query.urlencode()}"

    def search_for(self, query, as_typed=False):
        """The address of these results (their first page) for the search `query` instead,
        its words corrected or `as_typed`: the "did you mean" links."""
        changed = self.canonical.copy()
        changed.pop("page", None)
        changed["q"] = query
        changed.pop("as_typed", None)
        if as_typed:
            changed["as_typed"] = AS_TYPED
        return f"?{_in_order(changed).urlencode()}"

    @cached_property
    def other_choices(self):
        """[(label, count, address)]: when nothing matches, the options of the filters chosen
        that would give results instead of what was chosen (each count says how many), most
        first; at most OTHER_CHOICES. No query: the counts are the options' own."""
        if self.canonical is None or self.counts.results:
            return []
        fields = self.filterset.form.fields
        found = []
        for name in FILTERS:
            chosen = self.canonical.getlist(name)
            if not chosen:
                continue
            for option in self.options[name]:
                if option.value and option.count and not option.selected:
                    instead = self.canonical.copy()
                    instead.setlist(name, [option.value])
                    label = f"{fields[name].label}: {option.label}"
                    found.append((label, option.count, f"?{_in_order(instead).urlencode()}"))
        return sorted(found, key=lambda choice: -choice[1])[:OTHER_CHOICES]


def _in_order(query):
    """`query` with its parameters in the canonical order (the search first, the sort last)."""
    order = ["q", "as_typed", *FILTERS, "sort", BASKET]
    ordered = QueryDict(mutable=True)
    for name in sorted(query, key=order.index):
        ordered.setlist(name, query.getlist(name))
    return ordered


def _listed(value):
    if isinstance(value, list):
        return value
    return [value] if value else []
