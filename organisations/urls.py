from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("", views.OrganisationListView.as_view(), name="list"),
    # Before the detail path, so "compare" is not taken for an organisation's slug.
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("export.csv", views.CsvExportView.as_view(), name="export-csv"),
    path("export.json", views.JsonExportView.as_view(), name="export-json"),
    path("<slug:slug>/", views.OrganisationDetailView.as_view(), name="detail"),
]
