"""What people asked that went wrong, kept for curators in a SQLite file under the state directory.

Kept: declined questions, answers scoring near the threshold, questions a user asked again within a
minute (and the answer they followed), the "did you mean" suggestion a user picked, and 👍/👎 votes.
Each record holds the question, the time, the story, the answered fact and score or the top
suggestions -- and no user, guild or message id: a salted hash of the user id serves only to count
one vote per person and to spot a re-ask.
Records older than the retention period are purged.

Several shard processes may write at once: the database runs in WAL mode with a busy timeout, and each
write is one short ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.config import Config, Matching, Records
from bot.engine import Reply

DATABASE = "asks.sqlite3"
REASK_SECONDS = 60.0
BUSY_TIMEOUT_MS = 10_000
PURGE_EVERY = 3600.0
SIMILAR = 75  # rapidfuzz token_set_ratio at or above which two questions are grouped together
GROUP_PEERS = 20  # wordings of a group a new one is compared with
NONE = "  (none)"
DAY = 86_400.0

Clock = Callable[[], float]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS asks (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,                       -- unix time
    kind TEXT NOT NULL,                     -- declined | near | answered | picked (a suggestion)
    question TEXT NOT NULL,
    story TEXT,                             -- of the answer, or of the best suggestion
    fact TEXT,                              -- the answered fact
    score REAL,
    suggestions TEXT NOT NULL DEFAULT '[]', -- JSON [[story, fact, variant, score], ...], best first
    user TEXT NOT NULL,                     -- salted hash of the user id
    follows INTEGER,                        -- the ask this one repeats within a minute
    reasked INTEGER NOT NULL DEFAULT 0      -- the same user asked again within a minute
);
CREATE INDEX IF NOT EXISTS asks_at ON asks (at);
CREATE TABLE IF NOT EXISTS votes (
    answer TEXT NOT NULL,                   -- salted hash of the answer's message
    user TEXT NOT NULL,
    at REAL NOT NULL,
    story TEXT NOT NULL,
    fact TEXT NOT NULL,
    question TEXT,
    up INTEGER NOT NULL,
    PRIMARY KEY (answer, user)
);
CREATE INDEX IF NOT EXISTS votes_at ON votes (at);
"""


def database_path(config: Config) -> Path:
    return config.storage.state_path / DATABASE


