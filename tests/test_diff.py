"""The impact of a ruleset change: what each difference comes to, and why, to the penny."""

from __future__ import annotations

from decimal import Decimal as D

from click.testing import CliRunner

from conftest import HEADER, ruleset_text
from localpay.cli import cli

OLD = """\
- id: tariff
  option: cluster
  provider: RT2
  commissioner: 01W
  basis: per_day
  prices:
    2025-04-01: {3: 7.80, 10: 24.30}
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
EPISODES = """\
E1,P1,RT2,01W,3,2025-06-01,2025-06-11,community,CMHT
E2,P2,RT2,01W,10,2025-06-01,2025-06-21,community,EIP
E3,P3,RT2,01W,10,2025-06-01,2025-06-06,community,CMHT
"""


def test_diff_totals_causes_and_episodes(tmp_path):
    (tmp_path / "old.yaml").write_text(ruleset_text(OLD))
    # the new ruleset raises cluster 3 to 8.10 from 1 June and adds the EIP uplift
    (tmp_path / "new.yaml").write_text(ruleset_text(OLD.replace("{3: 7.80, 10: 24.30}", "{3: 7.80, 10: 24.30}\n    "
                                                                "2025-06-01: {3: 8.10}")) + RULES)
    (tmp_path / "e.csv").write_text(HEADER + "\n" + EPISODES)
    result = CliRunner().invoke(cli, ["diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"), str(tmp_path / "e.csv"),
                                      "--period", "2025-06", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    # before: E1 10 x 7.80 = 78.00; E2 20 x 24.30 = 486.00; E3 5 x 24.30 = 121.50; total 685.50
    # after:  E1 10 x 8.10 = 81.00 (+3.00); E2 20 x 26.73 = 534.60 (+48.60); E3 unchanged; total 737.10
    assert "before £685.50, after £737.10, change £51.60; 2 of 3 episodes change" in result.output
    assert "  rule eip-uplift now applies: 1 episodes, £48.60" in result.output
    assert "  price of cluster 3 (day, tariff) changed from £7.80 to £8.10: 1 episodes, £3.00" in result.output
    markdown = (tmp_path / "out" / "diff.md").read_text()
    assert "| **Total** | £685.50 | £737.10 | **£51.60** |" in markdown
    assert "| E2 | P2 | RT2 | 10 | £486.00 | £534.60 | £48.60 | `` | `eip-uplift` |" in markdown
    assert "| 3 | £78.00 | £81.00 | £3.00 |" in markdown and "| 10 | £607.50 | £656.10 | £48.60 |" in markdown
    html = (tmp_path / "out" / "diff.html").read_text()
    assert "£51.60" in html and "rule eip-uplift now applies" in html
    rows = (tmp_path / "out" / "diff-episodes.csv").read_text(encoding="utf-8-sig").splitlines()  # after the BOM
    assert rows == ["episode_id,patient_id,provider,cluster,before,after,change,rules_before,rules_after",
                    "E1,P1,RT2,3,78.00,81.00,3.00,,", "E2,P2,RT2,10,486.00,534.60,48.60,,eip-uplift"]


def test_changing_a_rules_terms_is_named_as_the_cause(tmp_path):
    (tmp_path / "old.yaml").write_text(ruleset_text(OLD) + RULES)
    (tmp_path / "new.yaml").write_text(ruleset_text(OLD) + RULES.replace("uplift: 10%", "uplift: 12%"))
    (tmp_path / "e.csv").write_text(HEADER + "\n" + EPISODES)
    from localpay.api import diff_rulesets, open_ruleset
    from localpay.manager import make_plugins
    from localpay.pipeline import Inputs

    plugins = make_plugins(load_entry_points=False)
    diffed = diff_rulesets(open_ruleset(tmp_path / "old.yaml", plugins), open_ruleset(tmp_path / "new.yaml", plugins),
                           plugins, Inputs(tmp_path / "e.csv"), "2025-06", tmp_path / "out")
    # E2: 20 days at 24.30 + 10% = 26.73 (534.60), + 12% = 27.216 (544.32): 9.72 more
    assert diffed.document["causes"] == [{"cause": "rule eip-uplift changed", "episodes": 1, "change": D("9.72")}]
    assert diffed.document["totals"]["change"] == D("9.72")
