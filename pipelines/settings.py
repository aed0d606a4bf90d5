"""Settings for processes that run outside Dagster (listener, emulator, CLI).

Inside Dagster the same variables are read through ``dg.EnvVar`` by the resources.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.dingtalk.com"
DEFAULT_OAPI_BASE_URL = "https://oapi.dingtalk.com"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable to fix."""


class Settings(BaseSettings):
    """The public configuration contract (see `.env.example`)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    dingtalk_client_id: str = ""
    dingtalk_client_secret: SecretStr = SecretStr("")
    dingtalk_api_base_url: str = DEFAULT_API_BASE_URL
    dingtalk_oapi_base_url: str = DEFAULT_OAPI_BASE_URL
    attendance_data_dir: Path = Path("data")
    dingtalk_qps_per_api: float = Field(default=20, gt=0)
    dingtalk_monthly_api_quota: int = Field(default=5000, gt=0)
    # Seconds per unit of an IP-ban answer's `wait` (60 if your bans' `wait` means minutes).
    dingtalk_ip_ban_wait_unit_s: float = Field(default=1.0, gt=0)

    @field_validator("dingtalk_api_base_url", "dingtalk_oapi_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

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
        shown = "" if "secret" in variable.lower() else f" (got {given!r})"
        raise ConfigError(f"{variable} is invalid: {first['msg']}{shown}.") from None
