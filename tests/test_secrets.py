"""The Discord token: never shown, never sent anywhere but Discord, and a warning when others can read it.

The Discord-side checks (the token in no log line at DEBUG level, proxy variables ignored) are in
``tests/discord/test_discord_faults.py``.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route
from pydantic import BaseModel

import bot
from bot.cli import main
from bot.config import Config, load_config
from bot.discordbot.app import create_bot
from bot.library import Library

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "tests" / "data" / "bad" / "good"  # small: `storybot check` reports on every fact
TOKEN = "MTE5OTk5.Gx-secret.token_for_tests"
# Every environment variable storybot reads; none of them can name a host.
ENVIRONMENT = {"DISCORD_TOKEN", "STORYBOT_CONFIG", "STORYBOT_KNOWLEDGE", "XDG_STATE_HOME"}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "storybot.yaml"
    path.write_text(f"discord:\n  token: {TOKEN}\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_the_token_is_in_no_repr_dump_or_message(config_file: Path) -> None:
    config = load_config(config_file)
    assert config.discord.token is not None and config.discord.token.get_secret_value() == TOKEN
    library = Library.open(KNOWLEDGE, config)
    client = create_bot(config, lambda: library)
    shown = [
        repr(config), str(config), f"{config.discord}", repr(config.model_dump()), config.model_dump_json(),
        repr(library), repr(client), repr(vars(library)),
    ]  # fmt: skip
    assert not [text for text in shown if TOKEN in text]


def test_storybot_check_never_prints_the_token(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--knowledge", str(KNOWLEDGE), "--config", str(config_file)]) == 0
    assert main(["check", "--knowledge", str(config_file.parent / "nowhere"), "--config", str(config_file)]) == 1
    out, err = capsys.readouterr()
    assert TOKEN not in out + err


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("mode", "warns"), [(0o600, False), (0o400, False), (0o640, True), (0o644, True)])
def test_a_token_file_others_can_read_gets_a_warning(
    config_file: Path, mode: int, warns: bool, caplog: pytest.LogCaptureFixture
) -> None:
    config_file.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        load_config(config_file)
    expected = f"{config_file} holds the Discord token and other users can read it (mode {mode:04o}); run: chmod 600"
    assert [r.getMessage().startswith(expected) for r in caplog.records] == ([True] if warns else [])
    assert TOKEN not in caplog.text


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_no_token_no_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "storybot.yaml"
    path.write_text("logging:\n  level: INFO\n", encoding="utf-8")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        load_config(path)
    assert not caplog.records


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_warning_reaches_a_user_of_the_command(config_file: Path) -> None:
    config_file.chmod(0o644)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--knowledge", str(KNOWLEDGE), "--config", str(config_file)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0
    assert f"{config_file} holds the Discord token and other users can read it" in done.stderr
    assert TOKEN not in done.stdout + done.stderr


def _field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(name)
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names += [f"{name}.{inner}" for inner in _field_names(field.annotation)]
    return names


def test_no_config_key_can_name_a_host() -> None:
    names = _field_names(Config)
    assert "discord.token" in names
    assert not [n for n in names if re.search(r"url|host|base|proxy|gateway|endpoint|api|server", n)], names


def test_the_environment_names_no_host() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(bot.__file__).parent.rglob("*.py"))
    read = set(re.findall(r"""(?:environ(?:\.get)?\(|environ\[|getenv\()\s*["']([A-Za-z_]+)["']""", source))
    assert read == ENVIRONMENT
    assert "Route.BASE" not in source and "DEFAULT_GATEWAY" not in source and "proxy" not in source


def test_discord_is_reached_only_at_its_own_address() -> None:
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"


def test_gitignore_covers_local_config_secrets_and_state() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"config.yaml", ".env", "state/"} <= set(ignored)
