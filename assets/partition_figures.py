"""Numeric metadata per daily partition, so that the Dagster UI plots each figure over days.

Dagster copies a run's metadata onto every partition of a range run; figures that differ by day
are attached per partition key instead (`add_asset_metadata(..., partition_key=...)`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import dagster as dg

from pipelines.reports.figures import daily_figures
from pipelines.warehouse.views import StoreOrDir


def add_daily_figures(
    context: dg.AssetExecutionContext, source: StoreOrDir, days: Sequence[date]
) -> None:
    """Late count and minutes, absences, missing punches, scheduled and unsettled employees."""
    for day, figures in daily_figures(source, days).items():
        context.add_asset_metadata(_numbers(figures), partition_key=day.isoformat())


def add_calls_per_day(
    context: dg.AssetExecutionContext, metered: Mapping[str, int], days: Sequence[date]
) -> None:
    """The run's metered calls spread over its days: a range run pulls every day at once."""
    share = sum(metered.values()) / len(days)
    for day in days:
        context.add_asset_metadata(
            {"metered_calls_per_day": dg.MetadataValue.float(share)}, partition_key=day.isoformat()
        )


def _numbers(figures: Mapping[str, float]) -> dict[str, dg.MetadataValue]:
    return {
        name: dg.MetadataValue.float(value)
        if isinstance(value, float)
        else dg.MetadataValue.int(int(value))
        for name, value in figures.items()
    }
