"""The monthly report asset: the HTML page and the console-style workbook for each month."""

import dagster as dg

from assets.marts import attendance_monthly
from pipelines.catalogue import Asset, Group
from pipelines.partitions import monthly_partitions
from pipelines.reports.data import MonthData
from pipelines.reports.files import write_month_report
from pipelines.resources import WarehouseResource
from pipelines.state.factory import StateLocation
from pipelines.warehouse.factory import object_store_config

TOP_LATE = 5


@dg.asset(
    name=Asset.MONTHLY_REPORT,
    partitions_def=monthly_partitions,
    group_name=Group.REPORTS,
    kinds={"html", "excel"},
    deps=[attendance_monthly],
)
def monthly_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """考勤月报: the month's report page (HTML, opens offline) and the 月度汇总/每日统计/打卡时间/
    原始记录 workbook, written under `<data dir>/reports/<month>/` from the marts.
    """
    month = context.partition_key[:7]
    settings = warehouse.settings()
    written = write_month_report(
        warehouse.path,
        month,
        object_store_config(settings),
        StateLocation(warehouse.path, settings.attendance_state_url.get_secret_value()),
    )
    data = written.data
    totals = _totals(data)
    return dg.MaterializeResult(
        metadata={
            "page": dg.MetadataValue.path(str(written.page)),
            "workbook": dg.MetadataValue.path(str(written.workbook)),
            "employee_count": dg.MetadataValue.int(len(data.employees)),
            "settled_share": dg.MetadataValue.float(round(data.freshness.settled_share, 4)),
            "final": dg.MetadataValue.bool(data.final),
            **{name: dg.MetadataValue.float(value) for name, value in totals.items()},
            "metered_calls": dg.MetadataValue.int(data.cost.get("metered_calls", 0)),
            "pushes": dg.MetadataValue.int(data.cost.get("pushes", 0)),
            "summary": dg.MetadataValue.md(summary_markdown(data, totals)),
        }
    )


def _totals(data: MonthData) -> dict[str, float]:
    # Sums of the per-employee rows of attendance_monthly, as the page's table shows them.
    keys = ("late_count", "late_minutes", "absent_days", "missing_count", "leave_hours")
    keys += ("overtime_hours",)
    return {key: float(sum(row[key] for row in data.employees)) for key in keys}


def summary_markdown(data: MonthData, totals: dict[str, float]) -> str:
    """The month at a glance for the asset's page in the UI."""
    share = f"{100 * data.freshness.settled_share:.0f} %"
    lines = [
        f"**{data.month}**: {len(data.employees)} employees, {share} of scheduled days settled"
        f" ({'final' if data.final else 'not final'}).",
        "",
        "| 迟到次数 | 迟到分钟 | 旷工天数 | 缺卡次数 | 请假小时 | 加班小时 |",
        "|---:|---:|---:|---:|---:|---:|",
        "| {late_count:g} | {late_minutes:g} | {absent_days:g} | {missing_count:g} "
        "| {leave_hours:g} | {overtime_hours:g} |".format(**totals),
    ]
    late = sorted(data.employees, key=lambda row: (-row["late_minutes"], row["userid"]))
    late = [row for row in late[:TOP_LATE] if row["late_minutes"] > 0]
    if late:
        lines += ["", "| 姓名 | 部门 | 迟到次数 | 迟到分钟 |", "|---|---|---:|---:|"]
        lines += [
            f"| {r['name']} | {r['dept_name']} | {r['late_count']} | {r['late_minutes']:g} |"
            for r in late
        ]
    return "\n".join(lines)
