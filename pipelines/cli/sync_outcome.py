"""What `sync` prints around its runs: the cost before launch and the root cause of a failure.

Not a command module: `sync` imports it. A failed run becomes one line naming the cause and
the fix, and the full error goes to a log file under the data dir, not onto the terminal.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster_shared.error import SerializableErrorInfo

from pipelines.quota.range_cost import range_cost

CREDENTIALS_FIX = (
    "DingTalk refused the credentials: set DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET to the"
    " app's Client ID (AppKey) and Client Secret (AppSecret)"
)
PERMISSION_FIX = (
    "; grant the permission it names in the developer console (权限管理),"
    " `dingtalk-attendance doctor` lists the missing ones"
)
GRANT_FIX = (
    " in the developer console (开发者后台 › 权限管理) and have an administrator authorise it,"
    " then run sync again"
)


def cost_lines(users: int, first: date, last: date, chunk_days: int, quota: int) -> list[str]:
    """The metered calls a sync of first..last would spend, per API, and the month's share."""
    cost = range_cost(users, first, last, chunk_days)
    total = sum(cost.values())
    lines = [
        f"dry run: {first}..{last} for {users} employees would spend about {total} metered calls"
    ]
    lines += [f"  {path:<45}{count:>8}" for path, count in cost.items()]
    lines.append(
        f"  {total / quota:.1%} of the month's quota of {quota} (DINGTALK_MONTHLY_API_QUOTA)"
    )
    return lines


def cost_document(users: int, first: date, last: date, chunk_days: int, quota: int) -> dict:
    """`cost_lines` as one JSON-ready object (`sync --dry-run --json`)."""
    cost = range_cost(users, first, last, chunk_days)
    total = sum(cost.values())
    return {
        "dry_run": True,
        "range": [first.isoformat(), last.isoformat()],
        "users": users,
        "metered_calls": total,
        "by_endpoint": dict(cost),
        "monthly_quota": quota,
        "quota_share": round(total / quota, 4),
    }


def root_cause(error: SerializableErrorInfo) -> str:
    """One line: the innermost exception of a step failure, with the fix when it is known."""
    innermost = error
    while innermost.cause is not None:
        innermost = innermost.cause
    name, message = innermost.cls_name or "", _last_line(innermost.message)
    if name in ("BadCredentialsError", "TokenInvalidError"):
        return CREDENTIALS_FIX
    if name == "PermissionDeniedError":  # the message ends "; grant <the permission>"
        return f"DingTalk refused a call for a missing permission ({message}){GRANT_FIX}"
    if name == "BadRequestError":
        return f"DingTalk refused a call ({message}){PERMISSION_FIX}"
    if name in ("QuotaExhaustedError", "Failure", "RetriesExhaustedError"):
        return message
    return f"{name}: {message}" if name else message


def write_log(data_dir: Path, run_id: str, error: SerializableErrorInfo) -> Path:
    """The full error of a failed run in `<data_dir>/logs/sync-<run id>.log`."""
    path = data_dir.resolve() / "logs" / f"sync-{run_id}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(error.to_string())
    return path


def _last_line(message: str) -> str:
    # Dagster prefixes the class path ("pkg.Error: text"); keep the text.
    line = message.strip().splitlines()[-1] if message.strip() else "run failed"
    head, separator, rest = line.partition(": ")
    return rest if separator and "." in head and " " not in head else line
