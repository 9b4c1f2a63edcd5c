from django.db.transaction import non_atomic_requests
from django.urls import path

from . import feeds, views
from .cache import cached_page

app_name = "organisations"

# Its form only reads, and its one write is a transaction of its own (views.SuggestionView).
suggest = non_atomic_requests(views.SuggestionView.as_view())

urlpatterns = [
    # Public pages are cached whole and keyed by the data version (cache.py): never stale.
    path("", cached_page(views.OrganisationListView.as_view()), name="list"),
    # Before the detail path, so "compare" and "network" are not taken for slugs.
    path("compare/", cached_page(views.CompareView.as_view()), name="compare"),
    path("network/", cached_page(views.NetworkView.as_view()), name="network"),
    path("suggest.json", cached_page(views.SuggestView.as_view()), name="suggest"),
    # Readers' suggestions: never cached (a form with tokens; a private status page).
    path("suggest/", suggest, name="suggest-organisation"),
    path(
        "suggestions/<slug:token>/",
        non_atomic_requests(views.SuggestionStatusView.as_view()),
        name="suggestion-status",
    ),
    path("export.csv", views.CsvExportView.as_view(), name="export-csv"),
    path("export.json", views.JsonExportView.as_view(), name="export-json"),
    # Atom: the list's organisations added or changed, for any query; the directory's changes.
    path("feed.atom", cached_page(feeds.OrganisationsFeed()), name="feed"),
    path("changes.atom", cached_page(feeds.ChangesFeed()), name="changes-feed"),
    path("<slug:slug>/", cached_page(views.OrganisationDetailView.as_view()), name="detail"),
    path("<slug:slug>/suggest/", suggest, name="suggest-change"),
    path(
        "<slug:slug>/changes/",
        cached_page(views.OrganisationChangesView.as_view()),
        name="changes",
    ),
    # The page's twins: the organisation as the exports give it.
    path(
        "<slug:slug>/export.json",
        cached_page(views.OrganisationJsonView.as_view()),
        name="detail-json",
    ),
    path(
        "<slug:slug>/export.csv",
        cached_page(views.OrganisationCsvView.as_view()),
        name="detail-csv",
    ),
]
