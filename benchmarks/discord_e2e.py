"""End to end: /ask through the real discord.py client against the fake Discord of the tests.

The bot runs in a process of its own (``--bot``), connected to a fake Discord on 127.0.0.1 that lives in
this process and plays the users: a closed loop of 1 and of 16 concurrent askers, cooldowns off, asking the
labelled questions about the shipped story. Printed: answers per second; p50 / p99 from sending
INTERACTION_CREATE to receiving the bot's interaction callback; the bot process's CPU milliseconds (user +
system, from /proc) per interaction, and how much of it its event-loop thread used (discord.py, aiohttp and the
bot's own code, matching included for a fact base this small; the record of questions has a thread of its own).

    .venv/bin/python benchmarks/discord_e2e.py                    # concurrency 1 and 16, 2000 questions each
    .venv/bin/python benchmarks/discord_e2e.py --count 500 --concurrency 1,4,16
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests" / "discord")]

from engine import real_questions  # noqa: E402
from fake_discord import TOKEN, FakeDiscord, User, snowflake  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, loop_only: bool = False) -> float:
    """User + system CPU time of a process, or of its main (event-loop) thread, from /proc (fields 14, 15)."""
    stat = Path(f"/proc/{pid}/task/{pid}/stat" if loop_only else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run_bot(url: str, knowledge: Path, state: Path) -> None:
    """The bot side: the real client, pointed at the fake Discord at ``url``, until it is killed."""
    from unittest.mock import patch  # noqa: PLC0415

    import yarl  # noqa: PLC0415
    from discord.gateway import DiscordWebSocket  # noqa: PLC0415
    from discord.http import Route  # noqa: PLC0415

    from bot.config import Config, Discord, Storage  # noqa: PLC0415
    from bot.discordbot.app import create_bot  # noqa: PLC0415
    from bot.library import Library  # noqa: PLC0415

    config = Config(discord=Discord(cooldown_rate=0), storage=Storage(state_dir=str(state)))

    async def main() -> None:
        with (
            patch.object(Route, "BASE", url + "/api/v10"),
            patch.object(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(url.replace("http", "ws", 1) + "/gateway")),
        ):
            bot = create_bot(config, lambda: Library.open(knowledge, config))
            await bot.start(TOKEN)

    asyncio.run(main())


async def _load(fake: FakeDiscord, questions: list[str], concurrency: int, count: int) -> list[float]:
    """A closed loop: each asker sends the next question as soon as its previous one was answered."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def asker() -> None:
        user = User(snowflake(), f"user{snowflake()}")
        for n in queue:
            start = time.perf_counter()
            interaction = await fake.slash(user, fake.channel, questions[n % len(questions)])
            await fake.wait_for(lambda i=interaction: i.callback, timeout=30)
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(asker() for _ in range(concurrency)))
    return latencies


async def bench(levels: list[int], count: int, knowledge: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory(prefix="storybot-e2e-") as state:
        command = [sys.executable, __file__, "--bot", fake.url, str(knowledge), state]
        bot = subprocess.Popen(command)
        try:
            await fake.wait_for(lambda: fake.identifies or None, timeout=60)
            questions = [q for q in real_questions() if q.strip()]
            await _load(fake, questions, 4, 100)  # warm up: the first answers load caches and code paths
            print(
                "| concurrency | interactions | answers/s | p50 ms | p99 ms | bot CPU ms / interaction "
                "| of it, event loop |"
            )
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for level in levels:
                cpu, loop_cpu = _cpu_seconds(bot.pid), _cpu_seconds(bot.pid, loop_only=True)
                start = time.perf_counter()
                latencies = await _load(fake, questions, level, count)
                wall = time.perf_counter() - start
                used = _cpu_seconds(bot.pid) - cpu
                loop_used = _cpu_seconds(bot.pid, loop_only=True) - loop_cpu
                ms = sorted(x * 1000 for x in latencies)
                p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
                print(
                    f"| {level} | {count} | {count / wall:.0f} | {statistics.median(ms):.2f} | {p99:.2f} | "
                    f"{used * 1000 / count:.2f} | {loop_used * 1000 / count:.2f} |",
                    flush=True,
                )
        finally:
            bot.terminate()
            bot.wait(10)
            await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="/ask end to end through discord.py and the fake Discord.")
    parser.add_argument("--concurrency", default="1,16", help="comma-separated numbers of concurrent askers")
    parser.add_argument("--count", type=int, default=2000, help="interactions per concurrency level")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--bot", nargs=3, metavar=("URL", "KNOWLEDGE", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bot:
        run_bot(args.bot[0], Path(args.bot[1]), Path(args.bot[2]))
        return
    levels = [int(c) for c in args.concurrency.split(",")]
    asyncio.run(bench(levels, args.count, args.knowledge))


if __name__ == "__main__":
    main()
