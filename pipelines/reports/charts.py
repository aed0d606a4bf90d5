"""The report's charts as inline SVG (matplotlib, Agg backend, glyphs drawn as paths).

Labels are ASCII keys (D1, D2, ... for departments, L1, ... for leave types) whose Chinese names
the page prints next to the chart: the SVG then needs no CJK font on the machine that renders
it nor on the one that opens it, and it references no file or URL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "path",
        "svg.hashsalt": "dingtalk-attendance",  # stable element ids: same data, same file
        "font.family": "DejaVu Sans",
        "font.size": 9,
    }
)
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
# The HTML parser puts inline SVG and xlink:href in their namespaces without declarations.
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_IDS = re.compile(r'(id="|href="#|url\(#)')


def lateness_heatmap(
    departments: Sequence[str], days: Sequence[date], counts: Sequence[Sequence[int]]
) -> str:
    """Late check points per department (rows, keys D1..) and day of the month (columns)."""
    figure, axes = plt.subplots(figsize=(9, 0.45 * len(departments) + 1.2))
    image = axes.imshow(counts, aspect="auto", cmap="Oranges", vmin=0)
    axes.set_yticks(range(len(departments)), departments)
    axes.set_xticks(range(len(days)), [str(day.day) for day in days])
    axes.set_xlabel("day of month")
    for row, values in enumerate(counts):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=7)
    bar = figure.colorbar(image, ax=axes, label="late check points", fraction=0.03)
    bar.locator = MaxNLocator(integer=True)  # counts: no 0.25 ticks
    bar.update_ticks()
    return _svg(figure, "late")


def bar_chart(name: str, labels: Sequence[str], values: Sequence[float], unit: str) -> str:
    """Vertical bars with their values on top; `unit` labels the y axis, `name` prefixes ids."""
    figure, axes = plt.subplots(figsize=(4.5, 2.6))
    bars = axes.bar(range(len(labels)), values, color="#3b7dd8")
    axes.set_xticks(range(len(labels)), labels)
    axes.bar_label(bars, fmt="%g", fontsize=8)
    axes.set_ylabel(unit)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure, name)


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as inline SVG whose element ids start with `prefix` (unique in the page)."""
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    # Inline SVG: no XML prolog or DOCTYPE (it names an external DTD), no RDF metadata block.
    text = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1))
    return _IDS.sub(lambda match: f"{match[1]}{prefix}-", _NAMESPACES.sub("", text))
