"""The directory's data: organisations and everything the source texts say about them.

Every fact below an organisation is a *cited* record: it names the source document it comes
from and the excerpt it was taken from, and `clean()` refuses an excerpt that is not in the
source verbatim (see `organisations.sources`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.urls import get_script_prefix, get_urlconf, resolve, reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from . import fields
from .search import Search, refresh
from .search_index import FTS_TABLE, DocumentField, name_key
from .sources import quotation_errors

# What the `slug` path converter accepts: such a slug goes into a URL as it is.
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def detail_url(slug):
    """The address of an organisation's page: `reverse("organisations:detail", ...)`, but
    reversed once per script prefix, as a list page links twenty and an export thousands."""
    if not PLAIN_SLUG.fullmatch(slug):
        return reverse("organisations:detail", kwargs={"slug": slug})
    before, after = _detail_url_around(get_script_prefix(), get_urlconf())
    return f"{before}{slug}{after}"


@lru_cache(maxsize=16)
def _detail_url_around(script_prefix, urlconf):
    placeholder = "0-slug-0"
    url = reverse("organisations:detail", kwargs={"slug": placeholder}, urlconf=urlconf)
    before, _, after = url.partition(placeholder)
    return before, after


# Founding years the directory accepts: a database constraint, and not after this year.
FIRST_YEAR = 1000
LAST_YEAR = 2100


def not_in_the_future(year):
    this_year = date.today().year
    if year is not None and year > this_year:
        raise ValidationError(
            "The founding year cannot be after this year (%(year)s).",
            code="future",
            params={"year": this_year},
        )


def not_taken_by_a_page(slug):
    """Refuse a slug whose address is one of the site's own pages (compare/, network/...): the
    organisation's page could never be reached."""
    path = (
        reverse("organisations:detail", kwargs={"slug": slug}) if PLAIN_SLUG.fullmatch(slug) else ""
    )
    if path and resolve(path).url_name != "detail":
        raise ValidationError(
            "“%(slug)s” is the address of one of the site's own pages: choose another.",
            code="reserved",
            params={"slug": slug},
        )


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Tag(models.Model):
    """A facet value used for filtering (an audience or a theme)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)

    objects = SlugManager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class Audience(Tag):
    """Who an organisation serves: music educators, schools, children and young people, ..."""


class Theme(Tag):
    """What an organisation works on: inclusion, advocacy, research, ..."""


class OrganisationQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def listed(self):
        """Everything the list shows by default: closed organisations keep their pages only."""
        return self.exclude(status=Organisation.Status.CLOSED)

    def affiliated_with(self, slug):
        """Organisations with an affiliation to or from the organisation `slug`, either way."""
        return self.filter(
            Exists(Affiliation.objects.filter(organisation=OuterRef("pk"), other__slug=slug))
            | Exists(Affiliation.objects.filter(other=OuterRef("pk"), organisation__slug=slug))
        )

    def most_affiliated(self, limit, first=""):
        """[(slug, name, count)]: the `limit` organisations with the most of these affiliated
        with them, either way, most first; and the one whose slug is `first`, first, if it has
        any. One query, counted by the database."""
        ids = self.values("pk")
        outgoing = Affiliation.objects.filter(organisation__in=ids).values_list(
            "organisation_id", "other_id"
        )
        incoming = Affiliation.objects.filter(other__in=ids).values_list(
            "other_id", "organisation_id"
        )
        # A union keeps each (organisation, affiliated) pair once, whichever way it is
        # recorded; its columns take the first query's names: other_id is the affiliated one.
        pairs, params = outgoing.order_by().union(incoming.order_by()).query.sql_with_params()
        connection = connections[self.db]
        table = connection.ops.quote_name(Organisation._meta.db_table)
        sql = (
            f"SELECT o.slug, o.name, COUNT(*) AS n FROM ({pairs}) AS pairs "
            f"JOIN {table} AS o ON o.id = pairs.other_id GROUP BY o.id, o.slug, o.name "
            "ORDER BY o.slug = %s DESC, n DESC, o.name LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, first, limit + bool(first)])
            return cursor.fetchall()

    def hubs(self, limit, total):
        """All of these (`total` of them), or if there are more than `limit`, the `limit`
        most affiliated."""
        if total <= limit:
            return self
        return self.filter(slug__in=[slug for slug, _, _ in self.most_affiliated(limit)])

    def search(self, query):
        """Organisations matching `query` (text, or a parsed `Search`), annotated with a
        `rank`: see search.py."""
        if not isinstance(query, Search):
            query = Search(query, using=self.db)
        return query.apply(self)

    def closest(self, search, limit):
        """The `limit` organisations whose names come closest to a parsed `search` that
        matches none: those matching the most of its words (or their corrections)."""
        return search.closest(self, limit)

    def around(self, organisation):
        """`organisation` and every organisation affiliated with it: the pages that show it."""
        return self.filter(pk=organisation.pk) | self.affiliated_with(organisation.slug)

    def changed(self):
        """Say that these organisations changed: rebuild their search documents and bump the
        directory's data version, so no cached page shows them as they were. Every write path
        calls it: the admin, loaddata, the commands."""
        refresh(self)
        DataVersion.bump(using=self.db)

    def for_list(self):
        """What a result card shows: not the long description, nor the search vector."""
        return self.defer("description", "search_vector").prefetch_related(
            Prefetch("key_figures", queryset=KeyFigure.objects.order_by("order")),
        )

    def for_network(self):
        """Every organisation with its affiliations, both ways: the network page's three
        queries, however many there are."""
        return self.prefetch_related(
            Prefetch("affiliations", Affiliation.objects.select_related("other", "programme")),
            Prefetch(
                "affiliations_received",
                Affiliation.objects.select_related("organisation", "programme"),
            ),
        )

    def with_last_updated(self):
        """Annotated with `last_updated`: when the organisation or one of its records last
        changed, from their history (None if it records nothing). One query with the rest."""
        models = [Organisation, Citation, Statement, MemberBenefit, Programme, KeyFigure, Role]
        models.append(Affiliation)
        latest = [
            Subquery(
                model.history.filter(
                    **{"id" if model is Organisation else "organisation_id": OuterRef("pk")}
                )
                .order_by("-history_date")
                .values("history_date")[:1]
            )
            for model in models
        ]
        # Greatest is NULL when any is, on SQLite: a record kind with no history counts as never.
        never = Value(datetime(1970, 1, 1, tzinfo=UTC))
        return self.annotate(
            last_updated=NullIf(Greatest(*(Coalesce(moment, never) for moment in latest)), never)
        )

    def for_detail(self):
        cited = ("source__publisher",)
        return self.with_last_updated().prefetch_related(
            "audiences",
            "themes",
            Prefetch("citations", Citation.objects.select_related(*cited)),
            Prefetch("statements", Statement.objects.select_related(*cited)),
            Prefetch("benefits", MemberBenefit.objects.select_related(*cited)),
            Prefetch(
                "programmes",
                Programme.objects.select_related(*cited).prefetch_related(
                    Prefetch(
                        "affiliations",
                        Affiliation.objects.select_related("organisation", "other"),
                    )
                ),
            ),
            Prefetch("key_figures", KeyFigure.objects.select_related(*cited)),
            Prefetch("roles", Role.objects.select_related("person", *cited)),
            Prefetch(
                "affiliations",
                Affiliation.objects.select_related("other", "programme", *cited),
            ),
            Prefetch(
                "affiliations_received",
                Affiliation.objects.select_related("organisation", "programme", *cited),
            ),
        )


class DataVersion(models.Model):
    """A number that every write to the directory bumps (see `OrganisationQuerySet.changed`).

    Cached pages and ETags are keyed by it (organisations/cache.py), so whichever process or
    machine serves a request, no page from before the last write is ever served."""

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Data version {self.number}"

    @classmethod
    def current(cls, using=None):
        """The number, from `using` or else the database the router reads from: the one the
        page reads its data from (a read replica, for public pages, when there is one), so a
        page is always filed under the version of the data it shows."""
        using = using or router.db_for_read(cls)
        # Read by every public request (organisations/cache.py): a plain query, nothing to build.
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT number FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    @classmethod
    def bump(cls, using="default"):
        if not cls.objects.using(using).filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.using(using).get_or_create(pk=1, defaults={"number": 1})


class Organisation(models.Model):
    class Kind(models.TextChoices):
        # The organisations of UK music education, then the wider world's.
        MUSIC_EDUCATION_HUB = "music-education-hub", "Music education hub"
        HUB_LEAD = "hub-lead-organisation", "Hub lead organisation"
        MUSIC_SERVICE = "music-service", "Music service"
        SCHOOL = "school", "School or academy trust"
        HIGHER_EDUCATION = "higher-education", "Conservatoire or higher education"
        ENSEMBLE = "ensemble", "Ensemble"
        CHARITY = "charity", "Charity or trust"
        FUNDER = "funder", "Funder"
        MEMBERSHIP_BODY = "membership-body", "Membership or professional body"
        NATIONAL_ASSOCIATION = "national-association", "National affiliate or association"
        NETWORK = "network", "Network"
        ALLIANCE = "alliance", "Alliance"
        NATIONAL_BODY = "national-body", "National body or government department"
        INTERNATIONAL_SOCIETY = "international-society", "International society or council"
        INTERGOVERNMENTAL = "intergovernmental", "Intergovernmental organisation"

    class Scope(models.TextChoices):
        INTERNATIONAL = "international", "International"
        UK = "uk", "UK"
        ENGLAND = "england", "England"
        SCOTLAND = "scotland", "Scotland"
        WALES = "wales", "Wales"
        NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"

    class Status(models.TextChoices):
        # The source texts are undated: whether an organisation is active is stated only
        # where a source says so.
        NOT_STATED = "", "Not stated"
        ACTIVE = "active", "Active"
        MERGED = "merged", "Merged"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[not_taken_by_a_page],
        help_text="Used in the page's address: /organisations/<slug>/.",
    )
    acronym = models.CharField(max_length=20, blank=True)
    kind = models.CharField(
        "type",
        max_length=30,
        choices=Kind,
        blank=True,
        help_text="Our classification of what the sources say it is; blank where they do not say.",
    )
    scope = models.CharField(
        "geographic scope",
        max_length=20,
        choices=Scope,
        blank=True,
        help_text="Leave blank where the sources do not say.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        blank=True,
        default=Status.NOT_STATED,
        help_text="Only what a source says: blank (not stated) where none does.",
    )
    founded_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[not_in_the_future],
        help_text=f"The year it was founded ({FIRST_YEAR} or later, and not after this year).",
    )
    summary = fields.TextField(blank=True, help_text="One or two sentences, shown in the list.")
    description = fields.TextField(blank=True, help_text="Paragraphs separated by a blank line.")
    website = models.URLField(blank=True, help_text="Leave blank where the sources give none.")
    last_verified = models.DateField(
        null=True, blank=True, help_text="When an editor last checked this entry."
    )
    # Optimistic locking (organisations/locking.py): every save through the admin, of the
    # organisation or of one of its records, bumps it; a form opened at an older version is
    # refused rather than overwrite the newer save. Never in the fixture.
    version = models.PositiveIntegerField(default=1, editable=False)
    audiences = models.ManyToManyField(Audience, blank=True, related_name="organisations")
    themes = models.ManyToManyField(Theme, blank=True, related_name="organisations")
    # Derived from the fields above and the records below by `changed()`; never edited,
    # never in the fixture. search_text is everything searchable but the name and acronym; the
    # vector (all of it, weighted) is PostgreSQL's index; SQLite's is an FTS5 table
    # (SearchEntry). See search.py and search_index.py.
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = OrganisationQuerySet.as_manager()
    # Every change, who made it, when and why (organisations/history.py).
    history = HistoricalRecords(
        excluded_fields=["search_text", "search_vector", "version"],
        m2m_fields=["audiences", "themes"],
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | Q(founded_year__gte=FIRST_YEAR, founded_year__lte=LAST_YEAR),
                name="organisation_founded_year_in_range",
                violation_error_message=(
                    f"The founding year must be between {FIRST_YEAR} and {LAST_YEAR}."
                ),
            ),
        ]
        # The list's filters and facet counts (name and slug are indexed as unique).
        indexes = [
            models.Index(fields=["kind"], name="organisation_kind"),
            models.Index(fields=["scope"], name="organisation_scope"),
            models.Index(fields=["status"], name="organisation_status"),
            models.Index(fields=["founded_year", "name"], name="organisation_founded"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url(self.slug)

    def natural_key(self):
        return (self.slug,)

    @property
    def display_name(self):
        return Organisation.name_with_acronym(self.name, self.acronym)

    @staticmethod
    def name_with_acronym(name, acronym):
        """ "Music Education Council (MEC)" (the exports use it too)."""
        return f"{name} ({acronym})" if acronym else name

    @property
    def short_name(self):
        return self.acronym or self.name

    def labels(self):
        """[(field name, label)]: what its page calls it, which search finds it by (the
        audiences and themes prefetched, as `for_detail()` does)."""
        return Organisation.labels_of(
            self.kind,
            self.scope,
            [audience.name for audience in self.audiences.all()],
            [theme.name for theme in self.themes.all()],
        )

    @staticmethod
    def labels_of(kind, scope, audiences, themes):
        """The same from their values (the synthetic data generator has no instances)."""
        labels = [("Type", Organisation.Kind(kind).label)] if kind else []
        labels += [("Geographic scope", Organisation.Scope(scope).label)] if scope else []
        labels += [("Audience", name) for name in sorted(audiences)]
        return labels + [("Theme", name) for name in sorted(themes)]

    def paragraphs(self):
        return [p.strip() for p in self.description.split("\n\n") if p.strip()]

    # The methods below read prefetched relations: use them on `for_detail()` rows.

    def statement_groups(self):
        """[(kind label, [statements])] in the order of `Statement.Kind`."""
        return _group(self.statements.all(), "kind", Statement.Kind)

    def benefit_groups(self):
        return _group(self.benefits.all(), "category", MemberBenefit.Category)

    def benefits_for(self):
        """Which members the benefits are for, where the sources say ("individual members"):
        the section's heading says so. Blank if they do not, or differ."""
        members = {benefit.members for benefit in self.benefits.all()}
        return members.pop() if len(members) == 1 else ""

    def top_programmes(self):
        return [p for p in self.programmes.all() if p.parent_id is None]

    def affiliation_links(self):
        """Every affiliation as seen from this organisation, in wording for this side."""
        links = [AffiliationLink.outgoing(a) for a in self.affiliations.all()]
        links += [AffiliationLink.incoming(a) for a in self.affiliations_received.all()]
        return sorted(links, key=AffiliationLink.sort_key)

    def affiliation_groups(self):
        """[(heading, [AffiliationLink])]: the affiliations by type (`Affiliation.GROUPS`)."""
        links = self.affiliation_links()
        groups = [
            (heading, [link for link in links if link.kind in kinds])
            for heading, kinds in Affiliation.GROUPS.items()
        ]
        return [(heading, group) for heading, group in groups if group]

    def sources(self):
        """[(source, citations)]: the documents this page's facts come from, in the order first
        cited, each with the passages quoted about the organisation itself."""
        records = [
            *self.citations.all(),
            *self.statements.all(),
            *self.benefits.all(),
            *self.programmes.all(),
            *self.key_figures.all(),
            *self.roles.all(),
            *self.affiliations.all(),
            *self.affiliations_received.all(),
        ]
        sources = {record.source: [] for record in records}
        for citation in self.citations.all():
            sources[citation.source].append(citation)
        return list(sources.items())


