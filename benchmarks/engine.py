"""Engine speed at each fact-base size: per-question latency (all questions, then the real and generated ones
apart) and autocomplete latency, load time, peak memory, next to the naive baseline (rapidfuzz
``process.extractOne`` with WRatio over every question variant).

    .venv/bin/python benchmarks/engine.py                          # shipped, 1k, 10k and 100k facts
    .venv/bin/python benchmarks/engine.py --sizes shipped,1000     # fewer

Each size runs in two fresh processes: one loads cold (validating, indexing, writing the engine cache), then
one starts as a restarted bot would (warm, from the cache) and asks the questions, so "peak MB" is what a
running bot holds and "cold build peak MB" what its first start needs. Generated bases are written under a
temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from factbase import SHIPPED, generate, sample_questions  # noqa: E402

DEV_QUESTIONS = HERE.parent.parent / "shared" / "eval" / "dev-questions.yaml"
TUNING_QUESTIONS = HERE.parent / "tests" / "data" / "tuning-questions.yaml"


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]


def _timed(call, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        call(item)
        out.append(time.perf_counter() - start)
    return out


def real_questions() -> list[str]:
    """The labelled questions about the shipped story (the dev set when it is there)."""
    questions = []
    for path in (DEV_QUESTIONS, TUNING_QUESTIONS):
        if path.is_file():
            questions += [item["q"] for item in yaml.safe_load(path.read_text())]
    return questions


def build(knowledge: Path, state: Path) -> dict[str, float]:
    """Run in a fresh process: the cold load, which validates and indexes everything and writes the cache."""
    from bot.config import Config, Storage  # noqa: PLC0415 - timed here, not at import
    from bot.library import Library  # noqa: PLC0415

    start = time.perf_counter()
    Library.open(knowledge, Config(storage=Storage(state_dir=str(state))))
    return {"cold_s": time.perf_counter() - start, "cold_peak_mb": _peak_mb()}


def measure(knowledge: Path, state: Path) -> dict[str, float]:
    """Run in another fresh process, as a restarted bot: the warm load from the cache, then questions."""
    from rapidfuzz import fuzz, process, utils  # noqa: PLC0415 - timed separately from the engine

    from bot.config import Config, Storage  # noqa: PLC0415
    from bot.library import Library  # noqa: PLC0415

    start = time.perf_counter()
    library = Library.open(knowledge, Config(storage=Storage(state_dir=str(state))))
    warm = time.perf_counter() - start
    engine = library.engine
    real = real_questions()
    questions = real.copy()
    if knowledge.resolve() != SHIPPED.resolve():
        questions += list(sample_questions(knowledge, len(questions)))
    variants = [q for s in engine.kb.stories for f in s.facts for q in f.questions]
    prefixes = [q[:n] for q in questions[:200] for n in (1, 3, 8, 15) if len(q) >= n]
    for question in questions[:20]:
        engine.answer(question)
    ask = _timed(engine.answer, questions)
    complete = _timed(engine.complete, prefixes)
    peak = _peak_mb()  # the naive baseline's list below is not the engine's
    naive_sample = questions[: 20 if len(variants) > 100_000 else 200]  # it takes up to seconds a question
    naive = _timed(
        lambda q: process.extractOne(q, variants, scorer=fuzz.WRatio, processor=utils.default_process), naive_sample
    )
    p50, p99 = _percentiles(ask)
    real_p50, real_p99 = _percentiles(ask[: len(real)])
    generated_p50, generated_p99 = _percentiles(ask[len(real) :]) if len(ask) > len(real) else (math.nan, math.nan)
    c50, c99 = _percentiles(complete)
    n50, n99 = _percentiles(naive)
    return {
        "facts": engine.kb.fact_count,
        "stories": len(engine.kb.stories),
        "variants": len(variants),
        "p50": p50,
        "p99": p99,
        "real_p50": real_p50,
        "real_p99": real_p99,
        "generated_p50": generated_p50,
        "generated_p99": generated_p99,
        "complete_p50": c50,
        "complete_p99": c99,
        "naive_p50": n50,
        "naive_p99": n99,
        "warm_s": warm,
        "peak_mb": peak,
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(name: str, r: dict[str, float]) -> str:
    return (
        f"| {name} | {r['facts']:,} | {r['stories']:,} | {r['p50']:.2f} | {r['p99']:.2f} | {r['naive_p50']:.1f} | "
        f"{r['naive_p50'] / r['p50']:.0f}x | {r['complete_p99']:.2f} | {r['cold_s']:.1f} | {r['warm_s']:.2f} | "
        f"{r['peak_mb']:.0f} | {r['cold_peak_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Engine latency, load time and memory by fact-base size.")
    parser.add_argument("--sizes", default="shipped,1000,10000,100000", help="comma-separated: shipped or a count")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: measure this folder
    parser.add_argument("--state", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps((build if args.cold else measure)(args.one, args.state)))
        return
    print(
        "| fact base | facts | stories | ask p50 ms | ask p99 ms | naive p50 ms | naive / ask | "
        "autocomplete p99 ms | cold load s | warm load s | peak MB | cold build peak MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    results = {}
    for size in args.sizes.split(","):
        with tempfile.TemporaryDirectory(prefix="storybot-bench-") as tmp:
            folder = SHIPPED if size == "shipped" else generate(int(size), Path(tmp) / "knowledge")
            command = [sys.executable, __file__, "--one", str(folder), "--state", str(Path(tmp) / "state")]
            result = json.loads(subprocess.run([*command, "--cold"], check=True, capture_output=True, text=True).stdout)
            result |= json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            print(_row(size, result), flush=True)
            results[size] = result
    print("\nask latency by question set: the dev and tuning questions, and the generated ones\n")
    print("| fact base | real p50 ms | real p99 ms | generated p50 ms | generated p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for size, r in results.items():
        figures = (r["real_p50"], r["real_p99"], r["generated_p50"], r["generated_p99"])
        print(f"| {size} | " + " | ".join("-" if math.isnan(x) else f"{x:.2f}" for x in figures) + " |")


if __name__ == "__main__":
    main()
