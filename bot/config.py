"""Run-time settings: built-in defaults, overridden by an optional YAML file validated as strictly as facts.

Precedence for where things come from: a command-line flag beats the environment, which beats the file,
which beats the default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bot.yamlfile import parse, read_text, validate


class Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Matching(Section):
    """When the engine answers, suggests or declines (scores are 0-100)."""

    answer_threshold: Annotated[float, Field(ge=0, le=100)] = 78.0
    """Answer only when the best fact scores at least this."""
    margin: Annotated[float, Field(ge=0, le=100)] = 4.0
    """... and beats the best fact citing a different sentence by at least this."""
    suggest_threshold: Annotated[float, Field(ge=0, le=100)] = 40.0
    """Offer facts scoring at least this as "did you mean" when declining."""
    max_suggestions: Annotated[int, Field(ge=0, le=3)] = 3
    max_question_length: Annotated[int, Field(ge=1, le=4000)] = 500
    """Longer questions are declined with reason "too_long" (the slash option's limit too)."""


class Limits(Section):
    """Caps on what a knowledge file may cost to load."""

    max_file_bytes: Annotated[int, Field(ge=1024)] = 1_000_000
    max_yaml_values: Annotated[int, Field(ge=100)] = 200_000


class Discord(Section):
    """The Discord front end."""

    token: SecretStr | None = None
    """Prefer the DISCORD_TOKEN environment variable; a token here must stay private."""
    cooldown_rate: Annotated[int, Field(ge=0)] = 5
    """Questions a user may ask per ``cooldown_seconds``; 0 turns the cooldown off."""
    cooldown_seconds: Annotated[float, Field(gt=0)] = 30.0
    admins: tuple[int, ...] = ()
    """User ids, besides the application's owner, who may reload the fact base."""
    suggestion_seconds: Annotated[float, Field(gt=0, le=840)] = 180.0
    """How long "did you mean" buttons stay live; at most 14 minutes, because an ephemeral reply can only
    be edited (to disable its buttons) while its 15-minute interaction token lasts."""


class Logging(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Config(Section):
    """The whole configuration file; every section is optional."""

    matching: Matching = Matching()
    limits: Limits = Limits()
    discord: Discord = Discord()
    logging: Logging = Logging()


def config_path(flag: str | None) -> Path | None:
    """The config file to read: the flag, else $STORYBOT_CONFIG, else ./config.yaml when present."""
    if flag:
        return Path(flag)
    if env := os.environ.get("STORYBOT_CONFIG"):
        return Path(env)
    local = Path("config.yaml")
    return local if local.is_file() else None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file, or return the defaults; raise FileErrors naming line and key."""
    if path is None:
        return Config()
    limits = Limits()
    text = read_text(path, str(path), max_bytes=limits.max_file_bytes)
    return validate(Config, parse(text, str(path), max_nodes=limits.max_yaml_values))
