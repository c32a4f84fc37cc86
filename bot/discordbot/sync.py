"""Publishing the slash commands to Discord only when they changed.

Discord rate-limits command syncs and a global sync can take a while to show, so each start compares a
hash of the command tree with the one last published (kept in a state file) and syncs only on a
difference. ``storybot sync`` forces a sync. With a dev guild the commands go to that server only,
where they show up at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.config import Config

log = logging.getLogger(__name__)

STATE_FILE = "commands.json"


def tree_hash(tree: app_commands.CommandTree[Any]) -> str:
    """A hash of the global commands exactly as they are sent to Discord."""
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    text = json.dumps(sorted(payload, key=lambda c: c["name"]), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def syncs_commands(config: Config) -> bool:
    """With several shard processes only the one running shard 0 publishes the commands."""
    ids = config.discord.shard_ids
    return ids is None or 0 in ids


class SyncState:
    """The hash last published, per application and scope, in ``<state dir>/commands.json``."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / STATE_FILE

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable %s (%s); the commands will be synced", self.path, exc)
            return {}
        return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def put(self, key: str, value: str) -> None:
        self._write(self._read() | {key: value})

    def forget(self, key: str) -> None:
        self._write({k: v for k, v in self._read().items() if k != key})

    def _write(self, data: dict[str, str]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix(".tmp")
            partial.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            partial.replace(self.path)  # atomic: a crash never leaves half a file
        except OSError as exc:
            log.warning("could not record the synced commands in %s (%s); the next start syncs again", self.path, exc)


async def publish(tree: app_commands.CommandTree[Any], config: Config, *, force: bool = False) -> bool:
    """Sync the commands if they changed since the last sync (or ``force``); return whether it synced."""
    client = tree.client
    guild_id = config.discord.dev_guild
    scope = f"guild:{guild_id}" if guild_id else "global"
    key = f"{client.application_id}/{scope}"
    state = SyncState(config.storage.state_path)
    digest = tree_hash(tree)
    if not force and state.get(key) == digest:
        log.info("commands unchanged since the last sync (%s); not syncing", scope)
        return False
    if guild_id:
        guild = discord.Object(guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
    else:
        synced = await tree.sync()
    state.put(key, digest)
    log.info("synced %d commands (%s): %s", len(synced), scope, ", ".join(f"/{c.name}" for c in synced))
    return True


async def clear(tree: app_commands.CommandTree[Any], config: Config, guild_id: int) -> None:
    """Remove the commands published to one server (a former dev guild) and forget their hash."""
    tree.clear_commands(guild=discord.Object(guild_id))
    await tree.sync(guild=discord.Object(guild_id))
    SyncState(config.storage.state_path).forget(f"{tree.client.application_id}/guild:{guild_id}")
    log.info("removed the commands published to server %s", guild_id)
