"""The benchmark serves its own reference page (devtools/bench/); the site's URLs hold none."""

import pytest
from django.urls import Resolver404, resolve


def test_the_sites_urls_have_no_benchmark_page():
    with pytest.raises(Resolver404):
        resolve("/bench/hello/")


@pytest.mark.django_db
def test_the_benchmarks_urls_add_a_hello_world_view_to_the_sites(client, settings):
    from devtools.bench import settings as bench_settings

    settings.ROOT_URLCONF = bench_settings.ROOT_URLCONF
    hello = client.get("/bench/hello/")
    assert (hello.status_code, hello.content) == (200, b"Hello, world")
    assert client.get("/organisations/isme/").status_code == 200
