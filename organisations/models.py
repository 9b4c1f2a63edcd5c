"""The directory's data: organisations and everything the source texts say about them.

Every fact below an organisation is a *cited* record: it names the source document it comes
from and the excerpt it was taken from, and `clean()` refuses an excerpt that is not in the
source verbatim (see `organisations.sources`).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property, lru_cache

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connections, models, router
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.urls import get_script_prefix, get_urlconf, resolve, reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from . import fields
from .search import Search, refresh
from .search_index import FTS_TABLE, DocumentField, name_key
from .sources import comparable, quotation_errors

# What the `slug` path converter accepts: such a slug goes into a URL as it is.
PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def detail_url(slug):
    """The address of an organisation's page: `reverse("organisations:detail", ...)`, but
    reversed once per script prefix, as a list page links twenty (`detail_urls` for more)."""
    return detail_urls()(slug)


def detail_urls(origin=""):
    """slug -> `origin + detail_url(slug)`, with the script prefix and URLconf looked up once
    (in the request that asks), not once per slug: an export gives thousands."""
    before, after = _detail_url_around(get_script_prefix(), get_urlconf())

    def url(slug):
        if PLAIN_SLUG.fullmatch(slug):
            return f"{origin}{before}{slug}{after}"
        return origin + reverse("organisations:detail", kwargs={"slug": slug})

    return url


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


def national_number(text):
    """The digits of a UK telephone number as dialled within the UK: "+44 (0)20 7946 0000"
    and "020 7946 0000" are both "02079460000"."""
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    return "0" + digits[2:] if digits.startswith("44") else digits


def uk_phone_number(value):
    if not re.fullmatch(r"[\d\s()+-]+", value) or not re.fullmatch(
        r"0\d{9,10}", national_number(value)
    ):
        raise ValidationError(
            "Enter a UK telephone number, e.g. 020 7946 0000 or +44 20 7946 0000.", code="phone"
        )


# A UK postcode (the format; whether it exists is Royal Mail's to say).
POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", re.IGNORECASE)


def ends_with_a_postcode(value):
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if lines and not POSTCODE.fullmatch(lines[-1]):
        raise ValidationError(
            "End the address with its postcode, on a line of its own (e.g. LS1 1UR).",
            code="postcode",
        )


def not_yet(year):
    this_year = date.today().year
    if year is not None and year > this_year:
        raise ValidationError(
            "It cannot be after this year (%(year)s).", code="future", params={"year": this_year}
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


class AreaManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


# The geographic scope that covers each nation (by its GSS code, see migration 0014).
NATION_SCOPES = {
    "E92000001": "england",
    "N92000002": "northern-ireland",
    "S92000003": "scotland",
    "W92000004": "wales",
}


class Area(models.Model):
    """A place organisations serve: the UK, a nation, an English region, a county or combined
    authority, a local authority; each with its official ONS (GSS) code. The UK, its nations
    and England's regions are shipped (migration 0014); local authorities are loaded from a
    published list (`manage.py load_local_authorities`)."""

    class Kind(models.TextChoices):
        # From the largest to the smallest: the order "who serves my area" lists them in.
        UK = "uk", "United Kingdom"
        NATION = "nation", "Nation"
        REGION = "region", "English region"
        COUNTY = "county", "County or combined authority"
        LOCAL_AUTHORITY = "local-authority", "Local authority"

    # The areas people live in, and the authorities above them, as against regions and nations.
    LOCAL = (Kind.COUNTY, Kind.LOCAL_AUTHORITY)

    code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        validators=[
            RegexValidator(
                r"^[EKNSW]\d{8}$", "A GSS code: a letter and eight digits, e.g. E08000035."
            )
        ],
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind)
    within = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="parts",
        help_text="The areas it lies directly within: a district's county, a county's region...",
    )
    other_names = models.TextField(blank=True, help_text="Other names it is known by, one a line.")

    objects = AreaManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    @cached_property
    def surroundings(self):
        """This area and every area it lies within, at any depth (its county or combined
        authority, region, nation, the UK): [(id, kind, code)]. A query a level."""

        def wholes(parts):
            within = Area.within.through.objects.filter(from_area__in=parts)
            return set(within.values_list("to_area", flat=True))

        found = Area.enclosing(self.pk, wholes)
        return list(Area.objects.filter(pk__in=found).values_list("pk", "kind", "code"))

    @staticmethod
    def enclosing(pk, wholes):
        """The ids of the area `pk` and of every area it lies within, at any depth: `wholes`
        gives the ids of the areas a set of areas lies directly within."""
        found, frontier = {pk}, {pk}
        while frontier:
            frontier = wholes(frontier) - found
            found |= frontier
        return found

    @staticmethod
    def scopes_serving(around):
        """The geographic scopes that serve an area whose surroundings are `around` ([(id,
        kind, code)]): the UK, and its nation."""
        nations = [code for _, kind, code in around if kind == Area.Kind.NATION]
        return [Organisation.Scope.UK, *(NATION_SCOPES[code] for code in nations)]

    @cached_property
    def who_serves(self):
        """Who serves this area ("who serves my area?"): (the ids of the areas whose
        organisations serve it: itself and every area it lies within; the ids of those among
        them serving it locally: itself, its county or combined authority; the geographic
        scopes that serve it: the UK and its nation). The queryset's `serving` and the list's
        index (index.py) both read it."""
        around = self.surroundings
        local = [pk for pk, kind, _ in around if kind in Area.LOCAL]
        return [pk for pk, _, _ in around], local, Area.scopes_serving(around)


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
        models = [Organisation, *RECORD_MODELS]
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

    def serving(self, area):
        """ "Who serves my area?": organisations that serve `area` (an Area) or an area it lies
        within, and those whose geographic scope is its nation or the UK. Each is annotated
        with `serves_locally`: whether it serves the area itself or its county or combined
        authority (the rest serve its region, its nation or the whole UK)."""
        around, local, scopes = area.who_serves
        served = AreaServed.objects.filter(organisation=OuterRef("pk"))
        return self.filter(
            Q(Exists(served.filter(area__in=around))) | Q(scope__in=scopes)
        ).annotate(serves_locally=Exists(served.filter(area__in=local)))

    def for_detail(self):
        """With `last_updated` and every record the page shows, each kind in one query. The
        records come without their sources: most cite the same few, which `sources()` loads
        in one query (joined to every record, they added their columns, and their publisher's,
        to each of these queries)."""
        return self.with_last_updated().prefetch_related(
            "audiences",
            "themes",
            "citations",
            "statements",
            "benefits",
            Prefetch(
                "programmes",
                Programme.objects.prefetch_related(
                    Prefetch(
                        "affiliations",
                        Affiliation.objects.select_related("organisation", "other"),
                    )
                ),
            ),
            "key_figures",
            Prefetch("areas_served", AreaServed.objects.select_related("area")),
            "other_names",
            "identifiers",
            Prefetch("roles", Role.objects.select_related("person")),
            Prefetch("affiliations", Affiliation.objects.select_related("other", "programme")),
            Prefetch(
                "affiliations_received",
                Affiliation.objects.select_related("organisation", "programme"),
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

    # What the sources state: each of these, when it has a value, carries the passage that
    # says so (a citation that `supports` it, its value in the passage's words); without one
    # it stays blank. See `unsupported()`.
    STATED = ("acronym", "scope", "status", "founded_year", "website", "email", "phone", "address")
    # Our own reading of the sources, marked as ours wherever it is shown or exported.
    CLASSIFIED = ("kind", "audiences", "themes")

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[not_taken_by_a_page],
        help_text="Used in the page's address: /organisations/<slug>/.",
    )
    acronym = models.CharField(
        max_length=20, blank=True, help_text="Stated: blank unless a citation supports it."
    )
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
        help_text="Stated: blank unless a citation supports it.",
    )
    status = models.CharField(
        max_length=10,
        choices=Status,
        blank=True,
        default=Status.NOT_STATED,
        help_text="Stated: blank (not stated) unless a citation supports it.",
    )
    founded_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[not_in_the_future],
        help_text=(
            f"Stated: the year it was founded ({FIRST_YEAR} or later, not after this year), "
            "blank unless a citation supports it."
        ),
    )
    summary = fields.TextField(blank=True, help_text="One or two sentences, shown in the list.")
    description = fields.TextField(blank=True, help_text="Paragraphs separated by a blank line.")
    website = models.URLField(blank=True, help_text="Stated: blank unless a citation supports it.")
    email = models.EmailField(
        "e-mail address", blank=True, help_text="Stated: blank unless a citation supports it."
    )
    phone = models.CharField(
        "telephone",
        max_length=30,
        blank=True,
        validators=[uk_phone_number],
        help_text="A UK number, e.g. 020 7946 0000 or +44 20 7946 0000. Stated, as above.",
    )
    address = fields.TextField(
        "postal address",
        blank=True,
        validators=[ends_with_a_postcode],
        help_text="One line each, the postcode last. Stated, as above.",
    )
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

    def stated_in(self, field, passage):
        """Whether `passage` states this organisation's value of `field`: the value (a choice's
        label, a year, a web address without its scheme) appears in it, ignoring case."""
        value = str(self.stated_value(field))
        if field == "website":
            value = re.sub(r"^https?://(www\.)?", "", value).rstrip("/")
        elif field == "phone":  # however the passage spaces it, or writes +44 for 0
            return national_number(value) in national_number(passage)
        return comparable(value).casefold() in comparable(passage).casefold()

    def unsupported(self, citations):
        """{field: message} for each stated field with a value that none of `citations` (the
        organisation's citations, as they are or are about to be saved) supports."""
        problems = {}
        for field in self.STATED:
            if getattr(self, field) in (None, ""):
                continue
            passages = [c.excerpt for c in citations if c.supports == field]
            if not passages:
                problems[field] = (
                    f"No citation supports the {self._meta.get_field(field).verbose_name}: add "
                    "the passage that states it (a citation that supports it), or leave it blank."
                )
            elif not any(self.stated_in(field, passage) for passage in passages):
                problems[field] = (
                    f"The passage cited for the {self._meta.get_field(field).verbose_name} does "
                    f"not say “{self.stated_value(field)}”."
                )
        return problems

    def stated_value(self, field):
        display = getattr(self, f"get_{field}_display", None)
        return display() if display else getattr(self, field)

    def evidence(self):
        """{field: citation} for the stated fields, from the prefetched citations."""
        return {c.supports: c for c in self.citations.all() if c.supports}

    @staticmethod
    def cited_sources(sources):
        """{source id: (its number in the page's list of sources, the source)}, from
        `sources()`: how the page's evidence markers name their sources
        (templatetags/evidence.py)."""
        return {source.pk: (n, source) for n, (source, _) in enumerate(sources, 1)}

    def labels(self):
        """[(field name, label)]: what its page calls it, which search finds it by (the
        audiences, themes, other names and areas served prefetched, as `for_detail()`
        does)."""
        labels = Organisation.labels_of(
            self.kind,
            self.scope,
            [audience.name for audience in self.audiences.all()],
            [theme.name for theme in self.themes.all()],
        )
        labels += [(other.get_kind_display(), other.name) for other in self.other_names.all()]
        return labels + [("Area served", served.area.name) for served in self.areas_served.all()]

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
            *self.areas_served.all(),
            *self.other_names.all(),
            *self.identifiers.all(),
        ]
        # The documents, with their publishers, in one query.
        cited = dict.fromkeys(record.source_id for record in records)  # in the order first cited
        documents = Source.objects.using(self._state.db).select_related("publisher").in_bulk(cited)
        sources = {documents[pk]: [] for pk in cited}
        for citation in self.citations.all():
            passages = sources[documents[citation.source_id]]
            if citation.excerpt not in (c.excerpt for c in passages):  # one cited for two uses
                passages.append(citation)
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
                .exclude(organisation__status=Organisation.Status.CLOSED)
                .order_by("term", "name")
                .values_list("term", "name", "organisation__acronym", "organisation__slug")
            )
            # The range is the prefix in code point order; a collation that orders otherwise
            # (en_US ignores spaces: "a lb" falls between "al" and "am") may add a term that
            # does not begin so. Checked here, not in SQL: with a LIKE beside the range,
            # PostgreSQL expected a handful of rows and sorted all 10,000 ("al": 52 ms, 0.4).
            # A name can begin so at more than one of its words: each organisation once.
            found.update(
                dict.fromkeys(row[1:] for row in rows[: limit * 4] if row[0].startswith(key))
            )
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
    # The organisation's name, as it sorts those with the same term: in the index, so that a
    # term thousands share ("orchestra") reads its first few in order, not all of them sorted.
    name = models.CharField(max_length=200, default="")

    objects = SearchNameQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["position", "term", "name"], name="searchname_term_name")]

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
    url = models.URLField(
        "web address", blank=True, help_text="Where it was retrieved from; blank if not recorded."
    )
    retrieved = models.DateField(
        "date retrieved", null=True, blank=True, help_text="Blank if not recorded."
    )
    licence = models.CharField(
        max_length=200,
        blank=True,
        help_text="The licence the text is published under, only where it says so.",
    )
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

    # No index of their own: the unique constraint on (organisation, key) below is the index
    # that finds an organisation's records, and a record by its key (one index fewer for
    # every write to keep up: 20 to 30% of a bulk insert's time).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="%(class)ss", db_index=False
    )
    key = models.SlugField(max_length=60, blank=True, editable=False, db_index=False)
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


