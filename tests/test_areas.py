"""The five example areas: each bundled ruleset loads, validates with no warnings and passes its
own tests (at least four cases, one naming its distinctive option); ``demo(area=...)`` runs each
on synthetic data shaped for it, its statements reconcile to its ``lines.csv`` and its schedule
is written; ``demo()`` with no area writes the same for all five and an index page whose every
link is a file on disk."""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser

import polars as pl
import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, ruleset_text

from localpay import api
from localpay.cases.model import load_cases
from localpay.cases.run import find_tests_file, run_tests
from localpay.manager import make_plugins
from localpay.cli import cli
from localpay.errors import LocalpayError
from localpay.money import format_money
from localpay.outfolder import verify
from localpay.pipeline import Inputs
from localpay.rules.lint import lint
from localpay.ruleset.load import bundled_rulesets

PEOPLE = 300
# the arrangements that make each area's own arrangement: its tests must name at least one
DISTINCTIVE = {
    "lambeth": {"living-well", "health-budgets", "social-care-budgets"},
    "northamptonshire": {"block", "risk-share", "personal-budgets"},
    "stockport": {"enablement-recovery"},
    "suffolk": {"personal-budgets"},
    "worcestershire": {"cquin", "payment-by-recovery"},
}
# the input tables each area's options read, which the demo must synthesise
TABLES = {"lambeth": {"budgets", "returns"}, "northamptonshire": {"budgets"}, "stockport": {"returns"},
          "suffolk": {"budgets"}, "worcestershire": {"returns"}}


def test_the_five_areas_are_bundled():
    assert sorted(name.split("/")[0] for name in bundled_rulesets()) == sorted(api.AREAS)


@pytest.mark.parametrize("area", api.AREAS)
def test_the_ruleset_validates_strictly_and_passes_its_own_tests(area, plugins):
    ruleset = api.open_ruleset(area, plugins)
    assert lint(ruleset) == []
    result = CliRunner().invoke(cli, ["validate", area, "--strict"])
    assert result.exit_code == 0 and result.output.endswith(" 0 warnings\n"), result.output
    results = run_tests(ruleset, plugins, find_tests_file(area))
    assert len(results) >= 4
    assert all(r.passed for r in results), "\n".join(f"{r.name}\n{r.diff}" for r in results if not r.passed)
    named = {name for located in load_cases(find_tests_file(area), make_plugins().input_tables) for name in located.case.arrangements or ()}
    assert named & DISTINCTIVE[area]


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory):
    root = tmp_path_factory.mktemp("areas")
    return {area: api.demo(root, people=PEOPLE, area=area) for area in api.AREAS}


@pytest.fixture(scope="module")
def all_at_once(tmp_path_factory):
    # no PDF: one_by_one writes each area's, and these tests compare the rest
    return api.demo(tmp_path_factory.mktemp("all"), people=PEOPLE, pdf=False)


@pytest.mark.parametrize("area", api.AREAS)
def test_demo_of_one_area_reconciles_and_writes_its_schedule(area, one_by_one):
    ran = one_by_one[area]
    assert ran.index is None and [d.area for d in ran.areas] == [area]
    [demo] = ran.areas
    assert demo.written.out_dir == ran.out / area / "statements"
    assert verify(ran.out / area) == [] and not [p for p in ran.out.iterdir() if p.name.startswith(".")]
    assert set(demo.data.tables) == TABLES[area] and all(p.is_file() for p in demo.data.tables.values())
    lines = pl.read_csv(demo.written.out_dir / "lines.csv", infer_schema=False)
    assert lines.height == demo.result.lines.height > 0
    assert demo.written.statements
    for statement in demo.written.statements:
        mine = lines.filter(pl.col("statement_id") == statement["id"])
        assert statement["totals"]["lines"] == mine.height
        assert demo.written.out_dir / f"statement-{statement['id']}.pdf" in demo.written.files
        for status in ("payable", "held"):
            total = sum((Decimal(a) for a in mine.filter(pl.col("status") == status)["amount"]), Decimal("0.00"))
            assert statement["totals"][status] == total, (statement["id"], status)
    assert demo.written.out_dir / "statements.xlsx" in demo.written.files
    suffixes = sorted(f.suffix for f in demo.schedule.files)
    assert suffixes == [".html", ".json", ".md", ".pdf"] and all(f.is_file() for f in demo.schedule.files)
    assert all(f.parent == ran.out / area / "schedule" for f in demo.schedule.files)


