"""Organisation, approval and failed-push methods of `DingTalkClient` (mixed in)."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from pipelines.dingtalk import endpoints as ep
from pipelines.dingtalk.api_attendance import parse_rows
from pipelines.dingtalk.batching import (
    PAGE_SIZE_DEPARTMENT_USERS,
    PAGE_SIZE_QUERY_ON_JOB,
    Page,
    iter_cursor_pages,
)
from pipelines.dingtalk.models import Department, ProcessInstance, ResourceUse, User

if TYPE_CHECKING:
    from pipelines.dingtalk.http import ApiCaller

ROOT_DEPARTMENT_ID = 1
ON_JOB_STATUSES = "2,3,5,-1"  # probation, regular, leaving soon, no status
# The meter API's benefit codes are undocumented [I] (reference 11.3): these are the emulator's.
API_CALLS_BENEFIT = "OPEN_API_CALL"
PUSHES_BENEFIT = "WEBHOOK_STREAM_PUSH"


class OrgApi:
    """Contacts (not metered), approvals and the failed-push lists."""

    _caller: ApiCaller

    def list_departments(self, root_id: int = ROOT_DEPARTMENT_ID) -> list[Department]:
        """The root department (`v2/department/get`, for its name) and every department below
        it (`v2/department/listsub`)."""
        found = [self.get_department(root_id)]
        pending = deque([root_id])
        seen = {root_id}
        while pending:
            parent = pending.popleft()
            data = self._caller.call(ep.DEPARTMENTS, body={"dept_id": parent})
            for child in parse_rows(Department, data.get("result") or [], ep.DEPARTMENTS.path):
                if child.dept_id not in seen:
                    seen.add(child.dept_id)
                    found.append(child)
                    pending.append(child.dept_id)
        return found

    def get_department(self, dept_id: int) -> Department:
        """One department's details (`v2/department/get`)."""
        data = self._caller.call(ep.DEPARTMENT, body={"dept_id": dept_id, "language": "zh_CN"})
        return parse_rows(Department, [data.get("result") or {}], ep.DEPARTMENT.path)[0]

    def list_user_ids(self, dept_id: int) -> list[str]:
        """User ids directly in a department (`user/listid`)."""
        data = self._caller.call(ep.DEPARTMENT_USER_IDS, body={"dept_id": dept_id})
        return list((data.get("result") or {}).get("userid_list") or [])

    def get_user(self, userid: str) -> User:
        """One user's details (`v2/user/get`)."""
        data = self._caller.call(ep.USER, body={"userid": userid, "language": "zh_CN"})
        return parse_rows(User, [data.get("result") or {}], ep.USER.path)[0]

    def list_department_users(self, dept_id: int) -> list[User]:
        """A department's direct members with their details (`v2/user/list`, 100 a call): the
        roster in one call per 100 users instead of one `user/get` per user."""

        def fetch(cursor: Any) -> Page:
            body = {"dept_id": dept_id, "cursor": cursor, "size": PAGE_SIZE_DEPARTMENT_USERS}
            result = self._caller.call(ep.DEPARTMENT_USERS, body=body).get("result") or {}
            users = parse_rows(User, result.get("list") or [], ep.DEPARTMENT_USERS.path)
            return Page(
                users, next_cursor=result.get("next_cursor") if result.get("has_more") else None
            )

        return [user for page in iter_cursor_pages(fetch, first_cursor=0) for user in page]

    def list_on_job_user_ids(self, status_list: str = ON_JOB_STATUSES) -> list[str]:
        """Every employee on the job (`smartwork/hrm/employee/queryonjob`, not metered)."""

        def fetch(cursor: Any) -> Page:
            body = {"status_list": status_list, "offset": cursor, "size": PAGE_SIZE_QUERY_ON_JOB}
            result = self._caller.call(ep.ON_JOB, body=body).get("result") or {}
            return Page(result.get("data_list") or [], next_cursor=result.get("next_cursor"))

        user_ids: list[str] = []
        for page in iter_cursor_pages(fetch, first_cursor=0):
            user_ids.extend(page)
        return list(dict.fromkeys(user_ids))

    def get_process_instance(self, process_instance_id: str) -> ProcessInstance:
        """An approval instance with its form (`GET /v1.0/workflow/processInstances`)."""
        data = self._caller.call(
            ep.PROCESS_INSTANCE, params={"processInstanceId": process_instance_id}
        )
        result = {"processInstanceId": process_instance_id, **(data.get("result") or {})}
        return parse_rows(ProcessInstance, [result], ep.PROCESS_INSTANCE.path)[0]

    def get_resource_usage(
        self, month: str, benefit_codes: tuple[str, ...] = (API_CALLS_BENEFIT, PUSHES_BENEFIT)
    ) -> dict[str, ResourceUse]:
        """DingTalk's own usage figures for `month` ("YYYY-MM") per benefit code
        (`POST /v1.0/meter/resources/useInfos/query`); the answer lists them in the order asked.
        """
        body = {"benefitCodeList": list(benefit_codes), "period": month}
        data = self._caller.call(ep.METER_USAGE, body=body)
        found = parse_rows(ResourceUse, data.get("result") or [], ep.METER_USAGE.path)
        return dict(zip(benefit_codes, found, strict=False))

    def fetch_failed_push_page(self) -> dict[str, Any]:
        """One page of the old failed-push list, raw (`failed_list`, `has_more`).

        DingTalk deletes what it returns, so the caller must store the page durably before
        asking for the next one.
        """
        return self._caller.call(ep.FAILED_PUSH)

    def fetch_failed_push_body(self) -> bytes:
        """`fetch_failed_push_page` as the answer's bytes, to be stored before any decoding."""
        return self._caller.call_raw(ep.FAILED_PUSH)
