"""The benchmark (devtools/bench/): it serves its own reference page, which the site's URLs do
not hold; its pool of URLs is distinct, repeatable, and every URL answers."""

from io import StringIO

import pytest
from django.core.management import call_command
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


@pytest.fixture
def synthetic_directory(db):
    """The directory plus 60 synthetic organisations: three pages of the list."""
    call_command("generate_synthetic", "60", "--seed", "3", stdout=StringIO())


def test_the_benchmarks_pool_is_distinct_repeatable_and_answered(client, synthetic_directory):
    from devtools.bench import pool

    drawn = pool.draw(seed=1, per_variant=6)
    assert list(drawn) == list(pool.VARIANTS)
    assert all(len(urls) == 6 for urls in drawn.values()), drawn
    urls = [url for urls in drawn.values() for url in urls]
    assert len(set(urls)) == len(urls)
    assert not set(urls) & set(pool.WARM)
    # The same seed, the same pool; another seed, another.
    assert pool.draw(seed=1, per_variant=6) == drawn
    assert pool.draw(seed=2, per_variant=6) != drawn
    assert all("page=" in url for url in drawn["list, deep pages"])  # and a 200: in range
    assert all("/synthetic-" in url for url in drawn["detail"])
    # Every URL of the pool, and those asked for first, answer.
    answers = {url: client.get(url).status_code for url in [*pool.WARM, *urls]}
    assert {url: status for url, status in answers.items() if status != 200} == {}


def test_a_misspelling_changes_one_letter_but_the_first():
    import random

    from devtools.bench.pool import misspelt

    rng = random.Random(1)
    for word in ["music", "eastbrook", "hub"]:
        for _ in range(20):
            wrong = misspelt(rng, word)
            assert len(wrong) == len(word) and wrong[0] == word[0]
            assert sum(a != b for a, b in zip(wrong, word, strict=True)) == 1
