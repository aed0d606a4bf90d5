"""The DingTalk HTTP API client: auth, errors, models, batching, rate limit, quota ledger.

Never imports dagster; assets reach it through `pipelines.resources`.
"""

from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.counters import CallMark, CallTally
from pipelines.dingtalk.errors import (
    BadCredentialsError,
    BadRequestError,
    DingTalkError,
    IpBannedError,
    PermissionDeniedError,
    QuotaExhaustedError,
    RetriesExhaustedError,
    ThrottledError,
    TokenInvalidError,
    TransientError,
)
from pipelines.dingtalk.http import RetryPolicy
from pipelines.dingtalk.ledger import QuotaLedger

__all__ = [
    "BadCredentialsError",
    "BadRequestError",
    "CallMark",
    "CallTally",
    "DingTalkClient",
    "DingTalkError",
    "IpBannedError",
    "PermissionDeniedError",
    "QuotaExhaustedError",
    "QuotaLedger",
    "RetriesExhaustedError",
    "RetryPolicy",
    "ThrottledError",
    "TokenInvalidError",
    "TransientError",
]
