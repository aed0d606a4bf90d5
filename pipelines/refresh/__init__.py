"""From inbox events to refresh requests: which days, which users (no dagster import)."""
