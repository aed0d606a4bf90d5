"""Organisation and approval payloads: departments, users, approval instances."""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from pipelines.dingtalk.models.types import IsoDateTime, WireModel, WorkDate


class Department(WireModel):
    """A department (`topapi/v2/department/listsub`)."""

    dept_id: int
    name: str | None = None
    parent_id: int | None = None


class User(WireModel):
    """A user's details (`topapi/v2/user/get`)."""

    userid: str
    name: str | None = None
    unionid: str | None = None
    active: bool | None = None
    dept_id_list: list[int] = Field(default_factory=list)
    job_number: str | None = None
    title: str | None = None
    hired_date: WorkDate | None = None


class ApiModel(WireModel):
    """A new-API payload: camelCase wire names."""

    model_config = ConfigDict(alias_generator=to_camel)


class FormComponentValue(ApiModel):
    """A form field; `value`/`ext_value` are often JSON text to be parsed again."""

    id: str | None = None
    name: str | None = None
    value: str | None = None
    ext_value: str | None = None
    component_type: str | None = None
    biz_alias: str | None = None


class OperationRecord(ApiModel):
    """An approval step taken by someone."""

    user_id: str | None = None
    date: IsoDateTime | None = None
    type: str | None = None
    result: str | None = None
    remark: str | None = None


class ApprovalTask(ApiModel):
    """An approval task."""

    task_id: int | None = None
    user_id: str | None = None
    status: str | None = None
    result: str | None = None
    create_time: IsoDateTime | None = None
    finish_time: IsoDateTime | None = None


class ProcessInstance(ApiModel):
    """An approval instance (`GET /v1.0/workflow/processInstances` `result`)."""

    process_instance_id: str | None = None
    title: str | None = None
    status: str | None = None
    result: str | None = None
    biz_action: str | None = None
    business_id: str | None = None
    originator_user_id: str | None = None
    originator_dept_id: str | None = None
    create_time: IsoDateTime | None = None
    finish_time: IsoDateTime | None = None
    form_component_values: list[FormComponentValue] = Field(default_factory=list)
    operation_records: list[OperationRecord] = Field(default_factory=list)
    tasks: list[ApprovalTask] = Field(default_factory=list)
    approver_user_ids: list[str] = Field(default_factory=list)
    cc_user_ids: list[str] = Field(default_factory=list)
    attached_process_instance_ids: list[str] = Field(default_factory=list)
    main_process_instance_id: str | None = None

    @property
    def approved(self) -> bool:
        """True when the instance completed with `agree`."""
        return self.status == "COMPLETED" and self.result == "agree"


class ResourceUse(ApiModel):
    """One benefit's month from the meter API (`quotaNum`, `usedNum`, reference 11.3)."""

    quota_num: int = 0
    used_num: int = 0