class MissStore:
    """The SQLite file: record, vote, purge, query. Thread-safe; one per process."""

    def __init__(self, path: Path, *, retention_days: int = 90, clock: Clock = time.time) -> None:
        self.path = path
        self.retention = retention_days * DAY
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))  # private before SQLite creates it
        self._db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._create()
        self._salt = self._salt_value()
        self._purged_at = -PURGE_EVERY
        self.purge()

    def _create(self) -> None:
        """The tables and the salt, in one transaction, so processes starting together agree on both."""
        with self._write() as db:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
            db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))

    def _salt_value(self) -> bytes:
        with self._lock:
            (salt,) = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        return bytes.fromhex(salt)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def pseudonym(self, user_id: int) -> str:
        """The salted hash that stands for a user (or a message) id; the id itself is never stored."""
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]

    # -- writing ----------------------------------------------------------------------------------------

    def record(self, ask: Ask, *, follows: int | None = None) -> int:
        """Store one ask; mark the one it repeats (``follows``) as re-asked. Returns its row id."""
        with self._write() as db:
            if follows is not None:
                db.execute("UPDATE asks SET reasked = 1 WHERE id = ?", (follows,))
            cursor = db.execute(
                "INSERT INTO asks (at, kind, question, story, fact, score, suggestions, user, follows, reasked)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ask.at,
                    ask.kind,
                    ask.question,
                    ask.story,
                    ask.fact,
                    ask.score,
                    json.dumps([list(s) for s in ask.suggestions], ensure_ascii=False),
                    ask.user,
                    follows,
                    int(ask.reasked),
                ),
            )
        self._maybe_purge()
        return int(cursor.lastrowid or 0)

    def vote(self, answer: int, user_id: int, *, story: str, fact: str, question: str | None, up: bool) -> bool:
        """One vote per user per answer (message): a second press changes it. True for a first vote."""
        key, user = self.pseudonym(answer), self.pseudonym(user_id)
        with self._write() as db:
            known = db.execute("SELECT 1 FROM votes WHERE answer = ? AND user = ?", (key, user)).fetchone()
            db.execute(
                "INSERT INTO votes (answer, user, at, story, fact, question, up) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (answer, user) DO UPDATE SET up = excluded.up, at = excluded.at",
                (key, user, self.clock(), story, fact, question, int(up)),
            )
        self._maybe_purge()
        return known is None

    def purge(self) -> int:
        """Delete records older than the retention period; return how many went."""
        cutoff = self.clock() - self.retention
        with self._write() as db:
            gone = db.execute("DELETE FROM asks WHERE at < ?", (cutoff,)).rowcount
            gone += db.execute("DELETE FROM votes WHERE at < ?", (cutoff,)).rowcount
        self._purged_at = self.clock()
        return gone

    def _maybe_purge(self) -> None:
        if self.clock() - self._purged_at >= PURGE_EVERY:
            self.purge()

    # -- reading ----------------------------------------------------------------------------------------

    def asks(self, since: float = 0.0, story: str | None = None) -> list[Ask]:
        rows = self._select(
            "SELECT at, kind, question, story, fact, score, suggestions, user, reasked FROM asks", since, story, "at"
        )
        return [
            Ask(r[0], r[1], r[2], r[3], r[4], r[5], tuple(tuple(s) for s in json.loads(r[6])), r[7], bool(r[8]))
            for r in rows
        ]

    def votes(self, since: float = 0.0, story: str | None = None) -> list[Vote]:
        rows = self._select("SELECT story, fact, question, up FROM votes", since, story)
        return [Vote(r[0], r[1], r[2], bool(r[3])) for r in rows]

    def _select(self, select: str, since: float, story: str | None, order: str = "") -> list[tuple[object, ...]]:
        """Rows of ``select`` recorded since ``since``, of one story when given."""
        sql, args = select + " WHERE at >= ?", list[object]([since])
        if story:
            sql += " AND story = ?"
            args.append(story)
        if order:
            sql += f" ORDER BY {order}"
        with self._lock:
            return self._db.execute(sql, args).fetchall()


@dataclass(frozen=True, slots=True)
class Ask:
    """One recorded question and what the bot made of it."""

    at: float
    kind: str  # declined | near | answered | picked
    question: str
    story: str | None
    fact: str | None
    score: float | None
    suggestions: tuple[tuple[str, str, str, float], ...]
    user: str
    reasked: bool = False


@dataclass(frozen=True, slots=True)
class Vote:
    story: str
    fact: str
    question: str | None
    up: bool


@dataclass(slots=True)
class _Previous:
    at: float
    ask: Ask
    row: int | None  # None while the ask is an answer not worth keeping (unless it is re-asked)


class AskLog:
    """Decides which asks are kept, and spots re-asks; the front ends call :meth:`ask` after each reply.

    Re-asks are spotted per process, which is enough: a user's questions in one server or in DMs always
    reach the same shard.
    """

    def __init__(self, store: MissStore, matching: Matching, records: Records) -> None:
        self.store = store
        self.matching = matching
        self.records = records
        self._recent: dict[str, _Previous] = {}
        self._lock = threading.Lock()  # front ends call from worker threads

    @classmethod
    def open(cls, config: Config, *, clock: Clock = time.time) -> AskLog | None:
        """The log for ``config``, or None when records are off."""
        if not config.records.enabled:
            return None
        store = MissStore(database_path(config), retention_days=config.records.retention_days, clock=clock)
        return cls(store, config.matching, config.records)

    def ask(self, user_id: int, reply: Reply, *, direct: bool = False) -> int | None:
        """Keep ``reply`` when it was declined, answered near the threshold or follows a recent ask."""
        if (direct and not self.records.record_dms) or reply.reason is not None:
            return None
        user = self.store.pseudonym(user_id)
        with self._lock:
            now = self.store.clock()
            self._forget_before(now - REASK_SECONDS)
            previous = self._recent.pop(user, None)
            ask = _ask_of(reply, user, now, self.matching.answer_threshold + self.records.near_band)
            follows = None
            if previous is not None:
                follows = previous.row if previous.row is not None else self.store.record(previous.ask)
            row = self.store.record(ask, follows=follows) if ask.kind != "answered" or follows else None
            self._recent[user] = _Previous(now, ask, row)
        return row

    def pick(self, user_id: int, reply: Reply, *, direct: bool = False) -> int | None:
        """Keep a "did you mean" suggestion the user picked: their question belongs to that fact."""
        if (direct and not self.records.record_dms) or reply.match is None:
            return None
        m = reply.match
        user = self.store.pseudonym(user_id)
        ask = Ask(self.store.clock(), "picked", reply.question, m.story.id, m.fact.id, m.score, (), user)
        return self.store.record(ask)

    def _forget_before(self, cutoff: float) -> None:
        """Drop who asked last before ``cutoff``: each ask re-inserts its asker, so the oldest come first and
        an ask costs the expired entries only, not every asker of the last minute."""
        while self._recent and next(iter(self._recent.values())).at < cutoff:
            del self._recent[next(iter(self._recent))]


