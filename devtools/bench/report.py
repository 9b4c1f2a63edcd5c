"""The benchmark's report: for each size, one table (the pool's variants, p50 and p95 on each
database; below them the first request after a write, the worker's memory, the cached ratio
to a static file and the CSV export), then each database's details. Markdown, for
devtools/bench/results.md; the tables alone go into the README between its markers."""

import os
import platform
import re
from datetime import UTC, datetime

from devtools.bench import cached, cold, percentile, pool

README_START = "<!-- benchmark results: written by `make bench` -->"
README_END = "<!-- end of benchmark results -->"


def render(sections, databases, args):
    """`sections`: {size: {database name: what run.measure found}}."""
    lines = [
        "# Benchmark results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {os.cpu_count()} "
        f"cores, Python {platform.python_version()}; {' and '.join(databases)}. "
        f"Seed {args.seed}, up to {args.per_variant} URLs per variant. `make bench` "
        "(devtools/bench/run.py) wrote it.",
        "",
        "**Cold**: each URL of the pool (distinct searches, filters, sorts, pages, "
        "organisations and type-ahead prefixes, drawn with the seed) asked for once, one at a "
        "time over a keep-alive connection, from one gunicorn worker that keeps no page, count "
        "or result (`MUSICDIR_CACHE=0 MUSICDIR_MEMO=0`) but keeps the list's index, built once "
        "per data version (built by the worker as it starts; the pool waits for the list's first "
        "answer, and a few warm-up requests, none in the pool); timed to the last byte on "
        "loopback. **First request after a write**: the list asked for right after the data "
        "version changed, while the worker builds its index again in the background (it waits "
        f"up to 2 s for it; median of {args.writes}), then how long after the write the new "
        "index answered. "
        f"**Cached**: a URL repeated by wrk over {args.connections} connections to "
        f"{args.workers} workers, as a ratio to a static file served by the same gunicorn in "
        "the same run. Goals are issue 14's, at 100,000 organisations.",
        "",
    ]
    for size, found in sections.items():
        lines += [f"## {size:,} organisations", "", *table(size, found, databases), ""]
        for name, section in found.items():
            lines += details(name, section)
    return "\n".join(lines) + "\n"


def tables(sections, databases):
    """The tables alone, for the README."""
    lines = []
    for size, found in sections.items():
        lines += [f"**{size:,} organisations**", "", *table(size, found, databases), ""]
    return "\n".join(lines)


