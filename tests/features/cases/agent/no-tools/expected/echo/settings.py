"""Settings of the echo service."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a local default; deployments set them through the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_id: str = "echo"
    log_level: str = "INFO"
    dapr_runtime_host: str = "127.0.0.1"
    dapr_http_port: int = 3500
    dapr_timeout_seconds: float = 5.0
    state_store: str = "statestore"
    pubsub_name: str = "pubsub"
    openai_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    openai_model: str = "gpt-4o-mini"
    agent_timeout_seconds: float = 60.0
    agent_max_turns: int = 6
    agent_max_output_tokens: int = 1024
    agent_history_max_bytes: int = 262144


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