def test_each_demo_shows_its_areas_own_arrangement(one_by_one):
    def lines(area):
        return one_by_one[area].areas[0].result.lines

    lambeth = lines("lambeth")
    assert lambeth.filter(pl.col("share").is_not_null())["commissioner"].unique().sort().to_list() == ["72Q", "LBL"]
    assert set(lambeth.filter(pl.col("arrangement") == "living-well")["provider"]) == {"RV5", "CERT", "TREACH"}
    assert set(lambeth.filter(pl.col("option") == "phb")["commissioner"]) == {"72Q", "LBL"}
    northamptonshire = lines("northamptonshire")
    assert (northamptonshire.filter(pl.col("arrangement") == "cluster-tariff")["status"] == "shadow").all()
    assert northamptonshire.filter((pl.col("arrangement") == "risk-share") & (pl.col("unit") == "settlement")).height == 1
    stockport = lines("stockport")
    assert set(stockport.filter(pl.col("arrangement") == "enablement-recovery")["provider"]) == {"NRF", "NMS"}
    suffolk = lines("suffolk")
    assert suffolk.filter(pl.col("rules").fill_null("").str.contains("high-cost-placement"))["status"].unique().to_list() == ["held"]
    worcestershire = lines("worcestershire")
    assert {"on account", "withheld"} <= set(worcestershire.filter(pl.col("option").is_in(["cquin", "outcomes"]))["unit"])


def test_demo_of_every_area_writes_each_as_on_its_own(all_at_once, one_by_one):
    assert [d.area for d in all_at_once.areas] == list(api.AREAS)
    for demo in all_at_once.areas:
        alone = one_by_one[demo.area].areas[0]
        for name in ("lines.csv", "exceptions.csv"):
            assert (demo.written.out_dir / name).read_bytes() == (alone.written.out_dir / name).read_bytes()
        for path in (demo.data.episodes, demo.data.assessments, *demo.data.tables.values()):
            assert path.read_bytes() == (alone.data.episodes.parent / path.name).read_bytes()


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                (self.hrefs if name == "href" else self.external).append(value)


def test_the_index_links_every_document_with_links_that_resolve(all_at_once):
    index = all_at_once.index
    assert index == all_at_once.out / "index.html"
    html = index.read_text()
    parser = Links()
    parser.feed(html)
    files = [h for h in parser.hrefs if not h.startswith("#")]
    assert parser.external == [] and "http" not in "".join(files) and not any(h.startswith("/") for h in files)
    assert all((index.parent / h).is_file() for h in files)
    linked = {(index.parent / h).resolve() for h in files}
    for demo in all_at_once.areas:
        documents = [*demo.written.files, *demo.schedule.files, demo.data.episodes, demo.data.assessments,
                     *demo.data.tables.values()]
        assert {p.resolve() for p in documents} <= linked, demo.area
        payable = sum((s["totals"]["payable"] for s in demo.written.statements), Decimal("0.00"))
        assert format_money(payable) in html
    # the index and the manifest are the demo's only files outside the areas' folders; the manifest
    # lists the index, and each area's folder has its own listing every file in it
    assert sorted(p.name for p in all_at_once.out.iterdir()) == sorted([*api.AREAS, "index.html", "manifest.json"])
    assert verify(all_at_once.out) == []
    assert list(json.loads((all_at_once.out / "manifest.json").read_text())["outputs"]) == ["index.html"]


def test_an_unknown_area_is_refused(tmp_path):
    with pytest.raises(LocalpayError, match="no example area 'barsetshire'"):
        api.demo(tmp_path, area="barsetshire")


CAPITATION = """\
- id: capitation
  option: capitation
  provider: RT2
  commissioner: 01W
  clause: Schedule 3C
  price_per_person: 24.00
  per: year
"""


def test_a_capitation_ruleset_gets_a_population_file_and_the_same_seed_the_same_tables(tmp_path, plugins):
    path = tmp_path / "r.yaml"
    path.write_text(ruleset_text(CLUSTER_PER_DAY + CAPITATION))
    ruleset = api.open_ruleset(path, plugins)
    first = api.synthesise_for(ruleset, 200, 4, tmp_path / "a" / "episodes.csv", tables=True)
    again = api.synthesise_for(ruleset, 200, 4, tmp_path / "b" / "episodes.csv", tables=True)
    assert set(first.tables) == {"population"}
    assert first.tables["population"].read_bytes() == again.tables["population"].read_bytes()
    population = pl.read_csv(first.tables["population"])
    # every month of the contract (no extract date: the year end), for the capitation's commissioner
    assert population["period"].to_list() == [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in (1, 2, 3)]
    assert set(population["commissioner"]) == {"01W"} and (population["population"] > 0).all()
    result, _ = api.run_statement(ruleset, plugins, Inputs(first.episodes, first.assessments, first.tables), "2025-06",
                                  tmp_path / "out")
    paid = result.lines.filter(pl.col("arrangement") == "capitation")
    assert paid["quantity"].to_list() == population.filter(pl.col("period") == "2025-06")["population"].to_list()
