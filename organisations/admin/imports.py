"""Importing from a spreadsheet through the admin (organisations/imports.py does the work): the
"Import" button on each list, a template of the columns to download, and a preview of every
row's outcome and error before anything is saved."""

import csv

from django.http import HttpResponse
from django.urls import path
from import_export.admin import ImportMixin

from .. import imports


class Importing(ImportMixin):
    """The "Import" page of this model's list. Editors may import: they may add and change."""

    import_template_name = "admin/organisations/import.html"
    import_error_display = ("message",)

    def get_import_formats(self):
        return imports.FORMATS

    def get_import_resource_classes(self, request):
        return [imports.RESOURCES[self.opts.model_name]]

    def get_urls(self):
        template = path(
            "import/template.csv",
            self.admin_site.admin_view(self.import_template_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_import_template",
        )
        return [template, *super().get_urls()]

    def import_template_view(self, request):
        """A CSV with the columns an import of this model reads, to fill in."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.model_name}-import-template.csv"'
        )
        csv.writer(response).writerow(
            imports.template_headers(imports.RESOURCES[self.opts.model_name])
        )
        return response
