"""The record of what people asked: what is kept, votes, retention, several writers, and the report."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Config, Records, Storage
from bot.engine import Engine
from bot.misses import REASK_SECONDS, AskLog, MissStore, database_path, describe, format_report, group_similar

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def config_in(tmp_path: Path, **records: object) -> Config:
    return Config(storage=Storage(state_dir=str(tmp_path / "state")), records=Records(**records))


def test_only_declines_near_answers_and_re_asks_are_kept(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path), clock=clock)
    assert log is not None
    answered = engine.answer("Where were the guidelines signed?")
    declined = engine.answer("who paid for the guidelines")
    assert answered.answered and not declined.answered

    assert log.ask(1, answered) is None  # a confident answer is not kept ...
    clock.now += REASK_SECONDS + 1
    assert log.ask(1, declined) is not None
    clock.now += 10
    assert log.ask(1, answered) is not None  # ... unless it re-asks, within a minute
    clock.now += 10
    log.ask(2, answered)
    clock.now += 5
    log.ask(2, engine.answer("what city was it signed in"))  # user 2 re-asks: their first answer is kept too

    rows = log.store.asks()
    assert [(r.kind, r.question, r.reasked) for r in rows] == [
        ("declined", "who paid for the guidelines", True),
        ("answered", "Where were the guidelines signed?", False),
        ("answered", "Where were the guidelines signed?", True),
        (rows[3].kind, "what city was it signed in", False),
    ]
    assert rows[1].fact == "signing-place" and rows[1].score == 100.0 and rows[1].story == "ncg-guidelines"
    assert rows[0].suggestions and rows[0].suggestions[0][0] == "ncg-guidelines"
    assert len({r.user for r in rows}) == 2


def test_no_ids_are_stored_only_salted_hashes(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    config = config_in(tmp_path)
    log = AskLog.open(config, clock=clock)
    assert log is not None
    user, message = 123456789012345678, 987654321098765432
    log.ask(user, engine.answer("who paid for the guidelines"))
    log.store.vote(message, user, story="ncg-guidelines", fact="signing-place", question="where?", up=False)
    log.store.close()
    dump = "\n".join(sqlite3.connect(database_path(config)).iterdump())
    assert str(user) not in dump and str(message) not in dump
    other = AskLog.open(config_in(tmp_path / "elsewhere"), clock=clock)
    assert other is not None and other.store.pseudonym(user) != MissStore(database_path(config)).pseudonym(user)
    assert database_path(config).stat().st_mode & 0o077 == 0


def test_dms_can_be_left_out_and_records_turned_off(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path, record_dms=False), clock=clock)
    assert log is not None
    assert log.ask(1, engine.answer("who paid for the guidelines"), direct=True) is None
    assert log.ask(1, engine.answer("who paid for the guidelines"), direct=False) is not None
    assert len(log.store.asks()) == 1
    assert AskLog.open(config_in(tmp_path / "off", enabled=False)) is None
    assert not (tmp_path / "off" / "state").exists()
    assert describe(Records(record_dms=False)).endswith("Nothing asked in DMs is kept.")
    assert describe(Records(enabled=False)) == "I keep no record of the questions asked."


def test_one_vote_per_user_per_answer(tmp_path: Path, clock: Clock) -> None:
    store = MissStore(tmp_path / "asks.sqlite3", clock=clock)
    vote = {"story": "s", "fact": "f", "question": "q?"}
    assert store.vote(1, 10, up=False, **vote) is True
    assert store.vote(1, 10, up=True, **vote) is False  # changed, not added
    assert store.vote(1, 11, up=False, **vote) is True
    assert store.vote(2, 10, up=False, **vote) is True
    assert sorted(v.up for v in store.votes()) == [False, False, True]


def test_records_older_than_the_retention_are_purged(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path, retention_days=90), clock=clock)
    assert log is not None
    log.ask(1, engine.answer("who paid for the guidelines"))
    log.store.vote(5, 1, story="s", fact="f", question=None, up=False)
    clock.now += 89 * 86_400
    log.ask(2, engine.answer("who paid for the guidelines"))
    assert log.store.purge() == 0
    clock.now += 2 * 86_400
    assert log.store.purge() == 2
    assert [r.user for r in log.store.asks()] == [log.store.pseudonym(2)]
    assert log.store.votes() == []


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state" / "asks.sqlite3"
    writer = textwrap.dedent(
        f"""
        import sys
        import time
        from pathlib import Path
        from bot.misses import Ask, MissStore
        store = MissStore(Path({str(path)!r}))
        me = int(sys.argv[1])
        for i in range(150):
            store.record(Ask(time.time(), "declined", f"q{{me}}-{{i}}", "s", None, None, (), f"u{{me}}"))
            store.vote(i, me, story="s", fact="f", question=None, up=bool(i % 2))
        """
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", writer, str(n)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    errors = [w.communicate(timeout=60)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors
    store = MissStore(path, retention_days=100_000)
    assert len(store.asks()) == 600
    assert len(store.votes()) == 600
    assert store._db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_similar_questions_are_grouped(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path), clock=clock)
    assert log is not None
    for user, question in enumerate(
        ["Who paid for the guidelines?", "who paid for the guidelines", "who PAID for guidelines", "weather today?"]
    ):
        clock.now += 120
        log.ask(user, engine.answer(question))
    groups = group_similar(log.store.asks())
    assert [g.count for g in groups] == [3, 1]
    assert groups[0].example in {"Who paid for the guidelines?", "who paid for the guidelines"}


def test_report_lists_declines_doubted_answers_and_near_threshold(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path, near_band=100), clock=clock)  # every answer counts as near
    assert log is not None
    for user in range(3):
        clock.now += 120
        log.ask(user, engine.answer("who paid for the guidelines"))
    log.ask(9, engine.answer("Where were the guidelines signed?"))
    log.store.vote(77, 1, story="ncg-guidelines", fact="signing-place", question="where was it?", up=False)
    report = format_report(log.store.asks(), log.store.votes(), limit=5)
    declined, doubted, near, _picked = report.split("\n\n")[1:]
    assert "3 × “who paid for the guidelines”" in declined
    assert "best suggestion: ncg-guidelines/" in declined
    assert "ncg-guidelines/signing-place: 👎 1  👍 0  re-asked 0" in doubted
    assert "“where was it?”" in doubted
    assert "1 × ncg-guidelines/signing-place (scores 100-100)" in near


def test_picked_suggestions_are_kept_and_listed(engine: Engine, tmp_path: Path, clock: Clock) -> None:
    log = AskLog.open(config_in(tmp_path), clock=clock)
    assert log is not None
    declined = engine.answer("who paid for the guidelines")
    log.ask(1, declined)
    pick = declined.suggestions[0]
    log.pick(1, engine.answer_fact(pick.story.id, pick.fact.id, declined.question))
    assert [(a.kind, a.fact) for a in log.store.asks()] == [("declined", None), ("picked", pick.fact.id)]
    picked = format_report(log.store.asks(), [], limit=5).split("\n\n")[-1]
    assert picked.startswith("Suggestions picked after a decline")
    assert f"1 × ncg-guidelines/{pick.fact.id}\n         “who paid for the guidelines”" in picked


def test_the_misses_command(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"storage:\n  state_dir: {tmp_path / 'state'}\n", encoding="utf-8")

    def misses(*args: str) -> str:
        assert main(["misses", "--config", str(config_file), *args]) == 0
        return capsys.readouterr().out

    assert "nothing recorded yet" in misses()
    log = AskLog.open(config_in(tmp_path))  # the real clock: --since compares with today
    assert log is not None
    log.ask(1, engine.answer("who paid for the guidelines"))
    assert "1 × “who paid for the guidelines”" in misses("--story", "ncg-guidelines", "--since", "2020-01-01")
    assert "0 questions kept" in misses("--story", "another-story")
    assert "0 questions kept" in misses("--since", "2999-01-01")
    with pytest.raises(SystemExit) as bad:
        misses("--since", "yesterday")
    assert bad.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err
