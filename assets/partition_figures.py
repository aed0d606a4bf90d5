"""Numeric metadata per daily partition, so that the Dagster UI plots each figure over days.

Dagster copies a run's metadata onto every partition of a range run; figures that differ by day
are attached per partition key instead (`add_asset_metadata(..., partition_key=...)`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import dagster as dg

from pipelines.dingtalk.counters import CallTally, calls_per_day
from pipelines.reports.figures import daily_figures
from pipelines.warehouse.views import StoreOrDir


def add_daily_figures(
    context: dg.AssetExecutionContext, source: StoreOrDir, days: Sequence[date]
) -> None:
    """Late count and minutes, absences, missing punches, scheduled and unsettled employees."""
    for day, figures in daily_figures(source, days).items():
        context.add_asset_metadata(_numbers(figures), partition_key=day.isoformat())


def add_calls_per_day(
    context: dg.AssetExecutionContext, spent: CallTally, days: Sequence[date]
) -> None:
    """`metered_calls` of each day: its share of the run's calls by the days each call covered
    (`calls_per_day`: a call over 7 days gives each 1/7), so a range run's days plot real
    figures; the run's own total stays in `metered_calls_in_run`."""
    for day, share in calls_per_day(spent.metered_by_days, days).items():
        context.add_asset_metadata(
            {"metered_calls": dg.MetadataValue.float(round(share, 4))},
            partition_key=day.isoformat(),
        )


def _numbers(figures: Mapping[str, float]) -> dict[str, dg.MetadataValue]:
    return {
        name: dg.MetadataValue.float(value)
        if isinstance(value, float)
        else dg.MetadataValue.int(int(value))
        for name, value in figures.items()
    }
