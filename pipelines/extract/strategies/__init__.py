"""Row-dense pull strategies: the most DingTalk data per metered call (issue 12, docs/quota.md)."""
