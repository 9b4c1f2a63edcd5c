"""Atom feeds (Django's syndication framework): the organisations a list URL shows that were
added or changed, newest first, for any search and filters (the list's own FilterSet, so the
feed and the page agree); and the directory's latest changes, from its history."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponse, QueryDict
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed

from . import facets
from .filters import OrganisationFilter
from .history import RecentChanges
from .models import Organisation

ENTRIES = 50  # the newest entries a feed holds


class OrganisationsFeed(Feed):
    """`/organisations/feed.atom?<the list's query>`: up to ENTRIES of the organisations the
    list shows for the same query, by when each or one of its records last changed (its
    history), newest first. Invalid filters give a 400 naming them."""

    feed_type = Atom1Feed
    description_template = None

    def __call__(self, request, *args, **kwargs):
        filterset = OrganisationFilter(
            request.GET or None, queryset=Organisation.objects.for_list(), request=request
        )
        if not filterset.is_valid():
            lines = [
                f"{field}: {message}"
                for field, messages in filterset.form.errors.items()
                for message in messages
            ]
            return HttpResponse(
                "\n".join(["Invalid search or filters:", *lines]) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        request.feed_filterset = filterset
        response = super().__call__(request, *args, **kwargs)
        # Stored in the page cache when asked for by the list's canonical query (worked out
        # from the list's counts), unless those are from before the last write.
        _, counts, current = facets.selected(filterset)
        response.canonical_query = facets.Sidebar(filterset, counts).canonical
        if not current:
            patch_cache_control(response, no_store=True)
        return response

    def get_object(self, request):
        return request.feed_filterset

    def title(self, filterset):
        search = filterset.form.cleaned_data.get("q")
        matching = f" matching “{search}”" if search else ""
        return f"Music education organisations{matching}, added or changed – musicdir"

    def subtitle(self, filterset):
        return "The organisations the list shows for this search and these filters, newest first."

    def link(self, filterset):
        query = filterset.data.copy()
        query.pop("page", None)
        return reverse("organisations:list") + (f"?{query.urlencode()}" if query else "")

    def items(self, filterset):
        # The list's organisations; those whose history records nothing are never "added or
        # changed" (every write path records one).
        return (
            filterset.qs.with_last_updated()
            .filter(last_updated__isnull=False)
            .order_by("-last_updated", "name")[:ENTRIES]
        )

    def item_title(self, organisation):
        return organisation.display_name

    def item_description(self, organisation):
        return organisation.summary

    def item_updateddate(self, organisation):
        return organisation.last_updated


class ChangesFeed(Feed):
    """`/organisations/changes.atom`: the directory's latest changes, newest first, each as
    its organisation's public change log shows it."""

    feed_type = Atom1Feed
    title = "Changes to the directory – musicdir"
    subtitle = "What changed in the directory's entries, and when: newest first."

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response.canonical_query = QueryDict()  # no parameters: cached as a page is
        return response

    def link(self):
        return reverse("organisations:changes-feed")

    def get_object(self, request):
        return request

    def items(self, request):
        changes = RecentChanges(ENTRIES).public()
        feed = request.build_absolute_uri(reverse("organisations:changes-feed"))
        for change in changes:
            change.guid = f"{feed}#{change.id}"  # an entry's id is an absolute IRI
        return changes

    def item_title(self, change):
        name = change.organisation[1] if change.organisation else change.record
        what = f"{change.kind} {change.action}"
        if change.kind != "organisation":
            what += f": “{change.record}”"
        return f"{name}: {what[:1].upper()}{what[1:]}"

    def item_description(self, change):
        return "; ".join(
            f"{label}: {before or '(blank)'} → {after or '(blank)'}"
            for label, before, after in change.fields
        )

    def item_link(self, change):
        if change.organisation is None:  # deleted since
            return reverse("organisations:list")
        return reverse("organisations:changes", args=[change.organisation[0]])

    def item_guid(self, change):
        return change.guid

    item_guid_is_permalink = False

    def item_updateddate(self, change):
        return change.when

    def item_pubdate(self, change):
        return change.when
