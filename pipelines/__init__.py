"""DingTalk attendance pipeline: Stream listener, Dagster assets, DuckDB/Parquet, emulator."""