STATED = Organisation.STATED


class Citation(OrganisationRecord):
    """A passage about the organisation itself: its name, summary and description, and the
    passage that states each of its stated fields (`supports`)."""

    supports = models.CharField(
        max_length=20,
        blank=True,
        choices=[(name, Organisation._meta.get_field(name).verbose_name) for name in STATED],
        help_text="The field this passage states, if any; its value must be in the passage.",
    )

    def __str__(self):
        return self.excerpt[:60]

    def key_basis(self):
        return f"{self.supports} {self}" if self.supports else str(self)

    def clean(self):
        super().clean()
        organisation = getattr(self, "organisation", None)  # None until one is chosen
        if self.supports and organisation is not None:
            value = getattr(organisation, self.supports)
            if value not in (None, "") and not organisation.stated_in(self.supports, self.excerpt):
                raise ValidationError(
                    {
                        "excerpt": f"This passage does not say “"
                        f"{organisation.stated_value(self.supports)}”, the organisation's "
                        f"{self.get_supports_display()}."
                    }
                )


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
        Organisation, on_delete=models.CASCADE, related_name="benefits", db_index=False
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
        Organisation, on_delete=models.CASCADE, related_name="key_figures", db_index=False
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


class Dated(models.Model):
    """A record that holds for a time, as a source says: from a year, until a year, or both."""

    start_year = models.PositiveSmallIntegerField(
        "from", null=True, blank=True, validators=[MinValueValidator(FIRST_YEAR), not_yet]
    )
    end_year = models.PositiveSmallIntegerField(
        "until", null=True, blank=True, validators=[MinValueValidator(FIRST_YEAR), not_yet]
    )

    class Meta:
        abstract = True

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": "It cannot end before it starts."})
        super().clean()

    @property
    def period(self):
        return self.period_of(self.start_year, self.end_year)

    @staticmethod
    def period_of(start_year, end_year):
        """ "from 2016", "until 2020", "2016 to 2020", or "" where the source gives no dates
        (the exports word it from plain values)."""
        if start_year and end_year:
            return f"{start_year} to {end_year}"
        if start_year:
            return f"from {start_year}"
        return f"until {end_year}" if end_year else ""


