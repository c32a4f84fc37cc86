"""Operations in-process: command sync only on change, `storybot sync`, a dev guild, shards, liveness, watching."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest
from conftest import FACTS, LANE_FACT, connected, pointed_at
from fake_discord import TOKEN, FakeDiscord

from bot.config import Config, Discord, Matching, Storage, load_config
from bot.discordbot import run, sync
from bot.discordbot.sync import STATE_FILE
from bot.yamlfile import FileErrors


async def test_a_restart_does_not_resync_an_unchanged_tree(knowledge: Path, _state_dir: Path) -> None:
    fake = FakeDiscord()
    async with connected(knowledge, fake=fake):
        assert fake.command_syncs == 1
    first_ids = [c["id"] for c in fake.commands]

    async with connected(knowledge, fake=fake) as h:
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")
    assert fake.command_syncs == 1
    assert [c["id"] for c in fake.commands] == first_ids
    assert answer.embeds

    shorter = Config(matching=Matching(max_question_length=300))  # /ask's option changes, so the tree does
    async with connected(knowledge, shorter, fake=fake):
        pass
    assert fake.command_syncs == 2
    [hash_] = json.loads((_state_dir / STATE_FILE).read_text(encoding="utf-8")).values()
    assert len(hash_) == 64


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What `storybot sync` needs: the token, no ./config.yaml, and logging kept out of other tests."""
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("STORYBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(logging.root, "handlers", [])
    monkeypatch.setattr(logging.root, "level", logging.root.level)


@pytest.mark.usefixtures("cli_env")
async def test_storybot_sync_publishes_the_bots_tree_even_unchanged(knowledge: Path) -> None:
    fake = FakeDiscord()
    async with pointed_at(fake):
        assert await asyncio.to_thread(sync, knowledge, None) == 0
    assert fake.command_syncs == 1
    assert sorted(c["name"] for c in fake.commands) == ["about", "ask", "reload", "topics"]

    async with connected(knowledge, fake=fake):  # the very tree the bot would publish: no sync
        pass
    assert fake.command_syncs == 1

    async with pointed_at(fake):
        assert await asyncio.to_thread(sync, knowledge, None) == 0
    assert fake.command_syncs == 2


@pytest.mark.usefixtures("cli_env")
async def test_a_dev_guild_gets_the_commands_instead_of_every_server(knowledge: Path) -> None:
    fake = FakeDiscord()
    async with connected(knowledge, Config(discord=Discord(dev_guild=fake.guild.id)), fake=fake) as h:
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")

    assert fake.commands == []
    assert sorted(c["name"] for c in fake.guild_commands[fake.guild.id]) == ["about", "ask", "reload", "topics"]
    assert answer.embeds

    async with pointed_at(fake):  # done developing: remove the server's copies
        code = await asyncio.to_thread(sync, knowledge, None, clear_guild=fake.guild.id)
    assert code == 0
    assert fake.guild_commands[fake.guild.id] == []


@pytest.mark.parametrize(("shard_ids", "syncs"), [((1,), 0), ((0,), 1), (None, 1)])
async def test_shards_connect_and_only_shard_zero_syncs(
    knowledge: Path, shard_ids: tuple[int, ...] | None, syncs: int
) -> None:
    count = 2 if shard_ids else 1
    async with connected(knowledge, Config(discord=Discord(shard_count=count, shard_ids=shard_ids))) as h:
        _, answer = await h.ask(h.alice, "When does the bridge reopen?")

    assert h.fake.shard == [shard_ids[0] if shard_ids else 0, count]
    assert h.fake.command_syncs == syncs
    assert answer.embeds


async def test_the_liveness_check_reports_the_connection_and_revision(knowledge: Path) -> None:
    async with connected(knowledge, Config(discord=Discord(health_port=0))) as h:
        assert h.bot.liveness is not None
        await h.bot.wait_until_ready()
        url = f"http://127.0.0.1:{h.bot.liveness.port}/health"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            status, body = response.status, await response.json()

    assert status == 200
    assert body["status"] == "ok"
    assert body["revision"] == h.bot.engine.kb.revision
    assert body["guilds"] == 1


@pytest.mark.usefixtures("cli_env")
async def test_a_busy_liveness_port_stops_the_start_with_one_line(
    knowledge: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        config = tmp_path / "storybot.yaml"
        config.write_text(f"discord:\n  health_port: {port}\n", encoding="utf-8")
        async with pointed_at(FakeDiscord()):
            code = await asyncio.to_thread(run, knowledge, config)

    assert code == 1
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("storybot: ")]
    assert said == [f"storybot: cannot serve the liveness check on 127.0.0.1:{port} (Address already in use)"]


@contextmanager
def logged(text: str) -> Iterator[asyncio.Event]:
    """An event set once a log record containing ``text`` is emitted (from any thread)."""
    loop = asyncio.get_running_loop()
    seen = asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                loop.call_soon_threadsafe(seen.set)

    handler = Watch()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield seen
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_changed_knowledge_files_are_reloaded_when_watched(knowledge: Path) -> None:
    async with connected(knowledge, Config(discord=Discord(watch_knowledge=True))) as h:
        before = h.bot.engine.kb.revision
        with logged("reload by file watcher (facts.yaml)") as reloaded:
            (knowledge / "harbour-bridge" / "facts.yaml").write_text(FACTS + LANE_FACT, encoding="utf-8")
            await reloaded.wait()
        _, answer = await h.ask(h.alice, "Who said cyclists would get a lane?")

    assert h.bot.engine.kb.revision != before
    assert answer.embeds[0]["description"] == "Mayor Ana Lopez."


def test_the_state_dir_follows_xdg_then_home_unless_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert Config().storage.state_path == tmp_path / "xdg" / "storybot"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")  # the XDG spec: relative paths are invalid
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Config().storage.state_path == tmp_path / "home" / ".local" / "state" / "storybot"
    assert Config(storage=Storage(state_dir="~/bot-state")).storage.state_path == tmp_path / "home" / "bot-state"


@pytest.mark.parametrize(
    ("yaml", "error"),
    [
        ("discord:\n  shard_ids: [0]\n", "discord: value error, shard_ids needs shard_count"),
        ("discord:\n  shard_count: 2\n  shard_ids: [2]\n", "discord: value error, shard_ids must be below shard_count"),
        ("logging:\n  format: '%(message'\n", "logging.format: value error, Invalid format"),
    ],
)
def test_operations_settings_are_checked(tmp_path: Path, yaml: str, error: str) -> None:
    config = tmp_path / "storybot.yaml"
    config.write_text(yaml, encoding="utf-8")
    with pytest.raises(FileErrors) as caught:
        load_config(config)
    [problem] = caught.value.problems
    assert str(problem).startswith(f"{config}:2: {error}")
