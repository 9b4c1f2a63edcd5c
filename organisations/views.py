from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import downloads, exports, facets, suggestions
from .basket import PARAMETER as BASKET
from .basket import Basket
from .cache import data_version
from .diagram import network_diagram, organisation_diagram
from .filters import OrganisationFilter
from .forms import CompareForm, NetworkForm, SuggestForm, SuggestionForm
from .history import History
from .index import Results
from .models import Organisation, SearchName, Source, Suggestion, detail_url


class Canonical:
    """A page's canonical query: the one that asks for exactly what the page shows, with its
    parameters in a fixed order, in the context as `canonical_query` (a QueryDict; None for a
    page that has none, such as one showing an error). The page's links are made from it, and
    only a page asked for by it is cached (organisations/cache.py): variations of an address
    are answered, never stored. Pages without parameters have an empty one."""

    def canonical_query(self, context):
        return QueryDict()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["canonical_query"] = self.canonical_query(context)
        return context


CLOSEST_SHOWN = 3  # names suggested when nothing matches a search


class OrganisationListView(Canonical, FilterView):
    filterset_class = OrganisationFilter
    queryset = Organisation.objects.for_list()
    paginate_by = 20
    template_name = "organisations/organisation_list.html"

    def get_context_data(self, **kwargs):
        filterset = self.filterset
        # Its results in order (the paginator slices a page of them) and each filter option's
        # count, both from the list's index (facets.selected); none while the form has errors.
        # Just after a write, while the index is rebuilt, from the last one: `self.behind`.
        self.counts, results, self.behind = None, [], False
        if filterset.is_valid():
            selection, self.counts, current = facets.selected(filterset)
            self.behind = not current
            order = selection.ordered(filterset.chosen_sort, filterset.local_first)
            results = Results(filterset.queryset, *order)
        basket = Basket(self.request.GET.getlist(BASKET))
        context = super().get_context_data(
            **{**kwargs, "object_list": results},
            sidebar=facets.Sidebar(filterset, self.counts, basket),
            basket=basket,
            behind=self.behind,
        )
        # The pages the pagination links to: the first, the last, and those around this one.
        context["page_range"] = list(
            context["paginator"].get_elided_page_range(
                context["page_obj"].number, on_each_side=1, on_ends=1
            )
        )
        if self.counts and not self.counts.results and filterset.search:
            # Nothing matches: the organisations whose names come closest.
            context["closest"] = Organisation.objects.listed().closest(
                filterset.search, CLOSEST_SHOWN
            )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.behind:  # from the index before the last write: for this request only
            patch_cache_control(response, no_store=True)
        return response

    def canonical_query(self, context):
        query = context["sidebar"].canonical
        page = context["page_obj"]
        if query is not None and page.number > 1:
            query = query.copy()
            query["page"] = str(page.number)
        return query


class OrganisationDetailView(Canonical, DetailView):
    queryset = Organisation.objects.for_detail()

    def get_context_data(self, **kwargs):
        sources = self.object.sources()  # one query
        return super().get_context_data(
            # Drawn from the prefetched affiliations: no more queries.
            diagram=organisation_diagram(self.object),
            # "Compare with": finds others to compare it with, on the comparison page.
            compare_from=[self.object],
            sources=sources,
            # The evidence beside each fact names its source by its number in the list.
            cited_sources=Organisation.cited_sources(sources),
            **kwargs,
        )


class OrganisationChangesView(Canonical, DetailView):
    """An organisation's public change log: what changed and when, from its history (without
    who changed it)."""

    queryset = Organisation.objects.with_last_updated()
    template_name = "organisations/organisation_changes.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(changes=History(self.object).public(), **kwargs)


class NetworkView(Canonical, TemplateView):
    """One organisation's affiliations, as a diagram and as a list: `?o=isme`, or without a
    choice the most affiliated. Each organisation in the diagram links to its own; the page
    offers the SHOWN most affiliated to choose from. (A drawing of the whole network would be
    too small to read, and one of part of it would leave out partners.)"""

    template_name = "organisations/network.html"
    SHOWN = 40

    def get_context_data(self, **kwargs):
        chosen = self.request.GET.get("o", "")
        choices = Organisation.objects.most_affiliated(self.SHOWN, first=chosen.strip())
        form = NetworkForm(self.request.GET, default=choices[0][0] if choices else "")
        organisation = form.organisation if form.is_valid() else None
        return super().get_context_data(
            form=form,
            choices=choices,
            organisation=organisation,
            diagram=organisation and network_diagram(organisation, network_url),
            **kwargs,
        )

    def canonical_query(self, context):
        """`?o=...` for a chosen organisation; none for a choice of no organisation."""
        form = context["form"]
        if not form.is_valid():
            return None
        query = QueryDict(mutable=True)
        if form.cleaned_data["o"]:
            query["o"] = form.cleaned_data["o"]
        return query


