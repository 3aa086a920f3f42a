"""Mutated rulesets for the fuzzer (``test_ruleset_fuzz.py``, ``benchmarks/fuzz_rulesets.py``).

Each case starts from a bundled ruleset (or the minimal test ruleset, with its prices in a CSV
table) and applies one or more mutations: to its data (keys deleted, renamed or added; values of
the wrong type or at the edges of numbers and text; subtrees swapped or nested deep), to its YAML
(anchors and aliases, tags, flow style, repeated keys, lines cut or repeated), to its bytes
(Latin-1, UTF-16, a byte order mark, NUL and control bytes, line ends, truncation, size), and to
the table files it names (cells, quotes, columns, encodings, paths out of the folder). The same
seed gives the same cases.

A case is run as a user runs it: ``localpay validate FILE`` through the CLI, in-process. The
property: it ends with exit code 0, 1 or 2 and a message, never a traceback or a hang.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
MINIMAL = REPO / "tests" / "rulesets" / "good" / "minimal.yaml"
TABLE = "effective_from,cluster,price\n2025-04-01,1,3.10\n2025-04-01,3,7.80\n2025-04-01,11,9.85\n2025-10-01,1,3.20\n"


def seeds() -> dict[str, dict[str, bytes]]:
    """Every bundled ruleset, the minimal one, and the minimal one with its prices in a table:
    name -> the files of its folder (``ruleset.yaml`` first)."""
    found = {}
    for path in sorted((REPO / "rulesets").glob("*/*.yaml")):
        if not path.name.endswith(".tests.yaml"):
            found[f"{path.parent.name}/{path.stem}"] = {"ruleset.yaml": path.read_bytes()}
    minimal = MINIMAL.read_text()
    found["minimal"] = {"ruleset.yaml": minimal.encode()}
    block = minimal[minimal.index("    prices:"):minimal.index("    activity_plan:")]
    found["minimal+table"] = {"ruleset.yaml": minimal.replace(block, "    prices: {file: prices.csv}\n").encode(),
                              "prices.csv": TABLE.encode()}
    return found


@dataclass
class Case:
    number: int
    seed: str
    mutations: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # name in the folder -> where it points

    @property
    def label(self) -> str:
        return f"#{self.number} {self.seed}: {'; '.join(self.mutations)}"


# --- values at the edges ------------------------------------------------------------------------

EDGE_VALUES: list[object] = [
    0, -1, 1, 10 ** 30, -(10 ** 30), 2 ** 63, 2 ** 64 + 1, 10 ** 400, 0.1, -0.0, 1e308, 1e-320,
    "", " ", "0", "-0", "1e400", "1.0e400", "NaN", ".nan", ".inf", "-.inf", "9" * 5000, "0x1F", "012", "1_000",
    "\x00", "\t", "\u202e", "'", '"', "\\", "{", "[", "&anchor", "*alias", "!tag", "%", "@", "`", "# not a comment",
    "a" * 100_000, "\U0001f4b7" * 50, "e\u0301", "\ufeffBOM", "line\nbreak", "NHS\r\nTrust", "ðŸ’·",
    True, False, None, [], {}, [None], {"": None}, {1: 2}, [[[]]],
    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2025, 4, 1), dt.date(1899, 12, 31), dt.date(2101, 1, 1),
    dt.datetime(2025, 4, 1, 10, 0), "2025-02-30", "2025-04-01T00:00:00", "01/06/25", "-5000-01-01",
    "30%", "100%", "101%", "-5%", "1.23456789%", "per_day", "cluster", "RT2", "01W", "localpay/1",
]
KEY_EDGES: list[object] = ["", " ", "id", "option", "file", "<<", "x" * 300, "clüster", "Cluster", "\x07", 0, 9, 22, 3.5,
                           True, None, dt.date(2025, 4, 1), "2025-04-31", "__class__", "model_config"]


def _paths(data: object, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, path + (index,))


def _at(data: object, path: tuple) -> object:
    for part in path:
        data = data[part]  # type: ignore[index]
    return data


def _set(data: object, path: tuple, value: object) -> object:
    if not path:
        return value
    _at(data, path[:-1])[path[-1]] = value  # type: ignore[index]
    return data


# --- mutations of the data ----------------------------------------------------------------------

def _pick(rng: random.Random, data: object, kind: type | tuple = object) -> tuple | None:
    paths = [p for p in _paths(data) if isinstance(_at(data, p), kind)]
    return rng.choice(paths) if paths else None


def m_delete_key(rng, data):
    path = _pick(rng, data, dict)
    if path is None or not _at(data, path):
        return data, "nothing to delete"
    key = rng.choice(list(_at(data, path)))
    del _at(data, path)[key]
    return data, f"deleted {path + (key,)}"


def m_rename_key(rng, data):
    path = _pick(rng, data, dict)
    if path is None or not _at(data, path):
        return data, "nothing to rename"
    mapping = _at(data, path)
    key = rng.choice(list(mapping))
    new = rng.choice([str(key)[:-1], str(key) + "s", str(key).upper(), str(key)[::-1], rng.choice(KEY_EDGES)])
    mapping[new] = mapping.pop(key)
    return data, f"renamed {path + (key,)} to {new!r}"


def m_insert_key(rng, data):
    path = _pick(rng, data, dict)
    if path is None:
        return data, "nowhere to insert"
    key, value = rng.choice(KEY_EDGES), rng.choice(EDGE_VALUES)
    _at(data, path)[key] = copy.deepcopy(value)
    return data, f"inserted {key!r} at {path}"


def m_edge_value(rng, data):
    paths = [p for p in _paths(data) if p]
    if not paths:
        return data, "no value"
    path = rng.choice(paths)
    value = copy.deepcopy(rng.choice(EDGE_VALUES))
    return _set(data, path, value), f"set {path} to {str(value)[:40]!r}"


def m_number_edge(rng, data):
    paths = [p for p in _paths(data) if p and isinstance(_at(data, p), (int, float)) and not isinstance(_at(data, p), bool)]
    if not paths:
        return m_edge_value(rng, data)
    path = rng.choice(paths)
    old = _at(data, path)
    value = rng.choice([0, -old, old * 10 ** rng.randint(3, 40), -1, 10 ** rng.randint(15, 60), old + 1e-7,
                        float(f"1e{rng.randint(20, 308)}"), str(old) + "0" * rng.randint(1, 30), 2 ** 63 - 1, 2 ** 63])
    return _set(data, path, value), f"set number {path} to {str(value)[:40]}"


def m_retype(rng, data):
    paths = [p for p in _paths(data) if p]
    if not paths:
        return data, "no value"
    path = rng.choice(paths)
    old = _at(data, path)
    value = rng.choice([str(old), [old], {"value": old}, None, 1, True, dt.date(2025, 4, 1), 1.5])
    return _set(data, path, value), f"retyped {path} as {type(value).__name__}"


def m_list_edit(rng, data):
    path = _pick(rng, data, list)
    if path is None:
        return data, "no list"
    items = _at(data, path)
    how = rng.choice(["empty", "duplicate", "drop", "reverse"])
    if how == "empty":
        items.clear()
    elif items and how == "duplicate":
        items.append(copy.deepcopy(rng.choice(items)))
    elif items and how == "drop":
        items.pop(rng.randrange(len(items)))
    else:
        items.reverse()
    return data, f"{how} list {path}"


def m_swap(rng, data):
    paths = [p for p in _paths(data) if p]
    if len(paths) < 2:
        return data, "nothing to swap"
    a, b = rng.sample(paths, 2)
    if a[:len(b)] == b or b[:len(a)] == a:
        return data, "nested swap skipped"
    va, vb = copy.deepcopy(_at(data, a)), copy.deepcopy(_at(data, b))
    _set(data, a, vb)
    _set(data, b, va)
    return data, f"swapped {a} and {b}"


def m_nest(rng, data):
    paths = [p for p in _paths(data) if p]
    path = rng.choice(paths)
    value = _at(data, path)
    for _ in range(rng.choice([2, 20, 99, 101, 130])):  # the loader's bound is 100
        value = [value] if rng.random() < 0.5 else {"k": value}
    return _set(data, path, value), f"nested {path} deep"


# conditions and actions of local rules at their edges: the rules' own language has its parser
RULE_WHEN: list[dict] = [
    {"cluster": {"between": [1, 10 ** 30]}}, {"cluster": {"between": [21, 1]}}, {"cluster": {"one_of": list(range(3000))}},
    {"episode_id": {"matches": "(a+)+$"}}, {"episode_id": {"matches": "[" * 50}}, {"episode_id": {"matches": "a{1000}"}},
    {"episode_id": {"starts_with": ""}}, {"start_date": {"after": dt.date(9999, 12, 31)}},
    {"start_date": {"between": [dt.date(1, 1, 1), dt.date(9999, 12, 31)]}}, {"start_date": {"before": "yesterday"}},
    {"escalation": {"within_days": 10 ** 20}}, {"escalation": {"within_days": -1}},
    {"repeat_crisis": {"more_than": 2 ** 63, "within_days": 0}}, {"re_presentation": {}}, {"any": [{"any": [{"cluster": 1}]}]},
    {"all": []}, {"any": [{"cluster": n} for n in range(200)]}, {"not": {"not": {"cluster": 3}}}, {"cluster": None},
    {"service": {"one_of": []}}, {"provider": {"present": "yes"}}, {"cluster": {"equals": [1, 2]}},
]
RULE_THEN: list[dict] = [
    {"uplift": "1e400%"}, {"uplift": "100%"}, {"discount": "100.00001%"}, {"uplift": 10 ** 30}, {"split": {"01W": "100%"}},
    {"split": {}}, {"split": {"01W": "50%", "X" * 50: "50%"}}, {"hold": ""}, {"flag": "x" * 10_000}, {"price": -1},
    {"price": 10 ** 40}, {"uplift": "10%", "discount": "10%"}, {},
]


def m_rule(rng, data):
    if not isinstance(data, dict):
        return data, "no rules"
    rules = data.get("rules")
    if not isinstance(rules, list) or not rules or not isinstance(rules[0], dict):
        data["rules"] = rules = [{"id": "fuzz", "when": {"cluster": 1}, "then": {"uplift": "1%"}}]
    rule = rng.choice(rules)
    if not isinstance(rule, dict):
        return data, "rule not a mapping"
    part = rng.choice(["when", "then"])
    value = copy.deepcopy(rng.choice(RULE_WHEN if part == "when" else RULE_THEN))
    rule[part] = value
    return data, f"rule {rule.get('id')!r} {part} {str(value)[:60]}"


DATA_MUTATIONS: list[Callable] = [m_delete_key, m_rename_key, m_insert_key, m_edge_value, m_number_edge, m_retype,
                                  m_list_edit, m_swap, m_nest, m_rule, m_rule]


def _dump(data: object, rng: random.Random) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=rng.random() < 0.5,
                          default_flow_style=rng.choice([False, None, True]), width=rng.choice([80, 10 ** 6]))


# --- mutations of the YAML text -------------------------------------------------------------------

def t_anchor_alias(rng, text):
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    line = lines[index]
    if ":" not in line or line.strip().startswith("#"):
        return text, "no anchor place"
    head, _, tail = line.partition(":")
    lines[index] = f"{head}: &fz{tail}" if tail.strip() else f"{head}: &fz"
    target = rng.randrange(len(lines))
    if ":" in lines[target] and target != index:
        h, _, _ = lines[target].partition(":")
        lines[target] = f"{h}: *fz"
    return "\n".join(lines), f"anchor at line {index + 1}, alias at {target + 1}"


def t_laughs(rng, text):
    levels = rng.choice([3, 6, 9, 12])
    rows = ['fz0: &fz0 "lol"'] + [f"fz{i}: &fz{i} [" + ", ".join([f"*fz{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    where = rng.choice(["top", "rules", "inputs"])
    if where == "top":
        return text + "\n" + "\n".join(rows) + "\n", f"{levels} levels of laughs at the top"
    return text + f"\n{where}:\n" + "".join(f"  {r}\n" for r in rows), f"{levels} levels of laughs under {where}"


def t_recursive_alias(rng, text):
    form = rng.choice(["rules: &r [*r]", "inputs: &i {episodes: *i}", "settings: &s {<<: *s}", "x: &x [[*x]]"])
    return text + "\n" + form + "\n", f"recursive {form}"


def t_tag(rng, text):
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if ": " in line and not line.strip().startswith("#")]
    if not candidates:
        return text, "no tag place"
    index = rng.choice(candidates)
    tag = rng.choice(["!!python/object/apply:os.system", "!!python/name:os.system", "!!python/object:object", "!!binary",
                      "!!set", "!!omap", "!!pairs", "!custom", "!!str", "!!int", "!!float", "!!bool", "!!null",
                      "!!timestamp", "!!map", "!!seq", "!", "!<tag:example.com,2000:x>"])
    head, _, tail = lines[index].partition(": ")
    lines[index] = f"{head}: {tag} {tail}"
    return "\n".join(lines), f"tag {tag} at line {index + 1}"


def t_duplicate_line(rng, text):
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return "\n".join(lines), f"line {index + 1} repeated"


def t_delete_line(rng, text):
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    del lines[index]
    return "\n".join(lines), f"line {index + 1} deleted"


def t_indent(rng, text):
    lines = text.split("\n")
    index = rng.randrange(len(lines))
    lines[index] = rng.choice([" ", "\t", "    ", ""]) + lines[index].lstrip(" " if rng.random() < 0.5 else "")
    return "\n".join(lines), f"indent of line {index + 1} changed"


def t_splice(rng, text):
    pos = rng.randrange(len(text) + 1)
    piece = rng.choice(["{", "}", "[", "]", ":", "- ", "? ", "|", ">", "&", "*", "!", "%YAML 1.1\n", "---\n", "...\n", "'",
                        '"', "#", "\\", "\u2028", "\x85", "<<: ", ": : :", "\n\n\n", "~", "=", "@", "`"])
    return text[:pos] + piece + text[pos:], f"{piece!r} spliced at {pos}"


TEXT_MUTATIONS: list[Callable] = [t_anchor_alias, t_laughs, t_recursive_alias, t_tag, t_duplicate_line,
                                  t_delete_line, t_indent, t_splice]


# --- mutations of the bytes ------------------------------------------------------------------------

def b_encoding(rng, raw):
    text = raw.decode("utf-8", "replace")
    how = rng.choice(["latin-1", "utf-16", "utf-16-be", "utf-32", "bom", "cp1252", "double-bom"])
    if how in ("latin-1", "cp1252"):
        text = text.replace("Trust", "Trüst £ é", 1)
        return text.encode(how, "replace"), f"encoded as {how}"
    if how == "bom":
        return b"\xef\xbb\xbf" + raw, "UTF-8 byte order mark"
    if how == "double-bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + raw, "two byte order marks"
    return text.encode(how), f"encoded as {how}"


def b_bytes(rng, raw):
    data = bytearray(raw)
    how = rng.choice(["nul", "control", "flip", "truncate", "invalid", "overlong", "surrogate"])
    pos = rng.randrange(len(data) + 1)
    if how == "nul":
        data[pos:pos] = b"\x00"
    elif how == "control":
        data[pos:pos] = bytes([rng.choice([1, 7, 8, 11, 12, 27, 127])])
    elif how == "flip" and data:
        data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif how == "truncate":
        del data[pos:]
    elif how == "invalid":
        data[pos:pos] = rng.choice([b"\xff", b"\xc3", b"\xe9", b"\x80\x80"])
    elif how == "overlong":
        data[pos:pos] = b"\xc0\xaf"
    else:
        data[pos:pos] = b"\xed\xa0\x80"
    return bytes(data), f"{how} at byte {pos}"


def b_line_ends(rng, raw):
    end = rng.choice([b"\r", b"\r\n", b"\n\r"])
    return raw.replace(b"\n", end), f"line ends {end!r}"


def b_size(rng, raw):
    how = rng.choice(["over-bound", "comments", "repeat-rules", "long-line", "empty", "whitespace"])
    if how == "over-bound":
        return raw + b"#" + b"x" * 1_050_000 + b"\n", "past the size bound"
    if how == "comments":
        return raw + b"# padding\n" * 5_000, "50 KB of comments"
    if how == "repeat-rules":
        return raw + b"\nx_padding:\n" + b"  - {a: 1, b: [1, 2, 3]}\n" * 2_000, "2,000 extra rows"
    if how == "long-line":
        return raw.replace(b"title: ", b"title: " + b"T" * 200_000, 1), "a 200,000-character title"
    if how == "empty":
        return b"", "empty file"
    return b" \n\t\n" * 10, "only whitespace"


BYTE_MUTATIONS: list[Callable] = [b_encoding, b_bytes, b_line_ends, b_size]


# --- the table file and the paths a ruleset names ----------------------------------------------------

def f_table(rng, case: Case) -> str:
    if "prices.csv" not in case.files:
        return "no table"
    raw = case.files["prices.csv"]
    how = rng.choice(["cell", "quote", "columns", "header", "latin-1", "cr", "nul", "empty", "huge", "blank-rows", "bom"])
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    if how == "cell":
        row = rng.randrange(1, max(2, len(lines) - 1))
        cells = lines[row].split(",")
        cells[rng.randrange(len(cells))] = str(rng.choice(EDGE_VALUES))[:200].replace("\n", " ")
        lines[row] = ",".join(cells)
    elif how == "quote":
        row = rng.randrange(len(lines))
        lines[row] = lines[row].replace(",", ',"', 1)
    elif how == "columns":
        row = rng.randrange(len(lines))
        lines[row] += rng.choice([",extra", "", ",,", ",1,2"])
    elif how == "header":
        lines[0] = rng.choice(["", "price", "a,b", "effective_from;cluster;price", lines[0] + ",x"])
    elif how == "latin-1":
        case.files["prices.csv"] = text.replace("3.10", "3.10 é").encode("latin-1")
        return "table in Latin-1"
    elif how == "cr":
        case.files["prices.csv"] = raw.replace(b"\n", b"\r")
        return "table with CR line ends"
    elif how == "nul":
        case.files["prices.csv"] = raw.replace(b"3.10", b"3.\x0010")
        return "table with a NUL byte"
    elif how == "empty":
        case.files["prices.csv"] = b""
        return "empty table"
    elif how == "huge":
        case.files["prices.csv"] = raw + b"2025-04-01,1,3.10\n" * 70_000
        return "table past the size bound"
    elif how == "blank-rows":
        lines = [lines[0], "", ",,", *lines[1:]]
    else:
        case.files["prices.csv"] = b"\xef\xbb\xbf" + raw
        return "table with a byte order mark"
    case.files["prices.csv"] = "\n".join(lines).encode()
    return f"table {how}"


def f_path(rng, case: Case) -> str:
    if "prices.csv" not in case.files:
        return "no table path"
    how = rng.choice(["parent", "absolute", "link-out", "link-in", "folder", "missing", "nul", "long", "dev"])
    name = {"parent": "../prices.csv", "absolute": "/etc/hostname", "folder": ".", "missing": "nope.csv",
            "nul": "pri\\0ces.csv", "long": "p" * 5000 + ".csv", "dev": "/dev/zero"}.get(how)
    if how == "link-out":
        case.links["prices.csv"] = "/etc/hostname"
        case.files.pop("prices.csv")
        return "table is a link out of the folder"
    if how == "link-in":
        case.files["real.csv"] = case.files.pop("prices.csv")
        case.links["prices.csv"] = "real.csv"
        return "table is a link within the folder"
    text = case.files["ruleset.yaml"].decode()
    case.files["ruleset.yaml"] = text.replace("{file: prices.csv}", f'{{file: "{name}"}}').encode()
    return f"table path {how}"


def make_case(number: int, seed: int, bases: dict[str, dict[str, bytes]]) -> Case:
    """Case ``number`` of the run seeded ``seed``: the same pair, the same case."""
    rng = random.Random(f"{seed}:{number}")
    name = rng.choice(sorted(bases))
    case = Case(number, name, files=dict(bases[name]))
    raw = case.files["ruleset.yaml"]
    # zero to two changes to the data (read from the seed, which is plain YAML), then at most one
    # to the YAML text, the bytes or the files named: text mutated that way is not read as data again
    data_changes = rng.choice([0, 1, 1, 2])
    last = rng.choice(["text", "bytes", "files", None] if data_changes else ["text", "bytes", "files"])
    if data_changes:
        data = yaml.safe_load(raw.decode())
        for _ in range(data_changes):
            data, what = rng.choice(DATA_MUTATIONS)(rng, data)
            case.mutations.append(what)
        try:
            raw = _dump(data, rng).encode("utf-8", "surrogatepass")
        except RecursionError:  # two deep nestings are more than PyYAML's writer can write
            case.mutations.append("too deep to write: the seed unchanged")
    case.files["ruleset.yaml"] = raw
    if last == "text":
        text, what = rng.choice(TEXT_MUTATIONS)(rng, raw.decode("utf-8", "replace"))
        case.files["ruleset.yaml"] = text.encode("utf-8", "surrogatepass")
        case.mutations.append(what)
    elif last == "bytes":
        case.files["ruleset.yaml"], what = rng.choice(BYTE_MUTATIONS)(rng, raw)
        case.mutations.append(what)
    elif last == "files":
        case.mutations.append(rng.choice([f_table, f_path])(rng, case))
    return case


# --- running a case ----------------------------------------------------------------------------------

class Hang(Exception):
    pass


@dataclass
class Outcome:
    case: Case
    exit_code: int | None  # None: a hang
    output: str
    traceback: str | None
    seconds: float


def run_case(case: Case, folder: Path, timeout: float) -> Outcome:
    """``localpay validate`` on the case written into ``folder``, in-process; a case still
    running after ``timeout`` seconds is stopped and reported as a hang."""
    from localpay.cli import cli

    folder.mkdir(parents=True)
    for name, raw in case.files.items():
        (folder / name).write_bytes(raw)
    for name, target in case.links.items():
        (folder / name).symlink_to(target)

    def alarm(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    try:
        result = CliRunner().invoke(cli, ["validate", str(folder / "ruleset.yaml")])
    except Hang:
        return Outcome(case, None, "", None, time.perf_counter() - start)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    error = result.exception
    if isinstance(error, Hang):
        return Outcome(case, None, result.output, None, seconds)
    if error is not None and not isinstance(error, SystemExit):
        import traceback

        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        return Outcome(case, result.exit_code, result.output, text, seconds)
    return Outcome(case, result.exit_code, result.output, None, seconds)


def broken(outcome: Outcome) -> str | None:
    """Why an outcome breaks the property, or None."""
    if outcome.exit_code is None:
        return "hang"
    if outcome.traceback is not None:
        return "traceback"
    if outcome.exit_code not in (0, 1, 2):
        return f"exit code {outcome.exit_code}"
    if outcome.exit_code == 2 and not outcome.output.startswith("localpay: error: "):
        return "exit 2 without a clear error"
    return None
