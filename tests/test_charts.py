"""Chart labels stay readable: the SVG's units and app.css's minimum width agree (issue 13, phones)."""
import math
import re
from pathlib import Path

import pytest

from red_property.core import charts

CSS = (Path(charts.__file__).resolve().parent.parent / "static" / "css" / "app.css").read_text(encoding="utf-8")

SAMPLES = {
    "bar": lambda: charts.bar_chart([("锦绣苑", 91.5), ("金沙家园", 60)], title="收缴率", unit="%"),
    "line": lambda: charts.line_chart([("25-11", 80.0), ("25-12", None), ("26-01", 92.6)], title="趋势", unit="%"),
    "grouped": lambda: charts.grouped_bar_chart([("2026-Q1", [12345.5, 2300]), ("2026-Q2", [0, 800])],
                                                ["收入", "支出"], title="收支"),
    "threshold": lambda: charts.threshold_chart([("参与人数", 0.7, 2 / 3, "2/3", True)], title="门槛"),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_no_chart_label_can_be_drawn_below_11_px(kind):
    svg = str(SAMPLES[kind]())
    assert svg.startswith('<div class="chart-box"><svg class="chart"')
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert width <= charts.MAX_WIDTH and sizes and min(sizes) >= charts.MIN_FONT, (width, sizes)
    # the browser shrinks the chart to its box, but never below this
    minimum = float(re.search(r"svg\.chart \{[^}]*min-width: (\d+)px", CSS).group(1))
    assert minimum >= math.ceil(charts.MAX_WIDTH * 11 / charts.MIN_FONT)
