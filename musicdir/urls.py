from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.db import transaction
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView, TemplateView

from organisations import api, views
from organisations.api_docs import ApiDocsView
from organisations.cache import cached_page
from organisations.sitemaps import OrganisationSitemap

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="organisations:list"), name="home"),
    path("organisations/", include("organisations.urls")),
    # Before the API's own addresses: the documentation page, rendered by the site.
    path("api/v1/docs/", cached_page(ApiDocsView.as_view()), name="api-docs"),
    path("api/v1/", api.urls()),
    path("about/", cached_page(views.AboutTheDataView.as_view()), name="about"),
    # The whole directory to download (organisations/downloads.py).
    path("downloads/", cached_page(views.DownloadsView.as_view()), name="downloads"),
    path("downloads/datapackage.json", cached_page(views.datapackage), name="datapackage"),
    path("downloads/organisations.json", views.JsonDownloadView.as_view(), name="download-json"),
    path("downloads/<slug:name>.csv", views.TableDownloadView.as_view(), name="download-csv"),
    path(settings.ADMIN_URL, admin.site.urls),  # DJANGO_ADMIN_URL, "admin/" by default
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"organisations": OrganisationSitemap}},
        name="sitemap",
    ),
    # This site's address, for the print styles (templates/print.css).
    path(
        "print.css",
        transaction.non_atomic_requests(  # it reads no data
            cache_control(max_age=60 * 60 * 24)(
                TemplateView.as_view(
                    template_name="print.css", content_type="text/css; charset=utf-8"
                )
            )
        ),
        name="print-css",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8"),
        name="robots",
    ),
]
