"""Charts as inline SVG, drawn here from the statement's own figures: no network, no script, no
font to fetch, and the same figures always give the same bytes.

Each chart is a ``<figure>`` holding an ``<svg>`` with a title and a description for screen
readers, and a caption; every bar carries its figure as text, so the picture can be checked
against the tables beside it. Sizes are integers of the SVG's own units (scaled by the page).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640
BAR_AREA = 420  # the width bars may take in a horizontal chart
ROW = 22  # the height of one row of a horizontal chart
PLAN, ACTUAL, PAID, TARGET, FLOOR = "#9aa5b1", "#1f5f8b", "#2f7d4f", "#d68910", "#b03a2e"


def _figure(title: str, description: str, height: int, body: list[str], caption: str) -> Markup:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" aria-labelledby="t d" font-family="sans-serif" font-size="11">'
           f'<title id="t">{escape(title)}</title><desc id="d">{escape(description)}</desc>'
           + "".join(body) + "</svg>")
    return Markup(f'<figure class="chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>')


def _scale(value: Decimal, largest: Decimal) -> int:
    """A value's length in units, out of BAR_AREA for the largest value (at least 1 if not 0)."""
    if largest <= 0 or value <= 0:
        return 0
    return max(1, int(Decimal(BAR_AREA) * value / largest))


def _text(x: int, y: int, words: str, anchor: str = "start", fill: str = "#222") -> str:
    return f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{fill}">{escape(words)}</text>'


def _bar(x: int, y: int, width: int, height: int, fill: str, label: str) -> str:
    return f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}"><title>{escape(label)}</title></rect>'


def activity_chart(rows: list[dict]) -> Markup | None:
    """Planned against actual activity to date, a pair of bars per line of the plan (rows as the
    statement's ``activity``: key, unit, plan_to_date, actual_to_date)."""
    if not rows:
        return None
    largest = max(max(Decimal(r["plan_to_date"]), Decimal(r["actual_to_date"])) for r in rows)
    body, y = [], 8
    for r in rows:
        plan, actual = Decimal(r["plan_to_date"]), Decimal(r["actual_to_date"])
        body.append(_text(0, y + 14, r["key"]))
        body.append(_bar(110, y, _scale(plan, largest), 9, PLAN, f"{r['key']}: plan {plan:,} {r['unit']}s"))
        body.append(_bar(110, y + 10, _scale(actual, largest), 9, ACTUAL, f"{r['key']}: actual {actual:,} {r['unit']}s"))
        body.append(_text(116 + _scale(max(plan, actual), largest), y + 14, f"{actual:,} of {plan:,}"))
        y += ROW + 6
    body.append(_legend(y, ((PLAN, "plan to date"), (ACTUAL, "actual to date"))))
    return _figure("Activity against plan, year to date", f"{len(rows)} lines of the activity plan: planned and "
                   "actual units to date", y + 22, body, "Activity against plan by cluster, year to date")


def plan_chart(rows: list[dict]) -> Markup | None:
    """Planned units a year by line of the activity plan (rows: key, unit, planned)."""
    if not rows:
        return None
    largest = max(Decimal(r["planned"]) for r in rows)
    body, y = [], 8
    for r in rows:
        planned = Decimal(r["planned"])
        body.append(_text(0, y + 12, _short(r["key"], 24)))
        body.append(_bar(150, y, _scale(planned, largest) * 4 // 5, 14, PLAN, f"{r['key']}: {planned:,} {r['unit']}s a year"))
        body.append(_text(156 + _scale(planned, largest) * 4 // 5, y + 12, f"{planned:,} {r['unit']}s"))
        y += ROW
    return _figure("Indicative activity plan", f"{len(rows)} lines of the plan: units a year", y + 6, body,
                   "Indicative activity plan: units a year by cluster")


def money_chart(months: list[dict], money: Callable[[Decimal], str]) -> Markup | None:
    """Payable money by month, the year to date (months as the statement's ``year_to_date``)."""
    if not months:
        return None
    largest = max((Decimal(m["payable"]) for m in months), default=Decimal(0))
    body, y = [], 8
    for m in months:
        payable = Decimal(m["payable"])
        body.append(_text(0, y + 12, m["period"]))
        body.append(_bar(70, y, _scale(payable, largest), 14, PAID, f"{m['period']}: payable {money(payable)}"))
        body.append(_text(76 + _scale(payable, largest), y + 12, money(payable)))
        y += ROW
    return _figure("Payable by month, year to date", f"{len(months)} months of payable money", y + 6, body,
                   "Money payable by month, year to date")


def measures_chart(measures: list[dict]) -> Markup | None:
    """Each measure's rate against its floor and target (rows as the statement's ``measures``:
    title, rate, floor, target as percentages written "72.5%")."""
    shown = [m for m in measures if m.get("rate")]
    if not shown:
        return None
    body, y = [], 8
    for m in shown:
        rate = _percent(m["rate"])
        body.append(_text(0, y + 12, _short(m["title"])))
        body.append(f'<rect x="180" y="{y}" width="{BAR_AREA}" height="14" fill="#eef1f4"/>')
        body.append(_bar(180, y, _scale(rate, Decimal(100)), 14, ACTUAL, f"{m['title']}: rate {m['rate']}"))
        for mark, colour, name in ((m.get("floor"), FLOOR, "floor"), (m.get("target"), TARGET, "target")):
            if mark:
                x = 180 + _scale(_percent(mark), Decimal(100))
                body.append(f'<line x1="{x}" y1="{y - 3}" x2="{x}" y2="{y + 17}" stroke="{colour}" stroke-width="2">'
                            f'<title>{escape(name)} {escape(mark)}</title></line>')
        body.append(_text(WIDTH, y + 12, m["rate"], anchor="end"))
        y += ROW
    body.append(_legend(y, ((ACTUAL, "rate"), (FLOOR, "floor"), (TARGET, "target"))))
    return _figure("Measures against floor and target", f"{len(shown)} measures: rate, floor and target", y + 22,
                   body, "Measure achievement against floor and target")


def _legend(y: int, keys) -> str:
    parts, x = [], 0
    for colour, words in keys:
        parts.append(f'<rect x="{x}" y="{y + 4}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, y + 13, words))
        x += 20 + 7 * len(words)
    return "".join(parts)


def _percent(text: str) -> Decimal:
    return Decimal(str(text).rstrip("%"))


def _short(title: str, most: int = 32) -> str:
    return title if len(title) <= most else title[: most - 1] + "…"
