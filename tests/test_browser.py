"""Every generated HTML document, opened in headless Chromium: no console error, no missing
resource, nothing fetched from a network, and the key figures on the rendered page equal to the
lines they come from. A screenshot of each is saved; the schedule's PDF is read page by page.

Chromium is Debian's (``/usr/bin/chromium``), driven through Playwright. Without it these tests
are skipped, unless ``LOCALPAY_REQUIRE_BROWSER`` is set (as ``.ci/run`` does), when they fail.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal

import polars as pl
import pypdf
import pytest

from localpay.api import demo, diff_rulesets, open_ruleset
from localpay.manager import make_plugins
from localpay.money import format_money
from localpay.pipeline import Inputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

if CHROMIUM is None:
    if os.environ.get("LOCALPAY_REQUIRE_BROWSER"):
        raise RuntimeError("LOCALPAY_REQUIRE_BROWSER is set but Debian's chromium is not installed")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """A demo run of every area with its index, Stockport's schedule and a diff, written once
    for every test here."""
    root = tmp_path_factory.mktemp("documents")
    plugins = make_plugins(load_entry_points=False)
    every = demo(root / "demo", people=300)
    ran = next(d for d in every.areas if d.area == "stockport")
    schedule = ran.schedule
    changed = root / "new.yaml"
    changed.write_text(ran.ruleset.path.read_text().replace("then: {uplift: 10%}", "then: {uplift: 12%}"))
    diffed = diff_rulesets(ran.ruleset, open_ruleset(changed, plugins), plugins,
                           Inputs(ran.data.episodes, ran.data.assessments), "2025-06", root / "diff", "2025-04")
    return {"root": root, "demo": ran, "schedule": schedule, "diff": diffed, "every": every}


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def open_page(browser, path, screenshots):
    """The page at ``path`` with every console message and request it made; anything not a
    local file is refused and recorded."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    seen = {"console": [], "failed": [], "network": []}
    page.on("console", lambda message: seen["console"].append((message.type, message.text)))
    page.on("requestfailed", lambda request: seen["failed"].append(request.url))

    def only_files(route):
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            seen["network"].append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    shot = screenshots / f"{path.stem}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    return page, seen


def clean(seen) -> None:
    errors = [text for kind, text in seen["console"] if kind in ("error", "warning")]
    assert errors == [] and seen["failed"] == [] and seen["network"] == []


def test_every_statement_renders_cleanly_with_the_totals_of_its_lines(documents, browser, tmp_path):
    written = documents["demo"].written
    lines = pl.read_csv(written.out_dir / "lines.csv", infer_schema=False)
    statements = sorted(written.out_dir.glob("statement-*.html"))
    assert len(statements) == len(written.statements) >= 4
    for path in statements:
        page, seen = open_page(browser, path, tmp_path)
        clean(seen)
        statement_id = path.stem.removeprefix("statement-")
        mine = lines.filter(pl.col("statement_id") == statement_id)
        for status, column in (("payable", 2), ("held", 3)):
            total = sum((Decimal(a) for a in mine.filter(pl.col("status") == status)["amount"]), Decimal("0.00"))
            shown = page.locator("#summary tfoot td").all_inner_texts()
            assert shown[column] == format_money(total), (statement_id, status)
        assert page.locator("#summary tfoot td").all_inner_texts()[1] == f"{mine.height:,}"
        assert page.locator("figure.chart svg").count() >= 1
        page.close()


def test_the_schedule_renders_cleanly_and_its_pdf_carries_the_totals(documents, browser, tmp_path):
    written = documents["schedule"]
    expected = format_money(written.document["expected"]["total"])
    [html] = [f for f in written.files if f.suffix == ".html"]
    page, seen = open_page(browser, html, tmp_path)
    clean(seen)
    assert page.locator("#activity-plan tfoot td").all_inner_texts() == ["Expected annual contract value", expected]
    assert page.locator("#local-variations li").count() == len(documents["demo"].ruleset.rules)
    page.close()
    [pdf] = [f for f in written.files if f.suffix == ".pdf"]
    pages = pypdf.PdfReader(pdf).pages
    texts = [p.extract_text() for p in pages]
    assert all(f"page {n} of {len(pages)}" in text for n, text in enumerate(texts, start=1))
    assert any(expected in text for text in texts)
    assert any("Schedule 3: local variations" in text for text in texts)


def test_the_diff_renders_cleanly_with_its_total_change(documents, browser, tmp_path):
    diffed = documents["diff"]
    [html] = [f for f in diffed.files if f.suffix == ".html"]
    page, seen = open_page(browser, html, tmp_path)
    clean(seen)
    headline = page.locator("#totals .headline strong").all_inner_texts()
    totals = diffed.document["totals"]
    assert headline[:3] == [format_money(totals["before"]), format_money(totals["after"]), format_money(totals["change"])]
    assert totals["change"] > 0  # a bigger uplift pays more
    page.close()


def test_every_areas_statements_and_the_index_render_cleanly(documents, browser, tmp_path):
    every = documents["every"]
    page, seen = open_page(browser, every.index, tmp_path)
    clean(seen)
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    files = [h for h in hrefs if not h.startswith("#")]
    assert files and all((every.out / h).is_file() for h in files)
    rows = page.locator("#totals tbody tr").all()
    assert len(rows) == 5
    for row, ran in zip(rows, every.areas):
        cells = row.locator("td").all_inner_texts()
        payable = sum((s["totals"]["payable"] for s in ran.written.statements), Decimal("0.00"))
        assert cells[0] == ran.ruleset.document.area and cells[4] == format_money(payable)
    page.close()
    # every HTML document the demo wrote (each area's statements and schedule) opens cleanly
    documents_written = sorted(p for p in every.out.rglob("*.html") if p != every.index)
    latest = [p for p in documents_written if p.parent.name in ("statements", "schedule")]
    assert len(latest) == sum(len(ran.written.statements) for ran in every.areas) + len(every.areas)
    # and the statements of the months the ledger area issued before June, each in its month's folder
    earlier = [p for p in documents_written if p not in latest]
    assert {(p.parent.parent.parent.name, p.parent.name) for p in earlier} == {("stockport", "2025-04"),
                                                                               ("stockport", "2025-05")}
    for path in documents_written:
        page, seen = open_page(browser, path, tmp_path)
        clean(seen)
        page.close()
    # and each area's schedule PDF, page by page, carries its expected annual contract value
    for schedule in sorted(every.out.rglob("schedule-*.json")):
        expected = format_money(Decimal(json.loads(schedule.read_text())["expected"]["total"]))
        texts = [page.extract_text() for page in pypdf.PdfReader(schedule.with_suffix(".pdf")).pages]
        assert all(f"page {n} of {len(texts)}" in text for n, text in enumerate(texts, start=1))
        assert any(expected in text for text in texts), schedule.name