class Role(OrganisationRecord, Dated):
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
NAMES_OR_DESCRIBES = (
    "Choose the affiliated organisation, or, when the passage names none, give its words for "
    "the other side (and say what they describe): one or the other."
)


class AreaServed(OrganisationRecord):
    """An area an organisation serves, as a source says."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="areas_served", db_index=False
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="served_by")

    class Meta(OrganisationRecord.Meta):
        verbose_name = "area served"
        verbose_name_plural = "areas served"
        constraints = [
            *OrganisationRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["organisation", "area"], name="organisations_areaserved_once"
            ),
        ]

    def __str__(self):
        return str(self.area)


class OtherName(OrganisationRecord):
    """Another name an organisation is or was known by, as a source gives it."""

    class Kind(models.TextChoices):
        ALTERNATIVE = "alternative", "Also known as"
        FORMER = "former", "Formerly"

    quoted_fields = ("name",)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="other_names", db_index=False
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.ALTERNATIVE)

    class Meta(OrganisationRecord.Meta):
        verbose_name = "other name"

    def __str__(self):
        return self.name


class Identifier(OrganisationRecord):
    """An organisation's number in a public register, as a source gives it, checked against
    the register's format and linked to its entry there."""

    class Scheme(models.TextChoices):
        CHARITY_EW = "charity-ew", "Registered charity (England and Wales)"
        CHARITY_SC = "charity-sc", "Scottish charity"
        CHARITY_NI = "charity-ni", "Registered charity (Northern Ireland)"
        COMPANY = "company", "Company number"
        UKPRN = "ukprn", "UK provider reference number (UKPRN)"
        URN = "urn", "School unique reference number (URN)"

    # Each scheme's format, and the address of an entry in its public register.
    FORMATS = {
        Scheme.CHARITY_EW: (r"\d{6,7}", "6 or 7 digits, e.g. 1164781"),
        Scheme.CHARITY_SC: (r"SC\d{6}", "SC and 6 digits, e.g. SC012345"),
        Scheme.CHARITY_NI: (r"(NIC)?\d{6}", "6 digits, or NIC and 6 digits, e.g. NIC100002"),
        Scheme.COMPANY: (r"(\d{8}|[A-Z]{2}\d{6})", "8 digits, or 2 letters and 6 digits"),
        Scheme.UKPRN: (r"1\d{7}", "8 digits beginning with 1, e.g. 10007788"),
        Scheme.URN: (r"\d{6}", "6 digits, e.g. 100000"),
    }
    REGISTERS = {
        Scheme.CHARITY_EW: "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/{}",
        Scheme.CHARITY_SC: "https://www.oscr.org.uk/about-charities/search-the-register/charity-details?number={}",
        Scheme.CHARITY_NI: "https://www.charitycommissionni.org.uk/charity-details/?regId={}",
        Scheme.COMPANY: "https://find-and-update.company-information.service.gov.uk/company/{}",
        Scheme.UKPRN: "https://www.ukrlp.co.uk/ukrlp/ukrlp_provider.page_pls_provDetails?x=&pn_p_id={}",
        Scheme.URN: "https://get-information-schools.service.gov.uk/Establishments/Establishment/Details/{}",
    }

    quoted_fields = ("value",)

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identifiers", db_index=False
    )
    scheme = models.CharField(max_length=20, choices=Scheme)
    value = models.CharField("number", max_length=20)

    class Meta(OrganisationRecord.Meta):
        constraints = [
            *OrganisationRecord.Meta.constraints,
            models.UniqueConstraint(
                fields=["organisation", "scheme"], name="organisations_identifier_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_scheme_display()}: {self.value}"

    def clean(self):
        pattern, example = self.FORMATS.get(self.scheme, (None, None))
        if pattern and not re.fullmatch(pattern, self.value or ""):
            raise ValidationError(
                {"value": f"Not a {self.get_scheme_display().lower()} number: {example}."}
            )
        super().clean()

    @property
    def register_url(self):
        number = (
            self.value.removeprefix("NIC") if self.scheme == self.Scheme.CHARITY_NI else self.value
        )
        return self.REGISTERS[self.scheme].format(number)


class Affiliation(OrganisationRecord, Dated):
    """A typed, directed link: `organisation` is <kind> `other`.

    "MEC is ISME's National Affiliate for the UK" is organisation=MEC, kind=national affiliate
    of, other=ISME, qualifier="for the UK". Each side's page words it for that side.

    Where the passage names no organisation on the other side, only a kind of organisation or
    a policy ("more than 60 partner organisations – such as music education hubs"), `other`
    is empty and `described` holds the passage's own words for it, quoted, with what they
    name (`described_as`): such an affiliation has one side, and no page of its own to link.
    """

    class Described(models.TextChoices):
        KIND = "kind", "a kind of organisation"
        POLICY = "policy", "a policy"

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
        MERGED_INTO = "merged-into", "Merged into"
        CAMPAIGNS_FOR = "campaigns-for", "Campaigns for"

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
        Kind.MERGED_INTO: "Successor to",
        Kind.CAMPAIGNS_FOR: "Campaigned for by",
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
        "Campaigns": [Kind.CAMPAIGNS_FOR],
        "History": [Kind.MERGED_INTO],
    }

    quoted_fields = ("described",)

    kind = models.CharField(max_length=30, choices=Kind)
    other = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="affiliations_received",
        verbose_name="affiliated organisation",
        help_text="The organisation on the other side, when the passage names one.",
    )
    described = models.CharField(
        "or, as the passage describes it",
        max_length=200,
        blank=True,
        help_text="When the passage names no organisation: its own words for the other side, "
        "verbatim (“music education hubs”, “the National Plan for Music Education”).",
    )
    described_as = models.CharField("which is", max_length=10, choices=Described, blank=True)
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
            # The same affiliation twice (the same organisations, kind, programme and dates)
            # would be shown twice everywhere. A programme or date not given counts as a value
            # (0), as NULLs would all differ in a plain constraint.
            models.CheckConstraint(
                condition=(Q(other__isnull=False) & Q(described="") & Q(described_as=""))
                | (Q(other__isnull=True) & ~Q(described="") & ~Q(described_as="")),
                name="affiliation_names_or_describes",
                violation_error_message=NAMES_OR_DESCRIBES,
            ),
            models.UniqueConstraint(
                "organisation",
                "kind",
                Coalesce("other", Value(0)),
                "described",
                Coalesce("programme", Value(0)),
                Coalesce("start_year", Value(0)),
                Coalesce("end_year", Value(0)),
                name="affiliation_once",
                violation_error_message=DUPLICATE_AFFILIATION,
            ),
        ]

    def __str__(self):
        return f"{self.organisation.short_name} {self.get_kind_display().lower()} " + (
            self.other_name
        )

    @property
    def other_name(self):
        """The other side, as the pages name it: the organisation's short name, or the
        passage's words for what it describes."""
        return self.other.short_name if self.other else self.described

    def clean(self):
        if self.organisation_id is not None and self.organisation_id == self.other_id:
            raise ValidationError({"other": "An organisation cannot be affiliated with itself."})
        if (getattr(self, "other", None) is None) == (not self.described):
            # Beside the organisation's field; and so said once: the same rule's constraint
            # is not checked again for a field with an error.
            raise ValidationError(
                {"other": ValidationError(NAMES_OR_DESCRIBES, code="names_or_describes")}
            )
        if self.described and not self.described_as:
            raise ValidationError(
                {
                    "described_as": "Say whether the passage describes a kind of organisation or a "
                    "policy."
                }
            )
        if self.described_as and not self.described:
            raise ValidationError(
                {"described_as": "Only for an affiliation the passage describes in words."}
            )
        # The database refuses it too (Meta.constraints), but a form that leaves the
        # organisation out (an organisation's inline) does not check those constraints.
        same = Affiliation.objects.filter(
            organisation_id=self.organisation_id,
            kind=self.kind,
            other_id=self.other_id,
            described=self.described,
            programme_id=self.programme_id,
            start_year=self.start_year,
            end_year=self.end_year,
        ).exclude(pk=self.pk)
        if self.organisation_id is not None and same.exists():
            raise ValidationError(self.DUPLICATE, code="duplicate")
        super().clean()

    def key_basis(self):
        return f"{self.kind} {self.other.slug if self.other else self.described}"

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
        """The organisation at the other end (None where the passage names none)."""
        return self.affiliation.organisation if self.incoming else self.affiliation.other

    @property
    def name(self):
        """The other end's name: the organisation's display name, or the passage's words for
        what it describes."""
        organisation = self.organisation
        return organisation.display_name if organisation else self.affiliation.described

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
        return f"{self.before}{self.name}{self.after}"

    def sort_key(self):
        organisation = self.organisation
        name = organisation.name if organisation else self.affiliation.described
        return Affiliation.sort_key(self.kind, name)


