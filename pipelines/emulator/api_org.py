"""Contacts and HR: departments, department members, users, on-job list (none metered)."""

from __future__ import annotations

from pipelines.emulator import params as p
from pipelines.emulator.calendar import epoch_ms, midnight
from pipelines.emulator.http import ApiError
from pipelines.emulator.people import ROOT_DEPT_ID
from pipelines.emulator.routes import Call, ok, route


def _dept_id(call: Call) -> int:
    dept_id = p.to_int(call.params, "dept_id", ROOT_DEPT_ID)
    if all(d.dept_id != dept_id for d in call.org.departments):
        raise ApiError(60003, "部门不存在")
    return dept_id


@route("old", "/topapi/v2/department/listsub", metered=False)
def department_listsub(call: Call) -> dict:
    parent = _dept_id(call)
    children = [
        {
            "dept_id": d.dept_id,
            "name": d.name,
            "parent_id": d.parent_id,
            "create_dept_group": True,
            "auto_add_user": True,
        }
        for d in call.org.departments
        if d.parent_id == parent
    ]
    return ok(result=children)


@route("old", "/topapi/v2/department/get", metered=False)
def department_get(call: Call) -> dict:
    dept_id = _dept_id(call)
    dept = next(d for d in call.org.departments if d.dept_id == dept_id)
    return ok(result={"dept_id": dept.dept_id, "name": dept.name, "parent_id": dept.parent_id})


@route("old", "/topapi/v2/department/listsubid", metered=False)
def department_listsubid(call: Call) -> dict:
    parent = _dept_id(call)
    ids = [d.dept_id for d in call.org.departments if d.parent_id == parent]
    return ok(result={"dept_id_list": ids})


@route("old", "/topapi/user/listid", metered=False)
def user_listid(call: Call) -> dict:
    dept_id = _dept_id(call)
    users = [e.userid for e in call.org.employees if e.dept_id == dept_id]
    return ok(result={"userid_list": users})


@route("old", "/topapi/v2/user/get", metered=False)
def user_get(call: Call) -> dict:
    userid = str(p.need(call.params, "userid"))
    employee = call.org.by_userid.get(userid)
    if employee is None:
        raise ApiError(60121, "找不到该用户")
    return ok(result=_user_details(employee))


# Real DingTalk caps the department user list at 100 users a page [I].
USER_LIST_MAX_SIZE = 100


@route("old", "/topapi/v2/user/list", metered=False)
def user_list(call: Call) -> dict:
    """A department's direct members with their details, `cursor`/`size` paging."""
    dept_id = _dept_id(call)
    cursor, size = p.to_int(call.params, "cursor", 0), p.to_int(call.params, "size", 0)
    p.check(cursor >= 0 and 1 <= size <= USER_LIST_MAX_SIZE, "参数 size 必须在1到100之间")
    members = [e for e in call.org.employees if e.dept_id == dept_id]
    page = members[cursor : cursor + size]
    result: dict = {
        "has_more": cursor + size < len(members),
        "list": [_user_details(e) for e in page],
    }
    if result["has_more"]:
        result["next_cursor"] = cursor + size
    return ok(result=result)


def _user_details(employee) -> dict:
    return {
        "userid": employee.userid,
        "unionid": employee.unionid,
        "name": employee.name,
        "active": True,
        "admin": employee.is_admin,
        "boss": False,
        "dept_id_list": [employee.dept_id],
        "job_number": employee.job_number,
        "title": employee.title,
        "hired_date": epoch_ms(midnight(employee.hired_date)),
        "real_authed": True,
        "senior": False,
    }


@route("old", "/topapi/smartwork/hrm/employee/queryonjob", metered=False)
def query_on_job(call: Call) -> dict:
    p.need(call.params, "status_list")
    offset, size = p.to_int(call.params, "offset", 0), p.to_int(call.params, "size", 50)
    p.check(offset >= 0 and 1 <= size <= 50, "参数 size 必须在1到50之间, offset 不能小于0")
    users = [e.userid for e in call.org.employees]
    result: dict[str, object] = {"data_list": users[offset : offset + size]}
    if offset + size < len(users):
        result["next_cursor"] = offset + size  # paging ends when next_cursor is absent
    return ok(result=result, success=True)