class SearchNameQuerySet(models.QuerySet):
    def suggestions(self, typed, limit):
        """[(name, acronym, slug)]: up to `limit` organisations the list shows (closed ones
        aside) whose names or acronyms begin with what was `typed` (an exact one first, then
        by name), then those with a later word of the name beginning so. A range of one index
        for each, however many organisations match."""
        key = name_key(typed)
        if not key:
            return []
        after = key[:-1] + chr(ord(key[-1]) + 1)
        found = {}
        for position in (0, 1):
            rows = (
                self.filter(position=position, term__gte=key, term__lt=after)
                .filter(term__startswith=key)
                .exclude(organisation__status=Organisation.Status.CLOSED)
                .order_by("term", "organisation__name")
                .values_list("organisation__name", "organisation__acronym", "organisation__slug")
            )
            # A name can begin so at more than one of its words: each organisation once.
            found.update(dict.fromkeys(rows[: limit * 4]))
            if len(found) >= limit:
                break
        return list(found)[:limit]


class SearchName(models.Model):
    """A way into an organisation's name as someone types it, for type-ahead: the name from
    one of its words on ("conservatoire of scotland"), or the acronym; case and accents folded
    (search_index.name_key). Derived, like the search index, by search_index.index(); never
    edited, never in a backup."""

    term = models.CharField(max_length=200)
    # 0: the whole name, or the acronym; 1: the name from a later word on.
    position = models.PositiveSmallIntegerField(default=0)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="search_names"
    )

    objects = SearchNameQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["position", "term"], name="searchname_term")]

    def __str__(self):
        return self.term


