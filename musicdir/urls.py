from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="organisations:list"), name="home"),
    path("organisations/", include("organisations.urls")),
    path("admin/", admin.site.urls),
]
