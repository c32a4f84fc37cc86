"""Run-time settings: built-in defaults, overridden by an optional YAML file validated as strictly as facts.

Precedence for where things come from: a command-line flag beats the environment, which beats the file,
which beats the default.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.yamlfile import parse, read_text, validate

log = logging.getLogger(__name__)


class Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Matching(Section):
    """When the engine answers, suggests or declines (scores are 0-100)."""

    answer_threshold: Annotated[float, Field(ge=0, le=100)] = 72.0
    """Answer only when the best fact scores at least this."""
    margin: Annotated[float, Field(ge=0, le=100)] = 4.0
    """... and beats the best fact citing a different sentence by at least this."""
    clear_threshold: Annotated[float, Field(ge=0, le=100)] = 51.0
    clear_margin: Annotated[float, Field(ge=0, le=100)] = 20.0
    """Also answer a best fact scoring at least ``clear_threshold`` that leads every rival by ``clear_margin``
    (by less as its score rises, down to ``margin`` at ``answer_threshold``): a question worded unlike any
    variant can still point at one fact only."""
    suggest_threshold: Annotated[float, Field(ge=0, le=100)] = 40.0
    """Offer facts scoring at least this as "did you mean" when declining."""
    max_suggestions: Annotated[int, Field(ge=0, le=3)] = 3
    max_question_length: Annotated[int, Field(ge=1, le=4000)] = 500
    """Longer questions are declined with reason "too_long" (the slash option's limit too)."""
    max_question_words: Annotated[int, Field(ge=1, le=1000)] = 60
    """Only a question's first this-many words are matched, so no question costs more than that to answer."""


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
    admin_guilds: tuple[int, ...] = ()
    """Servers whose members with Manage Server may also reload; the fact base is shared by every server."""
    answer_mentions: bool = True
    """Answer messages that mention the bot in servers."""
    answer_dms: bool = True
    """Answer direct messages."""
    private_answers: bool = False
    """Show /ask answers only to the asker unless they pass ``private: False``."""
    dev_guild: int | None = None
    """While developing: publish the commands to this server only, where they show up at once."""
    shard_count: Annotated[int, Field(ge=1)] | None = None
    """Run as an AutoShardedClient with this many shards in total."""
    shard_ids: Annotated[tuple[Annotated[int, Field(ge=0)], ...], Field(min_length=1)] | None = None
    """The shards this process runs (needs ``shard_count``); default all of them."""
    watch_knowledge: bool = False
    """Reload when a knowledge file changes, as /reload does."""
    health_port: Annotated[int, Field(ge=0, le=65535)] | None = None
    """Serve a liveness check on http://127.0.0.1:PORT/health (0 picks a free port and logs it)."""

    @model_validator(mode="after")
    def _shards_fit(self) -> Discord:
        if self.shard_ids is not None and self.shard_count is None:
            raise ValueError("shard_ids needs shard_count")
        if self.shard_ids is not None and self.shard_count is not None and max(self.shard_ids) >= self.shard_count:
            raise ValueError(f"shard_ids must be below shard_count ({self.shard_count})")
        return self


class Logging(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: str | None = None
    """A logging.Formatter format string; default discord.py's (coloured on a terminal)."""

    @field_validator("format")
    @classmethod
    def _formats(cls, value: str | None) -> str | None:
        if value is not None:
            logging.Formatter(value)  # raises ValueError naming what is wrong, e.g. "%(message" unclosed
        return value


class Storage(Section):
    """Where storybot keeps what must outlive a run."""

    state_dir: str | None = None
    """Default $XDG_STATE_HOME/storybot, else ~/.local/state/storybot."""

    @property
    def state_path(self) -> Path:
        """The state directory, resolved now (not when the config was read), so tests can redirect it."""
        if self.state_dir:
            return Path(self.state_dir).expanduser()
        xdg = os.environ.get("XDG_STATE_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "state"
        return base / "storybot"


class Records(Section):
    """What people asked that went wrong, kept under the state directory for ``storybot misses``."""

    enabled: bool = True
    retention_days: Annotated[int, Field(ge=1)] = 90
    """Records older than this are deleted."""
    record_dms: bool = True
    """Keep questions asked in DMs too."""
    near_band: Annotated[float, Field(ge=0, le=100)] = 8.0
    """Answers scoring below ``answer_threshold`` + this are kept as near-threshold answers."""


class Config(Section):
    """The whole configuration file; every section is optional."""

    matching: Matching = Matching()
    limits: Limits = Limits()
    discord: Discord = Discord()
    logging: Logging = Logging()
    storage: Storage = Storage()
    records: Records = Records()


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
    config = validate(Config, parse(text, str(path), max_nodes=limits.max_yaml_values))
    if config.discord.token is not None:
        warn_if_others_can_read(path)
    return config


def warn_if_others_can_read(path: Path) -> None:
    """A token in a file other users can read is a token they can use: say so (the file's owner decides)."""
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s holds the Discord token and other users can read it (mode %04o); run: chmod 600 %s",
            path,
            stat.S_IMODE(mode),
            path,
        )