class SearchEntry(models.Model):
    """On SQLite, an organisation's row in the full-text index: the FTS5 table whose rowid is
    the organisation's id (organisations/search_index.py). Search joins it to match and rank;
    nothing else reads or writes it through the ORM. Not on PostgreSQL, which has no such table
    (its index is the organisation's `search_vector`)."""

    organisation = models.OneToOneField(
        Organisation,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="search_entry",
    )
    document = DocumentField(db_column=FTS_TABLE)

    class Meta:
        managed = False
        db_table = FTS_TABLE

    def __str__(self):
        return str(self.organisation_id)


def _group(records, attribute, choices):
    groups = {value: [] for value in choices.values}
    for record in records:
        groups[getattr(record, attribute)].append(record)
    return [(choices(value).label, items) for value, items in groups.items() if items]


class Source(models.Model):
    """A source document the directory's facts are quoted from, kept verbatim."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    publisher = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
        help_text="The organisation that published the document, where known.",
    )
    description = fields.TextField(blank=True, help_text="What it is and where it came from.")
    filename = models.CharField(
        max_length=200, blank=True, help_text="The verbatim copy under fixtures/sources/."
    )
    text = fields.TextField(help_text="The document's text, verbatim. Excerpts are quoted from it.")

    objects = SlugManager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)


class Person(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    objects = SlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class RecordManager(models.Manager):
    def get_by_natural_key(self, organisation_slug, key):
        return self.get(organisation__slug=organisation_slug, key=key)


def free_key(basis, taken):
    """A key made from `basis` (`slug`, or `slug-2`, `slug-3`...) that is not in `taken`."""
    base = slugify(basis)[:50] or "record"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


class OrganisationRecord(models.Model):
    """A fact about one organisation, quoted from a source.

    `key` identifies the record within its organisation, so the fixture can be loaded again
    and again without duplicates, however the records are reordered or reworded. It is made
    from the record's wording when the record is first saved.
    """

    # Fields whose wording must appear, verbatim, inside the excerpt.
    quoted_fields = ()

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    key = models.SlugField(max_length=60, blank=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="%(class)ss")
    excerpt = fields.TextField(help_text="The passage of the source this is taken from, verbatim.")

    objects = RecordManager()
    # Every change, who made it, when and why (organisations/history.py): a history model for
    # each kind of record.
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="%(app_label)s_%(class)s_unique_key"
            )
        ]

    def save(self, *args, **kwargs):
        if not self.key:
            taken = type(self).objects.filter(organisation_id=self.organisation_id)
            self.key = free_key(self.key_basis(), set(taken.values_list("key", flat=True)))
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.organisation.natural_key(), self.key)

    natural_key.dependencies = ["organisations.organisation"]

    def clean(self):
        super().clean()
        source = getattr(self, "source", None)  # None until a source is chosen
        if source is not None:
            quoted = {name: getattr(self, name) for name in self.quoted_fields}
            errors = quotation_errors(self.excerpt, source.text, quoted)
            if errors:
                raise ValidationError(errors)

    def key_basis(self):
        return str(self)


class Citation(OrganisationRecord):
    """A passage that supports an organisation's own fields: its name, founding, summary."""

    def __str__(self):
        return self.excerpt[:60]


