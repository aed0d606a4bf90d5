"""Leave balances (假期余额, vacation/quota/list) into the unpartitioned `leave_balances` table.

Optional (ATTENDANCE_LEAVE_BALANCES): DingTalk answers one leave type per call, so a refresh
costs one metered call per leave type per 50 employees (pipelines/quota/leave_cost.py). The leave
types come from the `report_columns` table (vacation/type/list, already pulled), so no call is
spent on them here. The table is replaced whole: it is a snapshot as of the pull.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pipelines.catalogue import Table
from pipelines.days import SHANGHAI
from pipelines.dingtalk.client import DingTalkClient
from pipelines.dingtalk.models import LeaveQuota
from pipelines.extract.loaders import WarehouseStateError, roster
from pipelines.extract.rows import Rows
from pipelines.warehouse.store import ParquetStore


def leave_types(store: ParquetStore) -> dict[str, str]:
    """leave_code -> leave name, from `report_columns` (materialize `report_columns` first)."""
    found = {
        row["leave_code"]: row["name"]
        for row in store.read(Table.REPORT_COLUMNS).to_pylist()
        if row["kind"] == "leave_type" and row["leave_code"]
    }
    if not found:
        raise WarehouseStateError(
            "report_columns holds no leave types: materialize `report_columns` first"
        )
    return found


def balance_rows(quotas: Iterable[LeaveQuota], names: dict[str, str], pulled_at: datetime) -> Rows:
    """`vacation/quota/list` quotas as rows, in days or hours (the wire's hundredths / 100)."""
    rows: Rows = []
    for quota in quotas:
        by_hour = quota.quota_num_per_hour is not None or quota.used_num_per_hour is not None
        granted = quota.quota_num_per_hour if by_hour else quota.quota_num_per_day
        spent = quota.used_num_per_hour if by_hour else quota.used_num_per_day
        total, used = (granted or 0) / 100, (spent or 0) / 100
        rows.append(
            {
                "userid": quota.userid,
                "leave_code": quota.leave_code,
                "leave_name": names.get(quota.leave_code),
                "quota_cycle": quota.quota_cycle,
                "quota_id": quota.quota_id,
                "unit": "hour" if by_hour else "day",
                "quota": total,
                "used": used,
                "remaining": round(total - used, 2),
                "valid_from": quota.start_time,
                "valid_to": quota.end_time,
                "pulled_at": pulled_at,
            }
        )
    return rows


def load_leave_balances(client: DingTalkClient, store: ParquetStore, op_userid: str) -> int:
    """Every active employee's balance of every leave type; returns the rows written."""
    users, names = roster(store), leave_types(store)
    pulled_at = datetime.now(SHANGHAI)
    quotas = [
        quota
        for code in sorted(names)
        for quota in client.list_leave_quotas(op_userid, code, users)
    ]
    return store.write(Table.LEAVE_BALANCES, balance_rows(quotas, names, pulled_at))
