"""The shell of `<package>/settings.py`: the app feature puts its fields in `Settings`.

The fields are the spec's (each feature declares its own); this is the rest, fixed.
"""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting has a local default; deployments set them through the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()
