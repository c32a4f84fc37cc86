"""``storybot run`` before the bot is up: the token is checked first, in one line, exit code 2."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from conftest import pointed_at
from fake_discord import TOKEN, FakeDiscord

from bot.discordbot import run
from bot.discordbot.startup import BAD_TOKEN, NO_TOKEN


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    # run() sets up logging once the token is accepted; keep that out of the other tests
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.root, "level", logging.root.level)


@pytest.mark.parametrize("token", [None, "", "   "])
def test_a_missing_token_is_one_line(token: str | None, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    if token is not None:
        monkeypatch.setenv("DISCORD_TOKEN", token)
    assert run(Path("no-knowledge-here"), None) == 2
    assert capsys.readouterr() == ("", NO_TOKEN + "\n")


async def test_a_rejected_token_is_one_line_and_nothing_is_loaded(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "an-old-token")
    async with pointed_at(FakeDiscord()):
        code = await asyncio.to_thread(run, Path("no-knowledge-here"), None)
    assert code == 2  # not the knowledge error: nothing was loaded
    assert capsys.readouterr() == ("", BAD_TOKEN + "\n")


def test_a_malformed_token_is_refused_without_asking_discord(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "Bot abc.def")
    assert run(Path("no-knowledge-here"), None) == 2
    assert capsys.readouterr().err == BAD_TOKEN + "\n"


async def test_the_token_may_come_from_the_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "storybot.yaml"
    config.write_text("discord:\n  token: from-the-file\n", encoding="utf-8")
    async with pointed_at(FakeDiscord()):
        assert await asyncio.to_thread(run, Path("no-knowledge-here"), config) == 2
    assert capsys.readouterr().err == BAD_TOKEN + "\n"


def test_the_config_is_validated_strictly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "storybot.yaml"
    config.write_text("discord:\n  cooldown_rate: '5'\n  tokn: x\n", encoding="utf-8")
    assert run(Path("no-knowledge-here"), config) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.rsplit(": ", 1)[0] for line in lines] == [  # the wording is bot.yamlfile's
        f"storybot: {config}:2: discord.cooldown_rate",
        f"storybot: {config}:3: discord.tokn",
    ]


async def test_knowledge_is_loaded_once_the_token_is_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    async with pointed_at(FakeDiscord()):
        code = await asyncio.to_thread(run, Path("no-knowledge-here"), None)
    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        "storybot: no-knowledge-here: no knowledge folder here (see --knowledge)"
    ]