def network_url(organisation):
    """The network page's address for `organisation`'s affiliations."""
    return f"{reverse('organisations:network')}?{urlencode({'o': organisation.slug})}"


class CompareView(Canonical, TemplateView):
    """Two to four organisations side by side: `?o=isme&o=amie`. GET only, so shareable.

    Without two good choices, or when asked to `find` more, it offers a choice: those chosen,
    ticked, and others matching `find`. Bad choices say what is wrong (status 200).
    """

    template_name = "organisations/compare.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        query = self.request.GET
        form = CompareForm(query if "o" in query or "find" in query else None)
        organisations = [] if form.finding else form.organisations
        context = super().get_context_data(form=form, organisations=organisations, **kwargs)
        if organisations:
            slugs = [org.slug for org in organisations]
            context["columns"] = [
                (org, urlencode([("o", slug) for slug in slugs if slug != org.slug]))
                for org in organisations
            ]
            context["benefit_rows"] = form.benefit_rows()
        else:
            chosen = form.chosen()
            context["chosen"] = chosen
            context["candidates"], context["more_candidates"] = form.candidates(chosen)
        return context

    def canonical_query(self, context):
        """`?o=...` for a comparison; none for a chooser asked to find or to show errors."""
        if context["organisations"]:
            query = QueryDict(mutable=True)
            query.setlist("o", [org.slug for org in context["organisations"]])
            return query
        return None if context["form"].is_bound else QueryDict()


class SuggestView(View):
    """Type-ahead for the list's search box (static/js/typeahead.js): `?q=<what was typed>`
    gives up to SUGGESTED organisations whose names or acronyms begin with it, as JSON:
    {"q": ..., "results": [{"name", "acronym", "url"}]}. Cached as pages are, when asked for by
    its canonical query (`q`, white space collapsed)."""

    http_method_names = ["get", "head", "options"]
    SUGGESTED = 8

    def get(self, request):
        form = SuggestForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors}, status=400)
        typed = form.cleaned_data["q"]
        results = [
            {"name": name, "acronym": acronym, "url": detail_url(slug)}
            for name, acronym, slug in SearchName.objects.suggestions(typed, self.SUGGESTED)
        ]
        response = JsonResponse({"q": typed, "results": results})
        response["X-Robots-Tag"] = "noindex"
        response.canonical_query = QueryDict(mutable=True)
        response.canonical_query["q"] = typed
        return response


# Exports: the list's CSV and JSON twins -------------------------------------------------------


class ExportView(View):
    """All the organisations the list shows for the same query string (every page: `page` is
    ignored), streamed. Invalid filters give a 400 naming the fields, never an empty file."""

    http_method_names = ["get", "head", "options"]
    content_type = None
    headers = {}

    def get(self, request):
        filterset = OrganisationFilter(
            request.GET or None, queryset=Organisation.objects.all(), request=request
        )
        if not filterset.is_valid():
            return self.invalid(filterset.form.errors)
        return StreamingHttpResponse(
            self.stream(filterset.qs, request.build_absolute_uri),
            content_type=self.content_type,
            headers={"X-Robots-Tag": "noindex", **self.headers},
        )

    def stream(self, organisations, absolute_url):
        raise NotImplementedError

    def invalid(self, errors):
        raise NotImplementedError


class CsvExportView(ExportView):
    content_type = "text/csv; charset=utf-8"
    headers = {"Content-Disposition": 'attachment; filename="organisations.csv"'}

    def stream(self, organisations, absolute_url):
        return exports.stream_csv(exports.rows(organisations, passages=False), absolute_url)

    def invalid(self, errors):
        lines = ["Invalid search or filters:"]
        lines += [
            f"{field}: {message}" for field, messages in errors.items() for message in messages
        ]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )


class JsonExportView(ExportView):
    content_type = "application/json"

    def stream(self, organisations, absolute_url):
        rows = exports.rows(organisations, with_records=True)  # each with its passage
        return exports.stream_json(rows, absolute_url, exports.source_records(organisations.db))

    def invalid(self, errors):
        errors = {field: list(messages) for field, messages in errors.items()}
        return JsonResponse({"errors": errors}, status=400)


# An organisation's own JSON and CSV: its page's twins --------------------------------------


