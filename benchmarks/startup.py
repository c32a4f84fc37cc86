"""Start-up: ``storybot ask "..."`` as a whole process on the shipped knowledge, from exec to exit.

    .venv/bin/python benchmarks/startup.py            # 20 runs each: first run (no engine cache), then warm

Also checks, with ``python -X importtime``, that the CLI never imports discord, and prints the modules whose
own import time is largest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORYBOT = Path(sys.executable).with_name("storybot")
QUESTION = "Where were the guidelines signed?"


def _run(state: str) -> float:
    env = os.environ | {"XDG_STATE_HOME": state}
    start = time.perf_counter()
    subprocess.run([str(STORYBOT), "ask", QUESTION], cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description="Whole-process time of storybot ask.")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print("| storybot ask, whole process | median s | max s |")
    print("| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="storybot-startup-") as tmp:
        firsts = []
        for n in range(args.runs):
            firsts.append(_run(str(Path(tmp) / f"fresh-{n}")))  # a new state dir: no cache yet
        warm = [_run(str(Path(tmp) / "warm")) for _ in range(args.runs + 1)][1:]
        for name, times in (("no engine cache", firsts), ("engine cache warm", warm)):
            print(f"| {name} | {statistics.median(times):.3f} | {max(times):.3f} |")
        trace = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bot", "ask", QUESTION],
            cwd=ROOT,
            env=os.environ | {"XDG_STATE_HOME": str(Path(tmp) / "warm")},
            check=True,
            capture_output=True,
            text=True,
        ).stderr
    modules = [line.split("|") for line in trace.splitlines() if line.startswith("import time:") and "|" in line]
    names = [m[2].strip() for m in modules[1:]]
    print(f"\ndiscord imported: {any(n == 'discord' or n.startswith('discord.') for n in names)}")
    own = sorted(((int(m[0].split(":")[1]), m[2].strip()) for m in modules[1:]), reverse=True)[:8]
    print("largest own import times (ms): " + ", ".join(f"{name} {us / 1000:.0f}" for us, name in own))


if __name__ == "__main__":
    main()
