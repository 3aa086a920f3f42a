"""Charts are inline SVG drawn from the statement's figures: well-formed, to scale, labelled."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

from localpay import charts
from localpay.money import format_money

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(markup) -> ET.Element:
    figure = ET.fromstring(str(markup))
    [svg] = figure.findall(f"{SVG}svg")
    return svg


def bars(svg: ET.Element) -> list[tuple[str, int]]:
    return [(rect.find(f"{SVG}title").text, int(rect.get("width"))) for rect in svg.iter(f"{SVG}rect")
            if rect.find(f"{SVG}title") is not None]


def test_activity_bars_are_to_scale_and_carry_their_figures():
    rows = [{"key": "cluster 3", "unit": "day", "plan_to_date": D("200.0"), "actual_to_date": 100},
            {"key": "cluster 4", "unit": "day", "plan_to_date": D("50.0"), "actual_to_date": 60}]
    svg = svg_of(charts.activity_chart(rows))
    # the largest figure (200) takes the whole bar area, 420 units; the rest in proportion
    assert bars(svg) == [("cluster 3: plan 200.0 days", 420), ("cluster 3: actual 100 days", 210),
                         ("cluster 4: plan 50.0 days", 105), ("cluster 4: actual 60 days", 126)]
    assert "100 of 200.0" in ET.tostring(svg, encoding="unicode")
    assert svg.find(f"{SVG}title").text == "Activity against plan, year to date"


def test_money_chart_labels_each_month_in_pounds():
    months = [{"period": "2025-04", "payable": D("1000.00")}, {"period": "2025-05", "payable": D("250.50")}]
    svg = svg_of(charts.money_chart(months, format_money))
    assert bars(svg) == [("2025-04: payable £1,000.00", 420), ("2025-05: payable £250.50", 105)]


def test_measures_chart_marks_floor_and_target_on_a_percentage_scale():
    measures = [{"title": "Reviewed <in> period", "rate": "75.0%", "floor": "60%", "target": "90%"}]
    svg = svg_of(charts.measures_chart(measures))
    assert bars(svg) == [("Reviewed <in> period: rate 75.0%", 315)]  # 75% of 420
    marks = {line.find(f"{SVG}title").text: int(line.get("x1")) for line in svg.iter(f"{SVG}line")}
    assert marks == {"floor 60%": 180 + 252, "target 90%": 180 + 378}
    assert "&lt;in&gt;" in str(charts.measures_chart(measures))  # text is escaped, never markup


def test_no_figures_no_chart_and_same_figures_same_bytes():
    assert charts.activity_chart([]) is None and charts.measures_chart([{"title": "x", "rate": ""}]) is None
    months = [{"period": "2025-04", "payable": D("1.00")}]
    assert str(charts.money_chart(months, format_money)) == str(charts.money_chart(months, format_money))