class OrganisationExportView(View):
    """One organisation, as the list's exports give it (the JSON with every record, its source
    and passage; the CSV's one row), not streamed: cached as its page is. 404 for no such
    organisation."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, slug):
        organisation = Organisation.objects.filter(slug=slug)
        response = self.export(organisation, request.build_absolute_uri, slug)
        response["X-Robots-Tag"] = "noindex"
        response.canonical_query = QueryDict()  # no parameters: cached as a page is
        return response

    def export(self, organisation, absolute_url, slug):
        raise NotImplementedError


def _one(rows):
    rows = list(rows)
    if not rows:
        raise Http404("No such organisation.")
    return rows


class OrganisationJsonView(OrganisationExportView):
    def export(self, organisation, absolute_url, slug):
        rows = _one(exports.rows(organisation, with_records=True))
        sources = exports.source_records(organisation.db)
        text = "".join(exports.stream_json(rows, absolute_url, sources))
        return HttpResponse(text, content_type="application/json")


class OrganisationCsvView(OrganisationExportView):
    def export(self, organisation, absolute_url, slug):
        rows = _one(exports.rows(organisation))
        return HttpResponse(
            "".join(exports.stream_csv(rows, absolute_url)),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{slug}.csv"'},
        )


# Downloads: the whole directory -------------------------------------------------------------


class DownloadsView(Canonical, TemplateView):
    """The whole directory to download: a CSV for each kind of record, the JSON, and the Data
    Package describing the CSVs, with the data version, date and licences."""

    template_name = "downloads.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tables=downloads.TABLES,
            about=downloads.about(data_version(), self.request.build_absolute_uri),
            **kwargs,
        )


class DownloadView(View):
    """One download, streamed: bounded memory however large the directory."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, name=None):
        content_type, filename, stream = self.download(request, name)
        return StreamingHttpResponse(
            stream,
            content_type=content_type,
            headers={"Content-Disposition": f'attachment; filename="musicdir-{filename}"'},
        )


class TableDownloadView(DownloadView):
    def download(self, request, name):
        table = downloads.TABLES_BY_NAME.get(name)
        if table is None:
            raise Http404("No such table.")
        return "text/csv; charset=utf-8", table.filename, table.stream(request.build_absolute_uri)


class JsonDownloadView(DownloadView):
    def download(self, request, name):
        stream = downloads.stream_json(data_version(), request.build_absolute_uri)
        return "application/json", "organisations.json", stream


def datapackage(request):
    """The Frictionless Data Package describing the CSVs (small: not streamed; cached)."""
    package = downloads.datapackage(data_version(), request.build_absolute_uri)
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response.canonical_query = QueryDict()
    return response


class AboutTheDataView(Canonical, TemplateView):
    """What the directory is, how its entries are built and checked, what is quoted and what is
    ours, the licence of our own data, and how to report an error."""

    template_name = "about.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            contact_email=settings.CONTACT_EMAIL,
            licence=downloads.LICENCE,
            sources=Source.objects.select_related("publisher"),
            **kwargs,
        )


# Readers' suggestions (organisations/suggestions.py) --------------------------------------------


@method_decorator(never_cache, name="dispatch")
class SuggestionView(TemplateView):
    """“Suggest a change” to an organisation (`slug`), or “Suggest an organisation” (none).
    Never cached (the form holds a CSRF token and a form token). A valid suggestion is saved,
    and the sender sent to its status page; spam is refused (suggestions.py). Outside the
    request's transaction (urls.py): the page only reads, but for that one save."""

    template_name = "organisations/suggestion_form.html"
    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request, slug=None):
        self.organisation = get_object_or_404(Organisation, slug=slug) if slug else None
        return super().dispatch(request)

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request):
        if request.POST.get(suggestions.HONEYPOT):
            return self.refused("organisations/suggestion_refused.html", status=400)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if suggestions.over_the_limit(request):
            return self.refused("organisations/suggestion_limit.html", status=429)
        with transaction.atomic():  # the e-mail to the editors goes once it is committed
            suggestion = form.save(commit=False)
            suggestion.token = suggestions.new_token()
            suggestion.save()
            suggestions.received(suggestion, request)
        return redirect(f"{suggestion.get_absolute_url()}?sent=1")

    def form(self, data=None):
        return SuggestionForm(data, organisation=self.organisation)

    def refused(self, template, status):
        return self.response_class(
            request=self.request,
            template=template,
            context={"organisation": self.organisation},
            status=status,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organisation=self.organisation, honeypot=suggestions.HONEYPOT, **kwargs
        )


@method_decorator(never_cache, name="dispatch")
class SuggestionStatusView(DetailView):
    """A suggestion's private status page: its address (the token) is known only to the sender.
    Never cached, never indexed; shows no e-mail address."""

    queryset = Suggestion.objects.select_related("organisation")
    slug_field = slug_url_kwarg = "token"
    context_object_name = "suggestion"
    template_name = "organisations/suggestion_status.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(just_sent="sent" in self.request.GET, **kwargs)

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response
