"""The department tree, the employees and the leave types of the emulated org."""

from __future__ import annotations

from datetime import date, timedelta

from pipelines.emulator.calendar import GROUPS
from pipelines.emulator.ids import rng, stable_hex
from pipelines.emulator.model import Department, Employee, LeaveType

ROOT_DEPT_ID = 1
DEPARTMENTS: tuple[Department, ...] = (
    Department(ROOT_DEPT_ID, "钉钉模拟科技有限公司", None),
    Department(101, "研发中心", ROOT_DEPT_ID),
    Department(102, "销售部", ROOT_DEPT_ID),
    Department(103, "运维部", ROOT_DEPT_ID),
    Department(10101, "后端组", 101),
    Department(10102, "前端组", 101),
)
# Which departments each attendance group's members belong to (cycled over the members).
_GROUP_DEPTS = {0: (10101, 10102, 101), 1: (102,), 2: (103,)}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_TITLES = ("工程师", "高级工程师", "销售经理", "运维工程师", "产品经理")

# The last type is the seed's configuration pitfall: it exists in vacation/type/list but has no
# report column, so getleavetimebynames answers it with null values.
LEAVE_TYPES: tuple[LeaveType, ...] = (
    LeaveType("b35d5f7e-0a1c-4d3e-9a47-000000000001", "事假", "hour"),
    LeaveType("b35d5f7e-0a1c-4d3e-9a47-000000000002", "病假", "halfDay"),
    LeaveType("b35d5f7e-0a1c-4d3e-9a47-000000000003", "年假", "day"),
    LeaveType("b35d5f7e-0a1c-4d3e-9a47-000000000004", "调休", "hour", "lieu_leave"),
    LeaveType("b35d5f7e-0a1c-4d3e-9a47-000000000005", "育儿假", "day", in_report=False),
)
LEAVE_TYPES_BY_NAME = {leave.leave_name: leave for leave in LEAVE_TYPES}
HOURS_PER_DAY = 8.0


def group_of(index: int) -> int:
    """Group position for employee `index`: half 09-18, 30 % 10-19, 20 % the shift group."""
    slot = index % 10
    return 0 if slot < 5 else (1 if slot < 8 else 2)


def build_employees(seed: int, count: int, start: date) -> list[Employee]:
    """`count` employees; the first one is the OA administrator (vacation/type/list op_userid)."""
    members: dict[int, int] = {}
    employees = []
    for index in range(count):
        draw = rng(seed, "employee", index)
        position = group_of(index)
        member_index = members.get(position, 0)
        members[position] = member_index + 1
        depts = _GROUP_DEPTS[position]
        employees.append(
            Employee(
                userid=f"user{index + 1:04d}",
                unionid=stable_hex(seed, "unionid", index, length=24),
                name=draw.choice(_SURNAMES) + draw.choice(_GIVEN) + draw.choice(("", *_GIVEN)),
                dept_id=ROOT_DEPT_ID if index == 0 else depts[member_index % len(depts)],
                group_id=GROUPS[position].group_id,
                member_index=member_index,
                job_number=f"E{seed % 100:02d}{index + 1:05d}",
                title=draw.choice(_TITLES),
                hired_date=start - timedelta(days=draw.randint(60, 2000)),
                is_admin=index == 0,
            )
        )
    return employees
