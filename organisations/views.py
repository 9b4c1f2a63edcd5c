from django.views.generic import DetailView
from django_filters.views import FilterView

from .filters import OrganisationFilter
from .models import Organisation


class OrganisationListView(FilterView):
    filterset_class = OrganisationFilter
    queryset = Organisation.objects.for_list()
    paginate_by = 20
    template_name = "organisations/organisation_list.html"


class OrganisationDetailView(DetailView):
    queryset = Organisation.objects.for_detail()
