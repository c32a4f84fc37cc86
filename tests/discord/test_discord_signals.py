"""SIGTERM and SIGHUP on a real ``storybot run`` process connected to the fake Discord.

The process is the real command line (see run_against_fake.py); the tests wait on its log lines, on the
fake Discord's state and on its exit, never on the clock.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conftest import FACTS, LANE_FACT
from fake_discord import TOKEN, FakeDiscord, Sent, User, snowflake

LAUNCHER = Path(__file__).with_name("run_against_fake.py")
LOG_TIMEOUT = 10.0
STOP_WITHIN = 10.0  # what a process supervisor allows between SIGTERM and SIGKILL


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)

    async def logged(self, text: str) -> str:
        """The first log line containing ``text``, reading more of the log until it appears."""

        async def read() -> str:
            while True:
                if found := next((line for line in self.lines if text in line), None):
                    return found
                assert self.proc.stderr is not None
                raw = await self.proc.stderr.readline()
                if not raw:
                    raise AssertionError(f"storybot exited before logging {text!r}:\n{''.join(self.lines)}")
                self.lines.append(raw.decode())

        return await asyncio.wait_for(read(), LOG_TIMEOUT)

    async def exit_code(self) -> int:
        """Wait for the process to exit, reading the rest of its log."""
        assert self.proc.stderr is not None
        rest = await asyncio.wait_for(self.proc.stderr.read(), STOP_WITHIN)
        self.lines.extend(rest.decode().splitlines(keepends=True))
        return await self.proc.wait()


@asynccontextmanager
async def storybot_run(knowledge: Path, cwd: Path) -> AsyncIterator[tuple[FakeDiscord, BotProcess]]:
    """A fake Discord and a ``storybot run`` process logged in to it (killed if a test leaves it running)."""
    fake = FakeDiscord()
    await fake.start()
    env = {k: v for k, v in os.environ.items() if k != "STORYBOT_CONFIG"} | {"DISCORD_TOKEN": TOKEN}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(LAUNCHER),
        fake.api_base,
        str(fake.gateway_url),
        "run",
        "--knowledge",
        str(knowledge),
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield fake, BotProcess(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()


async def ask(fake: FakeDiscord, question: str) -> Sent:
    interaction = await fake.slash(User(snowflake(), "alice"), fake.channel, question)
    return await fake.reply_to(interaction)


async def test_sigterm_lets_the_reply_in_flight_finish_then_exits_0(knowledge: Path, tmp_path: Path) -> None:
    async with storybot_run(knowledge, tmp_path) as (fake, bot):
        ready = await bot.logged("ready as")
        fake.hold = asyncio.Event()  # the bot's reply will hang until released
        asked = await fake.slash(User(snowflake(), "alice"), fake.channel, "When does the bridge reopen?")
        await fake.wait_for(lambda: fake.held)
        bot.proc.send_signal(signal.SIGTERM)
        await bot.logged("stopping (SIGTERM): waiting for 1 replies in flight")
        fake.hold.set()
        code = await bot.exit_code()

    assert re.search(r": 1 stories, 4 facts, revision \w+, 1 guilds$", ready.rstrip()), ready
    assert code == 0
    reply = fake.sent_for(asked.id)
    assert reply is not None and reply.embeds[0]["description"] == "On Thursday, the story says."
    assert any(line.rstrip().endswith(" stopped") for line in bot.lines), "".join(bot.lines)
    assert not any("Traceback" in line for line in bot.lines), "".join(bot.lines)


async def test_sighup_reloads_and_a_broken_file_keeps_the_old_fact_base(knowledge: Path, tmp_path: Path) -> None:
    facts = knowledge / "harbour-bridge" / "facts.yaml"
    async with storybot_run(knowledge, tmp_path) as (fake, bot):
        await fake.wait_for(lambda: fake.identifies, LOG_TIMEOUT)  # signals are handled from then on
        facts.write_text(FACTS + LANE_FACT, encoding="utf-8")
        bot.proc.send_signal(signal.SIGHUP)
        reloaded = await bot.logged("reload by SIGHUP: revision")
        lane = await ask(fake, "Who said cyclists would get a lane?")

        facts.write_text(FACTS.replace("answer: On Thursday.", "answer: yes"), encoding="utf-8")
        bot.proc.send_signal(signal.SIGHUP)
        refused = await bot.logged("reload by SIGHUP: failed")
        still = await ask(fake, "When does the bridge reopen?")

        bot.proc.send_signal(signal.SIGTERM)
        code = await bot.exit_code()

    assert reloaded.rstrip().endswith("1 added, 0 removed, 0 changed")
    assert lane.embeds[0]["description"] == "Mayor Ana Lopez."
    assert "the previous fact base stays in use" in refused
    assert "harbour-bridge/facts.yaml:" in refused and "facts[0].answer" in refused
    assert still.embeds[0]["description"] == "On Thursday, the story says."
    assert code == 0