class Statement(OrganisationRecord):
    """A statement of purpose: a mission point, an aim, a principle, a call to action..."""

    class Kind(models.TextChoices):
        MISSION = "mission", "Mission"
        VISION = "vision", "Vision"
        AIM = "aim", "Aims"
        BELIEF = "belief", "Beliefs"
        PRINCIPLE = "principle", "Principles"
        WORK = "work", "What it does"
        CALL_TO_ACTION = "call-to-action", "Calls to action"
        WHY_JOIN = "why-join", "Why become a member"

    quoted_fields = ("title", "text")

    kind = models.CharField(max_length=20, choices=Kind)
    title = models.CharField(max_length=200, blank=True, help_text="For a named principle.")
    text = fields.TextField()
    is_intro = models.BooleanField(
        "introduces the list",
        default=False,
        help_text="A lead-in sentence shown above the points of its kind.",
    )

    def __str__(self):
        return self.title or self.text[:60]


class MemberBenefit(OrganisationRecord):
    class Category(models.TextChoices):
        PUBLICATIONS = "publications", "Publications"
        NETWORKING = "networking", "Networking"
        PROFESSIONAL_DEVELOPMENT = "professional-development", "Professional development"
        EVENTS = "events", "Events"
        GOVERNANCE = "governance", "Governance"
        RESOURCES = "resources", "Resources"

    quoted_fields = ("title", "text")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="benefits"
    )
    category = models.CharField(max_length=30, choices=Category)
    title = models.CharField(max_length=200, blank=True)
    text = fields.TextField()
    members = models.CharField(
        "for",
        max_length=100,
        blank=True,
        help_text='Which members, where the source says: "individual members".',
    )

    def __str__(self):
        return self.title or self.text[:60]


