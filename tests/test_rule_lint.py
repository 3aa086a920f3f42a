"""The rule lint: one small ruleset per kind of warning, the exact lines and words a contract
manager reads, and no warning where an episode could match (the lint never guesses)."""

import textwrap

import pytest
from click.testing import CliRunner

from conftest import CLUSTER_PER_DAY, ruleset_text
from localpay.api import open_ruleset
from localpay.cli import cli
from localpay.rules.lint import lint

HEAD = ruleset_text(CLUSTER_PER_DAY) + textwrap.dedent("""\
    inputs:
      episodes:
        service: {type: text, values: [CMHT, EIP, CRHT]}
        team: text
        score: number
        referred: date
    rules:
    """)
FIRST = len(HEAD.splitlines())  # warnings below give lines counted from the first rule's line


def write(tmp_path, rules: str):
    path = tmp_path / "ruleset.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(rules), "  "))
    return path


def warnings(tmp_path, rules: str) -> list[tuple]:
    """(code, line within the rules block, key, message) for each warning."""
    path = write(tmp_path, rules)
    found = lint(open_ruleset(path))
    assert all(w.file == str(path) for w in found)
    return [(w.code, w.line - FIRST, w.key, w.message) for w in found]


def test_a_value_the_field_cannot_hold_never_matches(tmp_path):
    assert warnings(tmp_path, """\
        - id: eip-uplift
          clause: S1
          when: {service: EIPX}
          then: {uplift: 10%}
        - id: other-trusts
          clause: S1
          when:
            provider: [RXX, RYY]
          then: {hold: true}
        - id: wards
          clause: S1
          when: {setting: Inpatient}  # read in lower case, like the input: it can match
          then: {hold: true}
        - id: high-clusters
          clause: S1
          when: {cluster: {gt: 21}}
          then: {hold: true}
        - id: partly-known
          clause: S1
          when: {service: [EIP, EIPX], provider: [RT2, RXX]}
          then: {hold: true}
        - id: no-payer
          clause: S1
          when: {commissioner: {not: [01W, 01Y]}}
          then: {hold: true}
        """) == [
        ("never_matches", 3, "rules[0].when.service", "rule 'eip-uplift' can never match: service is 'EIPX', but "
         "service can only be one of CMHT, EIP or CRHT; correct the value, or add it to inputs.episodes.service.values"),
        ("never_matches", 8, "rules[1].when.provider", "rule 'other-trusts' can never match: provider is one of "
         "'RXX' or 'RYY', but provider can only be one of RT2 or RXV; correct the code, or add the organisation "
         "under parties"),
        ("never_matches", 16, "rules[3].when.cluster.gt", "rule 'high-clusters' can never match: the cluster is "
         "more than 21, but the cluster can only be 0 to 8 or 10 to 21; correct the value or remove the rule"),
        ("never_matches", 24, "rules[5].when.commissioner.not", "rule 'no-payer' can never match: commissioner is "
         "not one of '01W' or '01Y', but commissioner can only be one of 01W or 01Y; correct the code, or add the "
         "organisation under parties"),
    ]


def test_conditions_that_contradict_each_other_never_match(tmp_path):
    assert warnings(tmp_path, """\
        - id: crisis-low
          clause: S1
          when: {cluster: {gte: 14, lt: 10}}
          then: {hold: true}
        - id: two-teams
          clause: S1
          when:
            team: A
            all: [{team: B}]
          then: {hold: true}
        - id: outside-range
          clause: S1
          when:
            cluster: 11
            all: [{cluster: {between: [1, 5]}}]
          then: {hold: true}
        - id: and-not
          clause: S1
          when:
            team: A
            not: {team: A}
          then: {hold: true}
        - id: a-day-apart
          clause: S1
          when: {referred: {gt: 2025-01-01, lt: 2025-01-02}}
          then: {hold: true}
        - id: either-but-neither
          clause: S1
          when:
            any: [{team: A}, {team: C}]
            team: B
          then: {hold: true}
        - id: escalation-from-nowhere
          clause: S1
          when:
            escalation: {within_days: 28}
            cluster: 10
          then: {flag: true}
        - id: crisis-outside-crisis
          clause: S1
          when:
            repeat_crisis: {more_than: 2, within_days: 90}
            cluster: 3
          then: {flag: true}
        """) == [
        ("never_matches", 3, "rules[0].when.cluster.lt", "rule 'crisis-low' can never match: the cluster is at "
         "least 14 and the cluster is less than 10 cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 9, "rules[1].when.all[0].team", "rule 'two-teams' can never match: team is 'A' and team "
         "is 'B' cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 15, "rules[2].when.all[0].cluster.between", "rule 'outside-range' can never match: the "
         "cluster is 11 and the cluster is from 1 to 5 cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 21, "rules[3].when.not.team", "rule 'and-not' can never match: team is 'A' and team is "
         "not 'A' cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 25, "rules[4].when.referred.lt", "rule 'a-day-apart' can never match: referred is after "
         "1 January 2025 and referred is before 2 January 2025 cannot both be true; correct the conditions or "
         "remove the rule"),
        ("never_matches", 31, "rules[5].when.team", "rule 'either-but-neither' can never match: (team is 'A' or "
         "team is 'C') and team is 'B' cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 36, "rules[6].when.escalation", "rule 'escalation-from-nowhere' can never match: the "
         "cluster is 10 and the cluster steps up (to a higher cluster in the same super class) within 28 days of "
         "the person's previous review cannot both be true; correct the conditions or remove the rule"),
        ("never_matches", 42, "rules[7].when.repeat_crisis", "rule 'crisis-outside-crisis' can never match: the "
         "cluster is 3 and this is one of more than 2 periods in cluster 14 or 15 starting within 90 days cannot "
         "both be true; correct the conditions or remove the rule"),
    ]


