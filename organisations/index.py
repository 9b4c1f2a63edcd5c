"""The list's index: every organisation's filter values in memory, as arrays (numpy), so that
the list's results, every filter option's count and a page of them in any order are worked out
without the database, at any size. Only a search's matches come from the database: one query.

Each filter chosen is a mask (an array of booleans, an organisation a place, in the order of
their names); the results are the masks and'ed; an option's count is one pass
(`numpy.bincount`) over the organisations the other filters leave; a page is a slice of the
results in the order asked for. It says the same as the FilterSet's queries (filters.py), which
the exports and the API use: `tests/test_index.py` compares the two on every filter and sort.

It is built once per data version in each process (cache.py, `kept_in_memory`): a few arrays of
numbers: 7 MB at 100,000 organisations, built in under a second
(devtools/bench/index_size.py; README, "Performance and scale").
"""

from functools import cached_property

import numpy as np
from django.db import connections

from .filters import STATUS_ALL
from .models import Affiliation, Area, AreaServed, Audience, Organisation, Theme

# Filters whose values are a column of the organisation's row.
COLUMNS = ["kind", "scope", "status"]
# Filters whose values are tags (their slugs): the relation's table, its column for the tag.
TAGS = {
    "audience": (Organisation.audiences.through, "audience_id", Audience),
    "theme": (Organisation.themes.through, "theme_id", Theme),
}
# Rows read at a time: each read stays well within a statement's time limit (DATABASE_TIMEOUT).
CHUNK = 100_000
# The sort key of an organisation without a founding year: after every year, either way.
NO_YEAR = np.iinfo(np.int32).max