def _ask_of(reply: Reply, user: str, now: float, near: float) -> Ask:
    match = reply.match
    suggestions = tuple((m.story.id, m.fact.id, m.variant, m.score) for m in reply.suggestions)
    if match is None:
        story = suggestions[0][0] if suggestions else None
        return Ask(now, "declined", reply.question, story, None, None, suggestions, user)
    kind = "near" if match.score < near else "answered"
    return Ask(now, kind, reply.question, match.story.id, match.fact.id, match.score, suggestions, user)


def describe(records: Records) -> str:
    """What is kept about people, in the bot's own voice, for /about."""
    if not records.enabled:
        return "I keep no record of the questions asked."
    dms = "" if records.record_dms else " Nothing asked in DMs is kept."
    return (
        f"To improve the fact base, I keep for {records.retention_days} days the questions I could not answer"
        " or answered with low confidence, questions asked again within a minute, the suggestions you pick and"
        " 👍/👎 votes: the question,"
        " the time, the story and the answer or suggestions given. No user or server ids are stored, only a"
        " salted hash of your user id, to count one vote per person and notice repeats." + dms
    )


# -- the report ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Group:
    """Similar questions, most frequent first."""

    questions: Counter[str] = field(default_factory=Counter)
    asks: list[Ask] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(self.questions.values())

    @property
    def example(self) -> str:
        return self.questions.most_common(1)[0][0]