def test_rules_an_episode_could_match_are_not_warned_about(tmp_path):
    # each of these can match some episode, however odd it looks: no warning may be a guess
    assert warnings(tmp_path, """\
        - id: either-branch
          clause: S1
          when:
            any: [{team: A}, {score: 3}]
            team: B
          then: {hold: true}
        - id: not-another
          clause: S1
          when: {team: A, not: {team: B}}
          then: {hold: true}
        - id: ranges-touch
          clause: S1
          when: {cluster: {gte: 14, lte: 14}, score: {gt: 5, lt: 5.000002}}
          then: {hold: true}
        - id: one-known
          clause: S1
          when: {service: [EIP, EIPX]}
          then: {hold: true}
        - id: pattern
          clause: S1
          when: {team: {matches: "A.*", starts_with: B}}
          then: {hold: true}
        - id: no-team
          clause: S1
          when: {not: {team: A}, all: [{not: {team: {present: true}}}]}
          then: {hold: true}
        - id: prefixes
          clause: S1
          when: {team: {starts_with: AB}, all: [{team: {starts_with: A}}, {not: {team: AB}}]}
          then: {hold: true}
        """) == []


PRICES = """\
    - id: psychosis-price
      clause: S1
      when: {cluster: [11, 12]}
      then: {price: 3.50}
    - id: eip-price
      clause: S1
      when: {service: EIP}
      then: {price: 4}
    - id: crisis-price
      clause: S1
      when: {cluster: {gte: 14}}
      then: {price: 5}
    - id: other-team-price
      clause: S1
      when: {service: CMHT, cluster: 14}
      then: {price: 5}
    - id: later-eip-price
      clause: S1
      priority: 1
      when: {service: EIP}
      then: {price: 6}
    - id: crisis-eip-price
      clause: S1
      when: {service: CMHT, cluster: {lt: 14}}
      then: {price: 7}
    """


def test_two_prices_at_one_priority_for_episodes_both_match(tmp_path):
    # psychosis/crisis: disjoint clusters; crisis/other-team: the same price; later-eip: another
    # priority; crisis-eip: cluster ranges apart from crisis, service apart from eip-price
    assert warnings(tmp_path, PRICES) == [
        ("price_conflict", 8, "rules[1].then.price", "rules 'psychosis-price' and 'eip-price' set different "
         "prices (£3.50 and £4.00) at the same priority, and an episode can match both: 'psychosis-price' wins "
         "only because it comes first; give one of them a priority, or narrow their conditions so they cannot "
         "overlap"),
        ("price_conflict", 12, "rules[2].then.price", "rules 'eip-price' and 'crisis-price' set different prices "
         "(£4.00 and £5.00) at the same priority, and an episode can match both: 'eip-price' wins only because it "
         "comes first; give one of them a priority, or narrow their conditions so they cannot overlap"),
        ("price_conflict", 25, "rules[5].then.price", "rules 'psychosis-price' and 'crisis-eip-price' set "
         "different prices (£3.50 and £7.00) at the same priority, and an episode can match both: "
         "'psychosis-price' wins only because it comes first; give one of them a priority, or narrow their "
         "conditions so they cannot overlap"),
    ]


