"""Report, leave and failed-push payloads.

`getcolumnval` answers `column_vals`/`column_vo` while `getleavetimebynames` answers
`columnvals`/`columnvo` (no underscores): both map to the same Python names here.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Annotated, NamedTuple, cast

from pydantic import Field, PlainValidator, TypeAdapter, field_validator

from pipelines.dingtalk.models.types import EpochMs, LocalDateTime, WireModel


class ReportColumn(WireModel):
    """A column of the attendance report (`getattcolumns`); leave columns have no id."""

    id: int | None = None
    name: str
    alias: str | None = None
    type: int | None = None
    sub_type: int | None = None
    status: int | None = None


class DatedValue(NamedTuple):
    """A report value for one day; DingTalk sends values as strings."""

    date: datetime
    value: str


_LOCAL_TIME = TypeAdapter(LocalDateTime)


@lru_cache(maxsize=4096)
def _local_time(text: str) -> datetime:
    # A month of getcolumnval repeats the same 31 date strings for every column and user.
    return _LOCAL_TIME.validate_python(text)


def dated_values(raw: object) -> list[DatedValue]:
    """The `[{date, value}]` series, validated by hand into tuples.

    A pydantic model per value (20 columns x 31 days a user) was 90 % of the CPU of a
    getcolumnval pull; the types checked are the same (`value` a string, `date` what
    `LocalDateTime` takes). A leave type missing from the report settings answers
    `"columnvals": null`: it parses as no values, so the warehouse can flag the gap instead of
    the whole pull failing.
    """
    if not raw:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of {{date, value}}, got {type(raw).__name__}")
    found: list[DatedValue] = []
    for item in cast(list[object], raw):
        if not isinstance(item, dict):
            raise ValueError(f"expected a {{date, value}} object, got {type(item).__name__}")
        pair = cast(dict[str, object], item)
        when, value = pair.get("date"), pair.get("value")
        if not isinstance(value, str):
            raise ValueError(f"value: expected a string, got {type(value).__name__}")
        when = _local_time(when) if isinstance(when, str) else _LOCAL_TIME.validate_python(when)
        found.append(DatedValue(when, value))
    return found


DatedValues = Annotated[list[DatedValue], PlainValidator(dated_values)]


class ColumnRef(WireModel):
    """The column a series belongs to (`column_vo`); some columns carry only `fixed_value`."""

    id: int | None = None
    name: str | None = None
    alias: str | None = None
    fixed_value: str | None = None


class ColumnValues(WireModel):
    """One column's values for one user (`getcolumnval` `result.column_vals[]`)."""

    values: DatedValues = Field(default_factory=list, alias="column_vals")
    column: ColumnRef = Field(alias="column_vo")


class LeaveColumn(WireModel):
    """Leave type descriptor (`getleavetimebynames` `columnvo`)."""

    name: str
    alias: str | None = None
    type: int | None = None
    sub_type: int | None = None
    status: int | None = None


class LeaveTimeValues(WireModel):
    """One leave type's daily durations (`getleavetimebynames` `result.columns[]`)."""

    values: DatedValues = Field(default_factory=list, alias="columnvals")
    column: LeaveColumn = Field(alias="columnvo")


class LeaveStatus(WireModel):
    """A leave period (`getleavestatus`); `duration_percent` is duration x 100."""

    userid: str
    start_time: EpochMs
    end_time: EpochMs
    duration_percent: int | None = None
    duration_unit: str | None = None
    leave_code: str | None = None


class VacationType(WireModel):
    """A leave type (`vacation/type/list`); `hours_in_per_day` is in 1/100 hours."""

    leave_code: str
    leave_name: str
    leave_view_unit: str | None = None
    biz_type: str | None = None
    natural_day_leave: bool | None = None
    hours_in_per_day: int | None = None
    source: str | None = None

    @field_validator("natural_day_leave", mode="before")
    @classmethod
    def _string_bool(cls, value: object) -> object:
        # The wire sends "true"/"false" strings.
        return value.lower() == "true" if isinstance(value, str) else value


class LeaveQuota(WireModel):
    """A leave balance (`vacation/quota/list`): per-day fields for day types, per-hour fields
    for hour types, in hundredths (1000 = 10 days or 10 hours)."""

    userid: str
    leave_code: str
    quota_cycle: str | None = None
    quota_id: str | None = None
    start_time: EpochMs | None = None
    end_time: EpochMs | None = None
    quota_num_per_day: int | None = None
    quota_num_per_hour: int | None = None
    used_num_per_day: int | None = None
    used_num_per_hour: int | None = None


class FailedResult(WireModel):
    """A failed push from the new `event/callbacks/failedResults`; the data is JSON text."""

    call_back_tag: str = Field(alias="callBackTag")
    call_back_data: str | None = Field(default=None, alias="callBackData")
    corp_id: str | None = Field(default=None, alias="corpId")
    event_time: EpochMs | None = Field(default=None, alias="eventTime")


class FailedResultsPage(WireModel):
    """One answer of `failedResults`: the items and whether more remain in the time range."""

    failed_list: list[FailedResult] = Field(default_factory=list, alias="failedList")
    has_more: bool = Field(default=False, alias="hasMore")
