"""The state stores on PostgreSQL, for listeners and Dagster runs on several hosts.

One `PostgresDatabase` (a psycopg 3 connection pool, the schema migrated on open) per URL; one
module per store, each implementing the protocol its callers use: `inbox` (`EventInbox`),
`refresh_requests` (`RefreshRequestStore`), `failed_push_pages` (`FailedPushPageStore`),
`ledger` (`CallLedger`) and `limiter` (`CallLimiter`). Selected by `ATTENDANCE_STATE_URL`
through `pipelines.state.factory`.
"""