def group_similar(asks: Iterable[Ask]) -> list[Group]:
    """Questions grouped by wording (case, punctuation and word order aside), biggest group first.

    A wording joins the group of the most similar earlier one; each group offers its first
    ``GROUP_PEERS`` wordings for comparison, which bounds the work.
    """
    by_text: dict[str, list[Ask]] = {}
    for ask in asks:
        by_text.setdefault(" ".join(ask.question.casefold().split()).strip(" ?!."), []).append(ask)
    groups: list[Group] = []
    peers: list[str] = []  # wordings to compare with, and the group of each
    peer_group: list[Group] = []
    for text, same in sorted(by_text.items(), key=lambda kv: -len(kv[1])):
        found = process.extractOne(text, peers, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        group = peer_group[found[2]] if found else Group()
        if found is None:
            groups.append(group)
        if len(group.questions) < GROUP_PEERS:
            peers.append(text)
            peer_group.append(group)
        group.questions[same[0].question] += len(same)
        group.asks += same
    return sorted(groups, key=lambda g: -g.count)


def format_report(asks: list[Ask], votes: list[Vote], limit: int) -> str:
    """The three lists a curator acts on: declines, answers people doubted, answers near the threshold."""
    lines = [f"{len(asks)} questions kept, {len(votes)} votes."]
    declined = group_similar(a for a in asks if a.kind == "declined")
    lines += ["", "Declined, most asked -- add a variant to the suggested fact, a new fact, or a not_answered note:"]
    lines += [] if declined else [NONE]
    for g in declined[:limit]:
        lines.append(f"  {g.count:>4} × {_q(g.example)}{_more(g)}")
        tops = Counter((s[0], s[1], s[2]) for a in g.asks for s in a.suggestions[:1])
        if tops:
            (story, fact, variant), _ = tops.most_common(1)[0]
            lines.append(f"         best suggestion: {story}/{fact} {_q(variant)}")
        else:
            lines.append("         no suggestion")
    lines += ["", "Answers voted down or re-asked within a minute -- check the fact, or add a not_answered note:"]
    doubted = _doubted(asks, votes)
    lines += [] if doubted else [NONE]
    for (story, fact), doubt in doubted[:limit]:
        lines.append(f"  {story}/{fact}: 👎 {doubt.down}  👍 {doubt.up}  re-asked {doubt.reasked}")
        lines += [f"         {_q(q)}" for q, _ in doubt.questions.most_common(3)]
    lines += ["", "Answered near the threshold -- add these wordings as variants if the answer was right:"]
    lines += _by_fact([a for a in asks if a.kind == "near"], limit, scores=True)
    lines += ["", "Suggestions picked after a decline -- add these wordings as variants of the fact picked:"]
    lines += _by_fact([a for a in asks if a.kind == "picked"], limit, scores=False)
    return "\n".join(lines)


def _by_fact(asks: list[Ask], limit: int, *, scores: bool) -> list[str]:
    """Asks grouped by the fact that answered them, most first, with their commonest wordings."""
    by_fact: dict[tuple[str, str], list[Ask]] = {}
    for a in asks:
        by_fact.setdefault((a.story or "", a.fact or ""), []).append(a)
    lines = [] if by_fact else [NONE]
    for (story, fact), items in sorted(by_fact.items(), key=lambda kv: -len(kv[1]))[:limit]:
        low, high = min(a.score or 0.0 for a in items), max(a.score or 0.0 for a in items)
        lines.append(f"  {len(items):>4} × {story}/{fact}" + (f" (scores {low:.0f}-{high:.0f})" if scores else ""))
        lines += [f"         {_q(q)}" for q, _ in Counter(a.question for a in items).most_common(3)]
    return lines


@dataclass(slots=True)
class _Doubt:
    down: int = 0
    up: int = 0
    reasked: int = 0
    questions: Counter[str] = field(default_factory=Counter)


def _doubted(asks: list[Ask], votes: list[Vote]) -> list[tuple[tuple[str, str], _Doubt]]:
    """Facts voted down or re-asked, most doubted first, with the questions that drew them."""
    table: dict[tuple[str, str], _Doubt] = {}
    for v in votes:
        doubt = table.setdefault((v.story, v.fact), _Doubt())
        if v.up:
            doubt.up += 1
        else:
            doubt.down += 1
            doubt.questions[v.question or "(question not shown)"] += 1
    for a in asks:
        if a.reasked and a.fact and a.story:
            doubt = table.setdefault((a.story, a.fact), _Doubt())
            doubt.reasked += 1
            doubt.questions[a.question] += 1
    found = [(k, d) for k, d in table.items() if d.down or d.reasked]
    return sorted(found, key=lambda kd: (-(kd[1].down + kd[1].reasked), kd[0]))


def _q(text: str) -> str:
    flat = " ".join(text.split())
    return f"“{flat if len(flat) <= 100 else flat[:99] + '…'}”"


def _more(group: Group) -> str:
    others = len(group.questions) - 1
    return f" (+{others} similar wording{'s' if others > 1 else ''})" if others else ""


def misses_report(config: Config, *, since: dt.date | None, story: str | None, limit: int) -> int:
    """``storybot misses``: print the report from the state directory's database."""
    path = database_path(config)
    if not path.is_file():
        print(f"nothing recorded yet: no {path}")
        return 0
    store = MissStore(path, retention_days=config.records.retention_days)
    try:
        start = dt.datetime.combine(since, dt.time(), dt.UTC).timestamp() if since else 0.0
        asks, votes = store.asks(start, story), store.votes(start, story)
    finally:
        store.close()
    scope = f" about {story}" if story else ""
    print(f"{path}{scope}{f' since {since}' if since else ''}:")
    print(format_report(asks, votes, limit))
    return 0