def table(size, found, databases):
    header = ["", *(f"{db} {p}" for db in databases for p in ("p50", "p95")), "goal", "errors"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" + " ---: |" * (len(header) - 1)]
    summaries = {db: cold.summary(found[db]["cold"]) if db in found else None for db in databases}

    def row(label, cells, goal="", errors=""):
        lines.append(f"| {label} | " + " | ".join([*cells, goal, errors]) + " |")

    for variant, goal in pool.VARIANTS.items():
        cells, errors, counts = [], [], set()
        for db in databases:
            got = (summaries[db] or {}).get(variant)
            if got is None:
                cells += ["not measured", ""]
                continue
            answered, p50, p95, failed = got
            counts.add(answered + failed)
            cells += [ms(p50), ms(p95)]
            errors.append(str(failed))
        urls = "/".join(str(n) for n in sorted(counts))
        row(f"{variant} ({urls} URLs)", cells, f"p95 ≤ {goal} ms", " / ".join(errors))

    def each(measure):
        cells = []
        for db in databases:
            cells += measure(found[db]) if db in found else ["", ""]
        return cells

    row(
        "first list request after a write (waits up to 2 s for the new index); the new "
        "index answering, after the write",
        each(
            lambda s: [
                ms(median(s["cold"]["after_write_ms"])),
                ms(median(s["cold"].get("current_ms") or s["cold"]["after_write_ms"])),
            ]
        ),
    )
    row(
        "one worker's memory (RSS): before the list's index; with it",
        each(lambda s: [mb(s["cold"]["rss_mb"][w]) for w in ("started", "index built")]),
    )
    row(
        "the list's index alone: its arrays; the time to build it",
        each(lambda s: [mb(s["index"]["arrays_mb"], 1), ms(s["index"]["build_s"] * 1000)]),
    )

    def ratio(section):
        to_static, _ = cached.ratios(section["cached"])
        pages = [to_static[name] for name in cached.PAGES]
        return [f"{to_static['list']:.0%}", f"{min(pages):.0%}"]

    row(
        f"cached: a repeated URL's req/s ÷ a static file's; the list, the lowest of "
        f"{len(cached.PAGES)} pages",
        each(ratio),
        "≥ 50%",
    )

    def export(section):
        result = section["cached"]["export"]
        if not result["requests"]:
            return ["failed", ""]
        return [seconds(result["p50_ms"]), seconds(result["max_ms"])]

    row(
        f"CSV export of all {size:,} (streamed): a whole download, median; slowest",
        each(export),
        "≤ 2 s",
        " / ".join(str(found[db]["cached"]["export"]["errors"]) for db in databases if db in found),
    )
    row(
        "CSV export: a process's peak memory growth while streaming it",
        each(lambda s: [mb(s["export_memory_mb"]), ""]),
        "bounded",
    )
    return lines


def details(name, section):
    result = section["cold"]
    rss = ", ".join(f"{what} {mb(value)}" for what, value in result["rss_mb"].items())
    errors = [
        f"- {variant}: `{url}` → {status}"
        for variant, found in result["variants"].items()
        for url, status in found["errors"]
    ]
    export = section["cached"]["export"]
    lines = [
        f"### {name}",
        "",
        f"Data ready in {section['generated_s']:.1f} s. The pool: "
        f"{sum(len(v['times']) + len(v['errors']) for v in result['variants'].values())} URLs "
        f"(the list has {section['pages']:,} pages). The first list page, the worker "
        f"building its index as it starts: {ms(result['warm_ms'])}. "
        f"After each write, the first list request: "
        f"{', '.join(ms(t) for t in result['after_write_ms'])} "
        f"({sum(result.get('behind', []))} of them from the last index); the next: "
        f"{', '.join(ms(t) for t in result['next_ms'])}; the list from the new index "
        f"{', '.join(ms(t) for t in result.get('current_ms', []))} after the write. "
        f"The worker's memory (RSS): {rss}. "
        f"The CSV export: {cached.export_summary(export)}; a process streaming it grew by "
        f"{mb(section['export_memory_mb'])}.",
        "",
    ]
    if errors:
        lines += [f"Non-200 answers ({len(errors)}):", "", *errors[:20], ""]
    lines += ["The slowest URLs of each variant, cold:", ""]
    for variant, times in cold.slowest(result).items():
        urls = ", ".join(f"`{url}` {ms(time)}" for url, time in times)
        lines.append(f"- {variant}: {urls}")
    lines.append("")
    if result["log"].strip() or section["cached"]["log"].strip():
        lines += ["gunicorn said:", "", "```", result["log"] + section["cached"]["log"], "```", ""]
    to_static, to_hello = cached.ratios(section["cached"])
    lines += [
        "Cached (wrk):",
        "",
        "| page | req/s | p50 | p95 | p99 | static file beside it, req/s | ÷ static "
        "| ÷ hello | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page, got in section["cached"]["pages"].items():
        lines.append(
            f"| {page} | {got['rps']:.0f} | {ms(got['p50_ms'])} | {ms(got['p95_ms'])} | "
            f"{ms(got['p99_ms'])} | {got['static_rps']:.0f} | {pct(to_static.get(page))} | "
            f"{pct(to_hello.get(page))} | "
            f"{got['errors']} |"
        )
    lines += [
        "",
        "What EXPLAIN says the FilterSet's queries use (the exports' and the API's; the list "
        "counts and pages from its index, and asks the database only for a search's matches):",
        "",
        section["explain"],
        "",
    ]
    return lines


def write_readme(path, text):
    """Put `text` between the README's markers."""
    readme = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"{path} has no {README_START} … {README_END} to write the table into")
    replaced = f"{README_START}\n\n{text.strip()}\n\n{README_END}"
    path.write_text(pattern.sub(lambda _: replaced, readme), encoding="utf-8")


def median(values):
    return percentile(values, 50)


def ms(value):
    if value is None:
        return "none"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def seconds(value):
    return "none" if value is None else f"{value / 1000:.2f} s"


def mb(value, decimals=0):
    return f"{value:.{decimals}f} MB"


def pct(value):
    return "" if value is None else f"{value:.0%}"
