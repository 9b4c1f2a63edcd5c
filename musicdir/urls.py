from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from organisations import api
from organisations.api_docs import ApiDocsView
from organisations.cache import cached_page
from organisations.sitemaps import OrganisationSitemap
from organisations.views import AboutTheDataView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="organisations:list"), name="home"),
    path("organisations/", include("organisations.urls")),
    # Before the API's own addresses: the documentation page, rendered by the site.
    path("api/v1/docs/", cached_page(ApiDocsView.as_view()), name="api-docs"),
    path("api/v1/", api.urls()),
    path("about/", cached_page(AboutTheDataView.as_view()), name="about"),
    path(settings.ADMIN_URL, admin.site.urls),  # DJANGO_ADMIN_URL, "admin/" by default
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"organisations": OrganisationSitemap}},
        name="sitemap",
    ),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8"),
        name="robots",
    ),
]
