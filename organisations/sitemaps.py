from django.contrib.sitemaps import Sitemap

from .models import Organisation


class OrganisationSitemap(Sitemap):
    """Every organisation's page, closed ones included: their pages stay up."""

    def items(self):
        return Organisation.objects.order_by("name").only("slug")
