"""Settings for processes that run outside Dagster (listener, emulator, CLI).

Inside Dagster the resources (`pipelines/resources.py`) read the same variables through it,
with the same defaults.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.dingtalk.com"
DEFAULT_OAPI_BASE_URL = "https://oapi.dingtalk.com"


# The one `.env` every settings class reads (relative to the working directory), the same way.
ENV_FILE = Path(".env")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable to fix."""


def settings_config(env_prefix: str = "", *, frozen: bool = True) -> SettingsConfigDict:
    """The environment-and-`.env` configuration shared by every settings class of the project:
    one class that skipped `.env` would take its defaults where the others take the file's
    values (the environment wins over the file in all of them)."""
    return SettingsConfigDict(
        env_prefix=env_prefix,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=frozen,
    )


class Settings(BaseSettings):
    """The public configuration contract (see `.env.example`)."""

    model_config = settings_config()

    dingtalk_client_id: str = ""
    dingtalk_client_secret: SecretStr = SecretStr("")
    dingtalk_api_base_url: str = DEFAULT_API_BASE_URL
    dingtalk_oapi_base_url: str = DEFAULT_OAPI_BASE_URL
    attendance_data_dir: Path = Path("data")
    dingtalk_qps_per_api: float = Field(default=20, gt=0)
    # The share of that limit the limiter spaces calls at (DEFAULT_HEADROOM of the throttle).
    # The call window holds the limit itself; below 1 the spacing leaves 1/h - 1 seconds of
    # slack for one call's delay against the next (0.75: 0.33 s, several hosts at the limit).
    dingtalk_limiter_headroom: float = Field(default=1.0, gt=0, le=1)
    dingtalk_monthly_api_quota: int = Field(default=5000, gt=0)
    # The first daily partition (Dagster reads it when the code location loads).
    attendance_start_date: date = date(2026, 1, 1)
    attendance_profile: Path | None = None
    # Empty: the state stores are SQLite files in the data dir. A URL may hold a password.
    attendance_state_url: SecretStr = SecretStr("")
    # Seconds per unit of an IP-ban answer's `wait` (60 if your bans' `wait` means minutes).
    dingtalk_ip_ban_wait_unit_s: float = Field(default=1.0, gt=0)
    # Empty: Parquet under the data dir. s3://bucket/prefix: S3-compatible object storage
    # (pipelines/warehouse/object_store.py); the endpoint is empty for AWS itself.
    attendance_warehouse_uri: str = ""
    attendance_s3_endpoint_url: str = ""
    attendance_s3_region: str = ""
    attendance_s3_access_key_id: str = ""
    attendance_s3_secret_access_key: SecretStr = SecretStr("")
    # Alibaba Cloud OSS accepts only virtual-hosted addressing (bucket.endpoint).
    attendance_s3_virtual_addressing: bool = False
    # 假期余额 (vacation/quota/list): off by default, it costs a call per leave type per 50
    # employees a day (`plan` states the month).
    attendance_leave_balances: bool = False
    # Empty: no Celery. The broker the Celery executor and workers use (pyamqp://... or
    # redis://...); `doctor` logs in to it. May hold a password.
    attendance_celery_broker_url: SecretStr = SecretStr("")
    # The queue runs put their steps on and workers consume (`dagster-celery worker start -q`).
    attendance_celery_queue: str = "dagster"

    @field_validator("dingtalk_api_base_url", "dingtalk_oapi_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("attendance_state_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be empty (SQLite in the data dir) or a postgresql:// URL")
        return value

    @field_validator("attendance_warehouse_uri")
    @classmethod
    def _s3_uri(cls, value: str) -> str:
        if value and not (value.startswith("s3://") and value.removeprefix("s3://").strip("/")):
            raise ValueError("must be empty (Parquet in the data dir) or s3://bucket[/prefix]")
        return value.rstrip("/")

    @field_validator("attendance_s3_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be empty (AWS) or start with http:// or https://")
        return value.rstrip("/")

    def missing_credentials(self) -> list[str]:
        """The credential variables that are not set (both are needed to talk to DingTalk)."""
        missing = [] if self.dingtalk_client_id else ["DINGTALK_CLIENT_ID"]
        if not self.dingtalk_client_secret.get_secret_value():
            missing.append("DINGTALK_CLIENT_SECRET")
        return missing

    def require_credentials(self) -> None:
        """Raise ConfigError unless both credentials are set (needed to talk to DingTalk)."""
        if not self.dingtalk_client_id:
            raise ConfigError("DINGTALK_CLIENT_ID is not set: use your app's Client ID (AppKey).")
        if not self.dingtalk_client_secret.get_secret_value():
            raise ConfigError(
                "DINGTALK_CLIENT_SECRET is not set: use your app's Client Secret (AppSecret)."
            )


def load_settings(**overrides: object) -> Settings:
    """Build Settings from the environment (and `.env`), turning validation errors into one line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        variable = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        given = first.get("input")
        hidden = "secret" in variable.lower() or variable == "ATTENDANCE_STATE_URL"
        shown = "" if hidden else f" (got {given!r})"
        raise ConfigError(f"{variable} is invalid: {first['msg']}{shown}.") from None