def test_actions_that_change_nothing(tmp_path):
    assert warnings(tmp_path, """\
        - id: nothing-added
          clause: S1
          when: {cluster: 3}
          then: {uplift: 0%, discount: 0}
        - id: same-payer
          clause: S1
          when: {commissioner: 01W}
          then: {commissioner: 01W}
        - id: zero-share
          clause: S1
          when: {cluster: 4}
          then:
            split: {01W: 100%, 01Y: 0%}
        - id: not-ours
          clause: S1
          when: {cluster: 5}
          then: {exclude: another provider's service, price: 3, hold: true, flag: check the referral}
        - id: eip-not-ours
          clause: S1
          when: {cluster: 5, service: EIP}
          then: {uplift: 5%, flag: true}
        - id: pinned-payer
          clause: S1
          when: {commissioner: 01Y}
          then: {commissioner: 01Y}
        - id: moved-payer
          clause: S1
          priority: 1
          when: {cluster: 11}
          then: {commissioner: 01W}
        """) == [
        ("no_effect", 4, "rules[0].then.discount", "rule 'nothing-added' has a discount of 0%, which changes "
         "nothing; set the percentage or remove the discount"),
        ("no_effect", 4, "rules[0].then.uplift", "rule 'nothing-added' has an uplift of 0%, which changes "
         "nothing; set the percentage or remove the uplift"),
        ("no_effect", 8, "rules[1].then.commissioner", "rule 'same-payer' makes commissioner 01W pay, but every "
         "episode it matches already has commissioner 01W, so this changes nothing; remove the action or correct "
         "the commissioner"),
        ("no_effect", 13, "rules[2].then.split[01Y]", "rule 'zero-share' gives 01Y a 0% share of the split, so "
         "01Y is paid nothing; remove 01Y from the split"),
        ("no_effect", 17, "rules[3].then.flag", "rule 'not-ours' excludes the episodes it matches, so its flag "
         "never applies (an excluded episode is not paid); remove flag or move it to a rule of its own"),
        ("no_effect", 17, "rules[3].then.hold", "rule 'not-ours' excludes the episodes it matches, so its hold "
         "never applies (an excluded episode is not paid); remove hold or move it to a rule of its own"),
        ("no_effect", 17, "rules[3].then.price", "rule 'not-ours' excludes the episodes it matches, so its price "
         "never applies (an excluded episode is not paid); remove price or move it to a rule of its own"),
        ("no_effect", 21, "rules[4].then.flag", "every episode rule 'eip-not-ours' matches is excluded by rule "
         "'not-ours', so its flag never applies; remove the rule or narrow rule 'not-ours'"),
        ("no_effect", 21, "rules[4].then.uplift", "every episode rule 'eip-not-ours' matches is excluded by rule "
         "'not-ours', so its uplift never applies; remove the rule or narrow rule 'not-ours'"),
    ]  # pinned-payer matters: it keeps 01Y paying for cluster 11, which moved-payer would move


def test_a_rule_without_a_clause(tmp_path):
    assert warnings(tmp_path, """\
        - id: eip-uplift
          when: {cluster: 10, service: EIP}
          then: {uplift: 10%}
        """) == [
        ("no_clause", 1, "rules[0]", "rule 'eip-uplift' cites no clause of the contract; add clause: with the "
         "schedule or variation it comes from, so each payment it changes can be traced to the contract"),
    ]


CLEAN = """\
    - id: eip-uplift
      clause: Schedule 3B local variation 2
      when: {cluster: 10, service: EIP}
      then: {uplift: 10%}
    - id: crisis-price
      clause: Schedule 3B local variation 3
      when: {cluster: {gte: 14}, provider: RT2}
      then: {price: 60}
    - id: low-price
      clause: Schedule 3B local variation 3
      when: {cluster: {lt: 14}, provider: RT2, not: {service: EIP}}
      then: {price: 3}
    - id: out-of-area
      clause: Schedule 3B local variation 6
      when: {team: OOA}
      then: {exclude: another trust's team}
    """


def test_a_clean_ruleset_has_no_warnings(tmp_path):
    assert warnings(tmp_path, CLEAN) == []


def test_the_stockport_ruleset_has_no_warnings():
    assert lint(open_ruleset("stockport")) == []


def validate(*args):
    result = CliRunner().invoke(cli, ["validate", *map(str, args)])
    assert "Traceback" not in result.output
    return result


def test_validate_prints_the_rules_and_the_warnings(tmp_path):
    path = write(tmp_path, PRICES)
    result = validate(path)
    assert result.exit_code == 0, result.output
    assert ("\nRules\n  [psychosis-price] Where the cluster is one of 11 or 12: the unit price is £3.50 (S1)\n"
            in result.output)
    assert (f"\n{path}:{FIRST + 8}: warning: rules[1].then.price: rules 'psychosis-price' and 'eip-price' set "
            "different prices (£3.50 and £4.00) at the same priority") in result.output
    assert result.output.endswith("\n6 rules, 3 warnings\n")
    assert validate(path, "--strict").exit_code == 1


@pytest.mark.parametrize("strict", [[], ["--strict"]])
def test_validate_without_warnings_exits_0(tmp_path, strict):
    result = validate(write(tmp_path, CLEAN), *strict)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("\n4 rules, 0 warnings\n")
    assert validate("stockport", *strict).output.endswith("\n6 rules, 0 warnings\n")