class Index:
    """The directory's organisations as the list filters them, from the database `using`."""

    def __init__(self, using):
        self.using = using
        pks, years, codes = [], [], {name: [] for name in COLUMNS}
        numbered = {name: {} for name in COLUMNS}  # each column's values, numbered as found
        for rows in self._by_name(("pk", *COLUMNS, "founded_year")):
            pk, *columns, year, _ = zip(*rows, strict=True)
            pks.append(np.array(pk, dtype=np.int64))
            years.append(np.array([NO_YEAR if y is None else y for y in year], dtype=np.int64))
            for name, column in zip(COLUMNS, columns, strict=True):
                number = numbered[name]
                found = [number.setdefault(value, len(number)) for value in column]
                codes[name].append(np.array(found, dtype=np.int32))
        self.pk = _joined(pks, np.int64)
        self.size = len(self.pk)
        # An organisation's place in the arrays, by its id.
        self.place = np.full(int(self.pk.max(initial=0)) + 1, -1, dtype=np.int32)
        self.place[self.pk] = np.arange(self.size, dtype=np.int32)
        # Each column as codes: values[name][code] is the value, the values in order.
        self.values, self.codes = {}, {}
        for name, number in numbered.items():
            self.values[name] = np.array(sorted(number), dtype=object)
            code = np.zeros(len(number), dtype=np.int32)
            code[[number[value] for value in self.values[name]]] = np.arange(len(number))
            self.codes[name] = code[_joined(codes[name], np.int32)]
        year = _joined(years, np.int64)
        self.dated = year != NO_YEAR
        place = np.arange(self.size)
        self.by_founded = np.lexsort((place, year)).astype(np.int32)
        self.by_founded_desc = np.lexsort((place, np.where(self.dated, -year, NO_YEAR)))
        self.by_founded_desc = self.by_founded_desc.astype(np.int32)
        # Tags: (organisation, tag) pairs, and each tag's slug by its id.
        self.tags = {}
        for name, (through, column, model) in TAGS.items():
            pairs = through.objects.using(using).values_list("organisation_id", column)
            slugs = dict(model.objects.using(using).values_list("slug", "pk"))
            self.tags[name] = (*self._pairs(pairs), slugs)
        # Affiliations, either way, each (organisation, affiliated organisation) pair once.
        ours, theirs = self._pairs(
            Affiliation.objects.using(using)
            .filter(other__isnull=False)
            .values_list("organisation_id", "other_id")
        )
        ours, theirs = ours.astype(np.int64), self.place[theirs].astype(np.int64)
        both = np.unique(
            np.concatenate((ours, theirs)) * self.size + np.concatenate((theirs, ours))
        )
        size = max(self.size, 1)
        self.affiliated = ((both // size).astype(np.int32), (both % size).astype(np.int32))
        # Areas served: (organisation, area id) pairs.
        self.served = self._pairs(
            AreaServed.objects.using(using)
            .filter(area__isnull=False)
            .values_list("organisation_id", "area_id")
        )
        self._index_areas()

    def _index_areas(self):
        """For counting every area's option at once: (organisation, area) pairs for each area
        an organisation serves by serving it or an area it lies within, kept only where its
        geographic scope does not already serve it (the UK, or the area's nation); and, by
        area, the scopes that serve it. As Area.who_serves says."""
        areas = list(Area.objects.using(self.using).values_list("pk", "code", "kind"))
        within = {}
        for part, whole in Area.within.through.objects.using(self.using).values_list(
            "from_area_id", "to_area_id"
        ):
            within.setdefault(part, []).append(whole)
        described = {pk: (pk, kind, code) for pk, code, kind in areas}
        self.area_codes = [code for _, code, _ in areas]
        position = {pk: n for n, (pk, _, _) in enumerate(areas)}

        # Each area's surroundings (itself and every area it lies within), and the scopes
        # that serve it.
        def wholes(parts):
            return {whole for part in parts for whole in within.get(part, [])}

        inside, scopes = {}, []
        for pk, _, _ in areas:
            around = Area.enclosing(pk, wholes)
            for other in around:
                inside.setdefault(other, []).append(position[pk])
            scopes.append(Area.scopes_serving([described[a] for a in around]))
        self.area_scopes = scopes
        # A scope's code per area: -1 where the index holds no organisation with it.
        codes = {value: n for n, value in enumerate(self.values["scope"])}
        nation_code = np.array(
            [codes.get(s[1], -1) if len(s) > 1 else -1 for s in scopes], dtype=np.int64
        )
        uk_code = codes.get(Organisation.Scope.UK, -1)
        places, served = self.served
        pairs = [(o, a) for o, s in zip(places, served, strict=True) for a in inside.get(s, [])]
        ours, theirs = (
            (np.array(c, dtype=np.int64) for c in zip(*pairs, strict=True))
            if pairs
            else (np.zeros(0, dtype=np.int64),) * 2
        )
        if len(ours):
            unique = np.unique(ours * len(areas) + theirs)
            ours, theirs = unique // len(areas), unique % len(areas)
            scope = self.codes["scope"][ours]
            outside = (scope != uk_code) & (scope != nation_code[theirs])
            ours, theirs = ours[outside], theirs[outside]
        self.area_served = (ours, theirs)

    def area_counts(self, mask):
        """{area code: how many of `mask` serve it}, for every area (as Area.who_serves says:
        serving it or an area it lies within, or with the UK or its nation as their scope)."""
        ours, theirs = self.area_served
        counts = np.bincount(theirs[mask[ours]], minlength=len(self.area_codes))
        by_scope = self.column_counts("scope", mask)
        return {
            code: int(counts[n]) + sum(by_scope.get(scope, 0) for scope in self.area_scopes[n])
            for n, code in enumerate(self.area_codes)
        }

    def select(self, filterset):
        """The `Selection` a valid list FilterSet (filters.py) asks for."""
        data = filterset.form.cleaned_data
        return Selection(
            self,
            data,
            area=filterset.chosen_area,
            search=filterset.search if data["q"] else None,
            ranked=filterset.chosen_sort == "relevance",
        )

    def _by_name(self, fields):
        """The organisations' `fields`, then their names: CHUNK rows at a time, by name."""
        rows = Organisation.objects.using(self.using).order_by("name").values_list(*fields, "name")
        chunk = fetched(rows[:CHUNK])
        while chunk:
            yield chunk
            chunk = fetched(rows.filter(name__gt=chunk[-1][-1])[:CHUNK])

    def _pairs(self, rows):
        """(organisations' places, values) from a values_list of (organisation id, value id),
        read for CHUNK organisations' ids at a time."""
        pairs = _joined(
            [
                fetched(
                    rows.filter(organisation_id__gt=n, organisation_id__lte=n + CHUNK), np.int64
                )
                for n in range(0, len(self.place), CHUNK)
            ],
            np.int64,
        ).reshape(-1, 2)
        return self.place[pairs[:, 0]], pairs[:, 1].astype(np.int32)

    def having(self, pairs, values):
        """A mask of the organisations with any of `values` in `pairs` (places, values)."""
        mask = np.zeros(self.size, dtype=bool)
        places, column = pairs
        mask[places[np.isin(column, values)]] = True
        return mask

    def column(self, name, values):
        """A mask of the organisations whose column `name` holds any of `values`."""
        wanted = np.isin(self.values[name], values)
        return wanted[self.codes[name]]

    def column_counts(self, name, mask):
        """{value: how many of `mask` hold it} for the column `name`."""
        counts = np.bincount(self.codes[name][mask], minlength=len(self.values[name]))
        return {value: int(n) for value, n in zip(self.values[name], counts, strict=True) if n}

    def tag_counts(self, name, mask):
        """{slug: how many of `mask` have it} for the tags `name` (audience, theme)."""
        places, tags, slugs = self.tags[name]
        counts = np.bincount(tags[mask[places]], minlength=max(slugs.values(), default=0) + 1)
        return {slug: int(counts[pk]) for slug, pk in slugs.items() if counts[pk]}

    def most_affiliated(self, mask, limit, first=-1):
        """[(place, count)]: the organisation at place `first` (-1: none), however many of
        `mask` are affiliated with it, then the `limit` others with the most of `mask`
        affiliated with them, either way, most first, then by name."""
        ours, theirs = self.affiliated
        counts = np.bincount(theirs[mask[ours]], minlength=self.size)
        candidates = np.flatnonzero(counts)
        candidates = candidates[candidates != first]
        if len(candidates) > limit:
            # Those counting at least as many as the `limit`th most: fewer to sort.
            cut = np.partition(counts[candidates], len(candidates) - limit)[-limit]
            candidates = candidates[counts[candidates] >= cut]
        candidates = candidates[np.lexsort((candidates, -counts[candidates]))][:limit]
        chosen = [first] if first >= 0 else []
        return [(int(place), int(counts[place])) for place in [*chosen, *candidates]]


def _joined(chunks, dtype):
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)


def fetched(rows, dtype=None):
    """A values_list's rows read straight from the cursor (tens of thousands of rows, each
    through the ORM's converters, would cost more than the query): as tuples, or with a
    `dtype`, as a two-dimensional array."""
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if dtype is None:
        return found
    return np.array(found, dtype=dtype).reshape(-1, len(rows._fields))


class Selection:
    """What one search and choice of filters selects from the `index`: `data` is a valid
    FilterSet's `cleaned_data`; `area` its chosen Area (or None); `search` its parsed Search
    (found in the database `using`); `ranked`: whether the results are sorted by relevance."""

    def __init__(self, index, data, *, area=None, search=None, ranked=False):
        self.index = index
        self.data = data
        self.area = area
        self.search = search if search else None
        self.ranked = ranked and self.search is not None

    @cached_property
    def masks(self):
        """{filter name: mask} for each filter chosen (the search included, as "q")."""
        index, data, masks = self.index, self.data, {}
        for name in ("kind", "scope"):
            if data.get(name):
                masks[name] = index.column(name, data[name])
        for name in TAGS:
            if data.get(name):
                places, tags, slugs = index.tags[name]
                chosen = [slugs.get(slug, -1) for slug in data[name]]
                masks[name] = index.having((places, tags), chosen)
        status = data.get("status")
        if status != STATUS_ALL:
            # "Any but closed" unless a status is chosen.
            closed = Organisation.Status.CLOSED
            chosen = [status] if status else [v for v in index.values["status"] if v != closed]
            masks["status"] = index.column("status", chosen)
        if self.area is not None:
            around, _, scopes = self.area.who_serves
            masks["area"] = index.having(index.served, around) | index.column("scope", scopes)
        if data.get("affiliated_with"):
            chosen = self.affiliated_with
            masks["affiliated_with"] = index.having(index.affiliated, [chosen[0] if chosen else -1])
        if self.search is not None:
            places = self.matches[0]
            mask = np.zeros(index.size, dtype=bool)
            mask[places] = True
            masks["q"] = mask
        return masks

    @cached_property
    def affiliated_with(self):
        """(place, name) of the organisation chosen as "affiliated with", or None."""
        slug = self.data.get("affiliated_with")
        found = (
            Organisation.objects.using(self.index.using)
            .filter(slug=slug)
            .values_list("pk", "name")
            .first()
        )
        if not slug or found is None or found[0] >= len(self.index.place):
            return None
        return int(self.index.place[found[0]]), found[1]

    @cached_property
    def matches(self):
        """(places, ranks) of the organisations the search matches, whatever their status:
        one query. The ranks only when the results are sorted by relevance (else None)."""
        matched = Organisation.objects.using(self.index.using).search(self.search).order_by()
        columns = ["pk", "rank"] if self.ranked else ["pk"]
        rows = fetched(matched.values_list(*columns), np.float64)
        # Only the organisations the index holds (it holds every one of its data version).
        pks = rows[:, 0].astype(np.int64)
        rows = rows[pks < len(self.index.place)]
        places = self.index.place[rows[:, 0].astype(np.int64)].astype(np.int64)
        held = places >= 0
        return places[held], rows[held, 1] if self.ranked else None

    def rows(self, leave_out=None):
        """A mask of the results, leaving the filter `leave_out` out (None: none)."""
        mask = np.ones(self.index.size, dtype=bool)
        for name, chosen in self.masks.items():
            if name != leave_out:
                mask &= chosen
        return mask

    @cached_property
    def results(self):
        return self.rows()

    def count(self):
        """(how many results, how many of them have a founding year)."""
        results = self.results
        return int(np.count_nonzero(results)), int(np.count_nonzero(results & self.index.dated))

    def counts(self, name, shown=None):
        """{value: how many results choosing it instead would give} for the filter `name`;
        for "affiliated_with", {"": how many with none chosen, slug: (name, count)} for the
        `shown` most affiliated with those results, and the one chosen."""
        index, mask = self.index, self.rows(leave_out=name)
        if name == "affiliated_with":
            return self._affiliated_with(mask, shown)
        if name == "area":
            return {"": int(np.count_nonzero(mask)), **index.area_counts(mask)}
        if name in TAGS:
            return index.tag_counts(name, mask)
        counts = index.column_counts(name, mask)
        if name == "status":
            stored = counts
            counts = {value: n for value, n in stored.items() if value}
            closed = Organisation.Status.CLOSED
            counts[""] = sum(n for value, n in stored.items() if value != closed)
            counts[STATUS_ALL] = sum(stored.values())
        return counts

    def _affiliated_with(self, mask, shown):
        chosen = self.affiliated_with
        top = self.index.most_affiliated(mask, shown, first=chosen[0] if chosen else -1)
        pks = [int(self.index.pk[place]) for place, _ in top[bool(chosen) :]]
        named = Organisation.objects.using(self.index.using).only("slug", "name").in_bulk(pks)
        counts = {"": int(np.count_nonzero(mask)) if chosen else self.count()[0]}
        if chosen:
            counts[self.data["affiliated_with"]] = (chosen[1], top[0][1])
        for pk, (_, n) in zip(pks, top[bool(chosen) :], strict=True):
            counts[named[pk].slug] = (named[pk].name, n)
        return counts

    def ordered(self, sort, local_first):
        """(the results' ids in the order of `sort`, a filters.SORTS key; and for each
        whether it serves the chosen area locally, or None), those serving it locally first
        when `local_first`."""
        index, results = self.index, self.results
        if sort == "relevance" and self.ranked:
            places, ranks = self.matches
            keep = results[places]
            places, ranks = places[keep], ranks[keep]
            places = places[np.lexsort((places, -ranks))]
        elif sort in ("founded", "-founded"):
            order = index.by_founded if sort == "founded" else index.by_founded_desc
            places = order[results[order]]
        else:
            places = np.flatnonzero(results)
            if sort == "-name":
                places = places[::-1]
        local = None
        if self.area is not None:
            _, nearby, _ = self.area.who_serves
            local = index.having(index.served, nearby)[places]
            if local_first:
                places = np.concatenate((places[local], places[~local]))
                local = np.concatenate((local[local], local[~local]))
        return index.pk[places], local


class Results:
    """The list's results, in order, as its paginator reads them: how many without a query,
    and a page of them (`queryset`'s organisations, by id) in one."""

    def __init__(self, queryset, pks, local=None):
        self.queryset = queryset
        self.pks = pks
        self.local = local

    def __len__(self):
        return len(self.pks)

    def __getitem__(self, page):
        pks = self.pks[page].tolist()
        local = self.local[page].tolist() if self.local is not None else [None] * len(pks)
        found = self.queryset.in_bulk(pks)
        organisations = []
        for pk, serves_locally in zip(pks, local, strict=True):
            if pk in found:  # deleted since: the page is one short, never wrong
                if serves_locally is not None:
                    found[pk].serves_locally = serves_locally
                organisations.append(found[pk])
        return organisations
