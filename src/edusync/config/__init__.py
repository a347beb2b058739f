"""Configuration: one YAML file, validated by pydantic, every error reported at once."""

from edusync.config.loader import load_config
from edusync.config.models import Config

__all__ = ["Config", "load_config"]
