"""Fitting DingTalk's quotas: editions, the cost model behind `plan`, the profile it writes, the
budget governor and the push ledger protocol (no dagster; see docs/quota.md)."""
