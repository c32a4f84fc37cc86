"""Reload under load: questions stream in while good and bad reloads interleave.

Every reply names the fact-base revision that produced it and matches that revision's facts; a bad reload
keeps the old base; no question is lost or fails. Waiting is on conditions (an asker answering from the new
revision), never on time.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections import Counter
from pathlib import Path

from bot.config import Config
from bot.knowledge import load_knowledge
from bot.library import Library

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
QUESTION = "Where was the pact signed?"
ANSWER_A = "Alpha signed the pact in Paris."
ANSWER_B = "Alpha signed the pact in Paris, on Monday."
# broken facts.yaml files from the corpus; they share the good story's article, so only facts.yaml changes
BAD = ["yaml-syntax-error", "duplicate-keys", "source-not-verbatim", "yes-no-on-off", "wrong-types", "alias-bomb"]
ASKERS = 4
TIMEOUT = 10.0


def write_atomically(path: Path, data: bytes) -> None:
    """Replace a file in one step, as a careful editor does, so a reload never reads half of it."""
    part = path.with_suffix(".part")
    part.write_bytes(data)
    os.replace(part, path)


class Traffic:
    """Askers asking without pause, and what they saw, by revision."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.seen: Counter[str] = Counter()
        self.answers: dict[str, set[str]] = {}
        self.asked = 0
        self.failures: list[BaseException] = []
        self.changed = threading.Condition()
        self.done = threading.Event()

    def ask(self) -> None:
        try:
            while not self.done.is_set():
                with self.changed:
                    self.asked += 1
                reply = self.library.engine.answer(QUESTION)  # one engine read per question, as front ends do
                with self.changed:
                    self.seen[reply.revision] += 1
                    answer = reply.match.fact.answer if reply.match else "<no answer>"
                    self.answers.setdefault(reply.revision, set()).add(answer)
                    self.changed.notify_all()
        except BaseException as exc:
            with self.changed:
                self.failures.append(exc)
                self.changed.notify_all()

    def wait_for_answers_from(self, revision: str) -> None:
        """Until some asker has answered from ``revision`` since now."""
        with self.changed:
            before = self.seen[revision]
            assert self.changed.wait_for(lambda: self.seen[revision] > before or self.failures, TIMEOUT)


def test_replies_stay_consistent_while_good_and_bad_reloads_interleave(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(CORPUS / "good", root)
    facts = root / "demo" / "facts.yaml"
    good_a = facts.read_bytes()
    good_b = good_a.replace(ANSWER_A.encode(), ANSWER_B.encode())
    revision_a = load_knowledge(root).revision
    write_atomically(facts, good_b)
    revision_b = load_knowledge(root).revision
    write_atomically(facts, good_a)
    expected = {revision_a: {ANSWER_A}, revision_b: {ANSWER_B}}

    library = Library.open(root, Config())
    traffic = Traffic(library)
    askers = [threading.Thread(target=traffic.ask, name=f"asker-{i}") for i in range(ASKERS)]
    for asker in askers:
        asker.start()
    current, reloads = revision_a, Counter[str]()
    try:
        traffic.wait_for_answers_from(revision_a)
        for round_number, bad in enumerate(BAD * 2):
            good, revision = (good_b, revision_b) if round_number % 2 == 0 else (good_a, revision_a)
            write_atomically(facts, (CORPUS / "knowledge" / bad / "demo" / "facts.yaml").read_bytes())
            kept = library.reload()
            assert not kept.ok and kept.problems and kept.revision == current == library.engine.kb.revision
            traffic.wait_for_answers_from(current)  # still answering, from the old base
            reloads["bad"] += 1

            write_atomically(facts, good)
            swapped = library.reload()
            assert swapped.ok and (swapped.old_revision, swapped.revision) == (current, revision)
            assert swapped.changed == ("demo/place",) and not swapped.added and not swapped.removed
            traffic.wait_for_answers_from(revision)
            current = revision
            reloads["good"] += 1
    finally:
        traffic.done.set()
        for asker in askers:
            asker.join(TIMEOUT)

    assert not traffic.failures, traffic.failures
    assert not any(asker.is_alive() for asker in askers)
    assert reloads == {"bad": 12, "good": 12}
    assert traffic.answers == expected  # every reply matches the revision it names, and only good ones served
    assert sum(traffic.seen.values()) == traffic.asked  # none lost


def test_concurrent_reloads_run_one_at_a_time_and_agree(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(CORPUS / "good", root)
    library = Library.open(root, Config())
    facts = root / "demo" / "facts.yaml"
    write_atomically(facts, facts.read_bytes().replace(ANSWER_A.encode(), ANSWER_B.encode()))
    results = []
    start = threading.Barrier(4)

    def reload() -> None:
        start.wait(TIMEOUT)
        results.append(library.reload())

    reloaders = [threading.Thread(target=reload) for _ in range(4)]
    for thread in reloaders:
        thread.start()
    for thread in reloaders:
        thread.join(TIMEOUT)

    assert len(results) == 4 and all(r.ok for r in results)
    assert sum(r.revision != r.old_revision for r in results) == 1  # the first swapped; the rest found no change
    assert {r.revision for r in results} == {library.engine.kb.revision}