# Every kind of cited record, in the order that restores them (a programme before the
# affiliations about it) and that the fixture lists them in.
RECORD_MODELS = [
    Citation,
    Statement,
    MemberBenefit,
    Programme,
    KeyFigure,
    Role,
    Affiliation,
    AreaServed,
    OtherName,
    Identifier,
]


# Readers' suggestions (organisations/suggestions.py) --------------------------------------------

# How long a closed suggestion keeps its sender's e-mail address (remove_suggestion_emails).
KEEP_EMAIL_DAYS = 30


class SuggestionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=Suggestion.OPEN)

    def keeping_email_past(self, moment):
        """Closed before `moment`, still holding an e-mail address."""
        return self.exclude(email="").filter(closed__lt=moment)


class Suggestion(models.Model):
    """A reader's suggestion: a change to an organisation, or an organisation to add, with the
    evidence for it (a web address and the passage there that says so). Moderated by editors;
    its sender follows it on a private page (`token`)."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        NEEDS_INFORMATION = "needs-information", "Needs information"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"

    OPEN = (Status.NEW, Status.NEEDS_INFORMATION)

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suggestions",
        help_text="The organisation it is about; blank for an organisation to add.",
    )
    name = models.CharField(
        "organisation's name",
        max_length=200,
        help_text="As the sender named it (the organisation's name when it was sent).",
    )
    problem = fields.TextField("what is wrong or missing", max_length=2000)
    correction = fields.TextField(max_length=2000)
    evidence_url = models.URLField("evidence: web address", max_length=500)
    evidence_passage = fields.TextField("evidence: the passage", max_length=2000)
    email = models.EmailField(
        "sender's e-mail address",
        blank=True,
        help_text="Removed 30 days after the suggestion is closed. Never shown publicly.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    reason = fields.TextField(
        "reason given to the sender",
        blank=True,
        max_length=2000,
        help_text="Shown on the sender's status page and in the e-mail telling them.",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    sent = models.DateTimeField(auto_now_add=True)
    closed = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-sent"]

    def __str__(self):
        return f"{self.reference}: {self.name}"

    def get_absolute_url(self):
        return reverse("organisations:suggestion-status", kwargs={"token": self.token})

    @property
    def reference(self):
        return f"S{self.pk:05d}" if self.pk else "S(new)"

    @property
    def is_open(self):
        return self.status in self.OPEN

    @property
    def is_addition(self):
        return self.organisation_id is None