class Programme(OrganisationRecord):
    """A working group, conference, network or project run by the organisation."""

    class Kind(models.TextChoices):
        WORKING_GROUP = "working-group", "Working group"
        CONFERENCE = "conference", "Conference"
        NETWORK = "network", "Network"
        PROJECT = "project", "Project"
        LEGACY_PROJECT = "legacy-project", "Legacy project"

    quoted_fields = ("description",)

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    description = fields.TextField(blank=True)
    frequency = models.CharField(max_length=100, blank=True, help_text="e.g. every two years")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return self.name

    def key_basis(self):
        return self.name

    def subprogrammes(self):
        """Children, read from the organisation's prefetched programmes."""
        return [p for p in self.organisation.programmes.all() if p.parent_id == self.pk]

    def affiliation_links(self):
        """The affiliations about this programme, worded for its organisation's side."""
        links = [
            AffiliationLink(a, a.organisation_id != self.organisation_id, under_programme=True)
            for a in self.affiliations.all()
        ]
        return sorted(links, key=AffiliationLink.sort_key)


class KeyFigure(OrganisationRecord):
    class Qualifier(models.TextChoices):
        EXACTLY = "", "exactly"
        NEARLY = "nearly", "nearly"
        ABOUT = "about", "about"
        MORE_THAN = "more than", "more than"
        AT_LEAST = "at least", "at least"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="key_figures"
    )
    value = models.PositiveIntegerField()
    qualifier = models.CharField(max_length=20, choices=Qualifier, blank=True)
    label = models.CharField(max_length=100, help_text="What is counted, e.g. countries.")
    note = models.CharField(max_length=200, blank=True)

    def __str__(self):
        return KeyFigure.text(self.qualifier, self.value, self.label)

    @staticmethod
    def text(qualifier, value, label):
        """How a figure reads: "nearly 90 countries" (the exports use it too)."""
        return " ".join(part for part in (qualifier, str(value), label) if part)

    def key_basis(self):
        return self.label


