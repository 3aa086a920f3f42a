"""The contract schedule: the ruleset's terms as HTML, Markdown and PDF, with the numbers."""

from __future__ import annotations

from decimal import Decimal as D

import pypdf
import pytest
from click.testing import CliRunner

from conftest import ruleset_text
from localpay.cli import cli
from localpay.ruleset.load import load_ruleset
from localpay.schedule.document import build_schedule
from localpay.schedule.writing import write_schedule

PLANNED = """\
- id: tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  clause: Schedule 3A
  basis: per_day
  prices:
    2025-04-01: {3: 10.00, 4: 20.00}
    2025-10-01: {3: 12.00}
  activity_plan: {3: 3650, 4: 100}
- id: cquin
  option: cquin
  provider: RT2
  commissioner: 01W
  percent: 1.25%
  of: [tariff]
  goals: [{id: reviews, indicator: reviewed_in_period, weight: 100%, floor: 50%, target: 80%}]
"""
RULES = """\
inputs:
  episodes: {service: {type: text, values: [CMHT, EIP]}}
rules:
  - id: eip-uplift
    clause: Schedule 3B local variation 2
    when: {cluster: 10, service: EIP}
    then: {uplift: 10%}
"""


@pytest.fixture
def ruleset(tmp_path, plugins):
    path = tmp_path / "2025-26.yaml"
    path.write_text(ruleset_text(PLANNED).replace("status: live", "status: draft") + RULES)
    return load_ruleset(path, plugins.options, plugins.vocabulary)


def test_the_expected_annual_value_weights_each_price_by_its_days(ruleset, plugins):
    document = build_schedule(ruleset, plugins)
    # cluster 3: 3,650 days a year = 10 a day; 183 days (1 April to 30 September) at £10.00 and
    # 182 days at £12.00: 3,650 x (183 x 10 + 182 x 12) / 365 = £40,140.00
    # cluster 4: 100 days at £20.00 all year = £2,000.00; the tariff is expected to be worth £42,140.00
    # CQUIN: 1.25% of £42,140.00 = £526.75
    assert document["expected"]["rows"] == [
        {"arrangement": "tariff", "title": "tariff", "value": D("42140.00")},
        {"arrangement": "cquin", "title": "cquin", "value": D("526.75")},
    ]
    assert document["expected"]["total"] == D("42666.75")
    assert document["rules"][0]["text"] == ("Where the cluster is 10 and service is 'EIP': paid 10% above the price "
                                            "(Schedule 3B local variation 2)")


def test_the_documents_carry_the_terms_the_watermark_and_the_numbers(ruleset, plugins, tmp_path):
    written = write_schedule(ruleset, plugins, tmp_path / "out")
    names = [f.name for f in written.files]
    assert names == ["schedule-testshire-2025-26.html", "schedule-testshire-2025-26.md",
                     "schedule-testshire-2025-26.json", "schedule-testshire-2025-26.pdf"]
    html = (tmp_path / "out" / names[0]).read_text()
    markdown = (tmp_path / "out" / names[1]).read_text()
    for text in (html, markdown):
        assert "£42,666.75" in text and "Schedule 3B local variation 2" in text
        assert "1.25% of the actual value of tariff" in text
    assert '<div class="stamp" aria-hidden="true">draft</div>' in html
    assert "> **DRAFT SCHEDULE: NOT THE BASIS OF PAYMENT**" in markdown
    assert "Indicative activity plan: units a year by cluster" in html and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    pdf = pypdf.PdfReader(tmp_path / "out" / names[3])
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Expected annual contract value" in text and "£42,666.75" in text
    assert f"page 1 of {len(pdf.pages)}" in pdf.pages[0].extract_text()


def test_the_schedule_command_writes_the_bundled_areas_schedule(tmp_path):
    result = CliRunner().invoke(cli, ["schedule", "stockport", "--out", str(tmp_path), "--no-pdf"])
    assert result.exit_code == 0, result.output
    # the cluster tariff's plan £2,854,819.04 + the CQUIN £35,625.00 + the alliance's £1,800,000.00
    assert "expected annual contract value £4,690,444.04" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "manifest.json", "schedule-stockport-2025-26.html", "schedule-stockport-2025-26.json",
        "schedule-stockport-2025-26.md"]


def test_a_shadow_tariffs_plan_is_not_part_of_the_contracts_value(tmp_path, plugins):
    block = """\
- id: block
  option: block
  provider: RT2
  commissioner: 01W
  annual_value: 50000.00
  compare: [tariff]
"""
    shadow = PLANNED.split("- id: cquin")[0].replace("  basis: per_day\n", "  basis: per_day\n  shadow: true\n")
    path = tmp_path / "2025-26.yaml"
    path.write_text(ruleset_text(shadow + block))
    document = build_schedule(load_ruleset(path, plugins.options, plugins.vocabulary), plugins)
    # the tariff's plan (£42,140.00) is priced in shadow and paid by the block: only the block counts
    assert document["expected"]["rows"] == [{"arrangement": "block", "title": "block", "value": D("50000.00")}]


def test_the_plan_chart_names_clusters_alone_or_by_arrangement(tmp_path, plugins):
    other = """\
- id: other
  option: cluster
  provider: RXV
  commissioner: 01W
  basis: per_review_period
  prices: {2025-04-01: {11: 1000.00}}
  activity_plan: {11: 12}
"""
    tariff = PLANNED.split("- id: cquin")[0]
    charts = []
    for arrangements in (tariff, tariff + other):
        path = tmp_path / "2025-26.yaml"
        path.write_text(ruleset_text(arrangements))
        charts.append(build_schedule(load_ruleset(path, plugins.options, plugins.vocabulary), plugins)["plan_chart"])
    # one arrangement with a plan: its clusters alone; several: each cluster by its arrangement
    assert charts == [
        [{"key": "cluster 3", "unit": "day", "planned": D(3650)}, {"key": "cluster 4", "unit": "day", "planned": D(100)}],
        [{"key": "tariff: 3", "unit": "day", "planned": D(3650)}, {"key": "tariff: 4", "unit": "day", "planned": D(100)},
         {"key": "other: 11", "unit": "review period", "planned": D(12)}],
    ]


def test_the_validation_section_says_what_each_cluster_arrangement_does_with_overdue_days(tmp_path, plugins):
    other = """\
- id: other
  option: cluster
  provider: RXV
  commissioner: 01W
  basis: per_day
  overdue_review: hold
  prices: {2025-04-01: {11: 10.00}}
- id: third
  option: cluster
  provider: RT2
  commissioner: 01Y
  basis: per_day
  prices: {2025-04-01: {11: 10.00}}
"""
    block = "- {id: block, option: block, provider: RT2, commissioner: 01W, annual_value: 1000.00}\n"
    notes = []
    for arrangements, settings in ((PLANNED.split("- id: cquin")[0] + other, "overdue_review: suspend"), (block, "")):
        path = tmp_path / "2025-26.yaml"
        path.write_text(ruleset_text(arrangements, settings))
        notes.append(build_schedule(load_ruleset(path, plugins.options, plugins.vocabulary), plugins)["validation"]["notes"])
    # the setting once (tariff and third follow it), the arrangement that overrides it by name;
    # a ruleset with no cluster arrangement says nothing of review periods
    assert notes == [
        ["Days past a cluster's maximum review period without a review are not payable: shown on the statement at nil.",
         "Under other (other), days past a cluster's maximum review period without a review are held until a review "
         "takes place, then released in the month of the review."],
        [],
    ]
