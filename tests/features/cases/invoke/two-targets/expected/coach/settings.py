"""Settings of the coach service."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a local default; deployments set them through the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_id: str = "coach"
    log_level: str = "INFO"
    dapr_runtime_host: str = "127.0.0.1"
    dapr_http_port: int = 3500
    dapr_timeout_seconds: float = 5.0
    invoke_timeout_seconds: int = 10


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