class Role(OrganisationRecord):
    """A person's role at an organisation, with their words where the sources quote them."""

    quoted_fields = ("quote",)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roles")
    title = models.CharField(max_length=200)
    quote = fields.TextField(blank=True)

    def __str__(self):
        return f"{self.person}, {self.title}"

    def key_basis(self):
        return self.person.slug


DUPLICATE_AFFILIATION = "This affiliation is already recorded."


class Affiliation(OrganisationRecord):
    """A typed, directed link: `organisation` is <kind> `other`.

    "MEC is ISME's National Affiliate for the UK" is organisation=MEC, kind=national affiliate
    of, other=ISME, qualifier="for the UK". Each side's page words it for that side.
    """

    class Kind(models.TextChoices):
        NATIONAL_AFFILIATE_OF = "national-affiliate-of", "National affiliate of"
        AFFILIATED_TO = "affiliated-to", "Affiliated to"
        MEMBER_OF = "member-of", "Member of"
        FOUNDER_OF = "founder-of", "Founder of"
        PARTNER_OF = "partner-of", "Partner of"
        LED_BY = "led-by", "Led by"
        SUPPORTED_BY = "supported-by", "Supported by"
        FUNDED_BY = "funded-by", "Funded by"
        FUNDING_ROUTED_VIA = "funding-routed-via", "Funding routed via"
        HOST_FOR = "host-for", "Host for"
        LEADS_PROJECT_FOR = "leads-project-for", "Leads a project for"

    # The directory's wording of affiliations, in one place: the pages, the diagram, the search
    # document and the exports all word them with `label`, `wording` and `sort_key`.

    # How the other side's page names each kind (the subject's side uses `Kind`'s labels).
    REVERSE_LABELS = {
        Kind.NATIONAL_AFFILIATE_OF: "National affiliate",
        Kind.AFFILIATED_TO: "Affiliated organisation",
        Kind.MEMBER_OF: "Member",
        Kind.FOUNDER_OF: "Founded by",
        Kind.PARTNER_OF: "Partner",
        Kind.LED_BY: "Leads",
        Kind.SUPPORTED_BY: "Supports",
        Kind.FUNDED_BY: "Funds",
        Kind.FUNDING_ROUTED_VIA: "Routes funding",
        Kind.HOST_FOR: "Hosted by",
        Kind.LEADS_PROJECT_FOR: "Project led by",
    }

    DUPLICATE = DUPLICATE_AFFILIATION

    # The order affiliations are listed in: by kind, in `Kind`'s order, then by name.
    ORDER = {kind: n for n, kind in enumerate(Kind.values)}

    # How an organisation's page groups its affiliations, in this order. Every kind is in one.
    GROUPS = {
        "Networks and memberships": [
            Kind.NATIONAL_AFFILIATE_OF,
            Kind.AFFILIATED_TO,
            Kind.MEMBER_OF,
            Kind.PARTNER_OF,
        ],
        "Founding and leadership": [Kind.FOUNDER_OF, Kind.LED_BY],
        "Funding and support": [Kind.SUPPORTED_BY, Kind.FUNDED_BY, Kind.FUNDING_ROUTED_VIA],
        "Events and projects": [Kind.HOST_FOR, Kind.LEADS_PROJECT_FOR],
    }

    kind = models.CharField(max_length=30, choices=Kind)
    other = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="affiliations_received",
        verbose_name="affiliated organisation",
    )
    qualifier = models.CharField(
        max_length=200, blank=True, help_text='Extra wording, e.g. "for the UK".'
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="affiliations",
        help_text="The programme this affiliation is about, if any.",
    )

    class Meta(OrganisationRecord.Meta):
        constraints = [
            *OrganisationRecord.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(organisation=models.F("other")), name="affiliation_not_to_self"
            ),
            # The same affiliation twice would be shown twice everywhere. (Two constraints, as
            # a programme that is not given counts as a value: NULLs differ in a plain one.)
            models.UniqueConstraint(
                fields=["organisation", "kind", "other", "programme"],
                name="affiliation_once_per_programme",
                violation_error_message=DUPLICATE_AFFILIATION,
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "other"],
                condition=Q(programme__isnull=True),
                name="affiliation_once",
                violation_error_message=DUPLICATE_AFFILIATION,
            ),
        ]

    def __str__(self):
        return f"{self.organisation.short_name} {self.get_kind_display().lower()} " + (
            self.other.short_name
        )

    def clean(self):
        if self.organisation_id is not None and self.organisation_id == self.other_id:
            raise ValidationError({"other": "An organisation cannot be affiliated with itself."})
        # The database refuses it too (Meta.constraints), but a form that leaves the
        # organisation out (an organisation's inline) does not check those constraints.
        same = Affiliation.objects.filter(
            organisation_id=self.organisation_id,
            kind=self.kind,
            other_id=self.other_id,
            programme_id=self.programme_id,
        ).exclude(pk=self.pk)
        if self.organisation_id is not None and same.exists():
            raise ValidationError(self.DUPLICATE, code="duplicate")
        super().clean()

    def key_basis(self):
        return f"{self.kind} {self.other.slug}"

    @classmethod
    def label(cls, kind, qualifier="", incoming=False):
        """What an affiliation of `kind` is called on one side's page: "National affiliate of"
        on the subject's; "National affiliate for the UK" (with the qualifier) on the other's."""
        if incoming:
            return " ".join(filter(None, [cls.REVERSE_LABELS[kind], qualifier]))
        return cls.Kind(kind).label

    @classmethod
    def wording(cls, kind, qualifier, programme, incoming):
        """(before, after): how an affiliation reads on one side's page, around the other
        organisation's name. "National affiliate of " ISME " (for the UK)" on MEC's page,
        "National affiliate for the UK: " MEC on ISME's; " — <programme>" after, if it is about
        one (`programme`: its name, or "" when shown under the programme itself)."""
        label = cls.label(kind, qualifier, incoming)
        if incoming:
            before, after = f"{label}: ", ""
        else:
            before, after = f"{label} ", f" ({qualifier})" if qualifier else ""
        if programme:
            after += f" — {programme}"
        return before, after

    @classmethod
    def sort_key(cls, kind, name):
        """Where an affiliation with the organisation called `name` comes in a list."""
        return cls.ORDER[kind], name


@dataclass(frozen=True)
class AffiliationLink:
    """One affiliation as seen from one side: `before`, the other `organisation`, `after`
    (`Affiliation.wording`). Under the programme it is about, the programme is not repeated."""

    affiliation: Affiliation
    incoming: bool
    under_programme: bool = False

    @classmethod
    def outgoing(cls, affiliation, **options):
        return cls(affiliation, incoming=False, **options)

    @classmethod
    def incoming(cls, affiliation, **options):
        return cls(affiliation, incoming=True, **options)

    @property
    def organisation(self):
        """The organisation at the other end."""
        return self.affiliation.organisation if self.incoming else self.affiliation.other

    @property
    def kind(self):
        return self.affiliation.kind

    @property
    def label(self):
        return Affiliation.label(self.kind, self.affiliation.qualifier, self.incoming)

    @cached_property
    def _wording(self):
        programme = self.affiliation.programme
        name = programme.name if programme and not self.under_programme else ""
        return Affiliation.wording(self.kind, self.affiliation.qualifier, name, self.incoming)

    @property
    def before(self):
        return self._wording[0]

    @property
    def after(self):
        return self._wording[1]

    @property
    def text(self):
        """The whole sentence, as plain text: "National affiliate of International Society for
        Music Education (ISME) (for the UK)"."""
        return f"{self.before}{self.organisation.display_name}{self.after}"

    def sort_key(self):
        return Affiliation.sort_key(self.kind, self.organisation.name)
