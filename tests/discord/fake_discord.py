"""A small fake Discord on 127.0.0.1: the REST routes and gateway events storybot's client uses.

It plays Discord's side only as far as discord.py needs it: log in, identify or resume on the gateway,
receive users' slash commands, autocomplete, button presses and messages, and record everything the bot
sends so that tests can wait for it. Tests wait on :meth:`FakeDiscord.wait_for`, which wakes up whenever
the bot sends or edits something, so no test ever sleeps. It can also misbehave as Discord does: fail REST
calls (:meth:`FakeDiscord.fail`: rate limits, server errors), ask the bot to reconnect, invalidate its session.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yarl
from aiohttp import WSMsgType, web

T = TypeVar("T")

TOKEN = "fake-bot-token.storybot.test"
API = "/api/v10"
EVERYONE_PERMISSIONS = 274877991936  # view, send, send in threads, embed links, read history
EPHEMERAL = 1 << 6
NOW = "2024-07-12T09:00:00+00:00"

_ids = itertools.count(1_200_000_000_000_000_001)


def snowflake() -> int:
    """A fresh id in Discord's 18-digit range, so mention escaping treats it as a real one."""
    return next(_ids)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(slots=True)
class Guild:
    id: int
    name: str
    channel_id: int
    permissions: int = EVERYONE_PERMISSIONS  # what @everyone, and so the bot, may do in the channel

    def role_mention(self) -> str:
        return f"<@&{self.id + 1}>"


@dataclass(frozen=True, slots=True)
class Channel:
    """Where a user acts: a guild text channel, or the user's DM channel with the bot."""

    id: int
    guild: Guild | None = None

    def payload(self, recipient: User | None = None) -> dict[str, Any]:
        if self.guild is None:
            return {"id": str(self.id), "type": 1, "recipients": [recipient.payload()] if recipient else []}
        return {
            "id": str(self.id),
            "type": 0,
            "guild_id": str(self.guild.id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }


@dataclass(slots=True)
class Sent:
    """A message the bot sent, by any route, with its edits applied."""

    id: int
    channel_id: int
    via: str  # "channel", "interaction" or "followup"
    body: dict[str, Any]
    interaction_id: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def content(self) -> str:
        return self.body.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.body.get("embeds") or []

    @property
    def ephemeral(self) -> bool:
        return bool((self.body.get("flags") or 0) & EPHEMERAL)

    @property
    def replied_to(self) -> int | None:
        """The id of the message this one replies to."""
        reference = self.body.get("message_reference")
        return int(reference["message_id"]) if reference else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.body.get("components") or [] for c in row.get("components", [])]


@dataclass(slots=True)
class Interaction:
    """A user's interaction and the bot's callback to it, once it arrives."""

    id: int
    token: str
    user: User
    channel: Channel
    message_id: int | None = None  # the message whose button was pressed
    callback: dict[str, Any] | None = None


@dataclass(slots=True)
class Fault:
    """A REST failure the fake returns, ``times`` times, instead of handling a call to ``route``."""

    method: str
    route: str  # a pattern as in FakeDiscord._routes, e.g. "interactions/*/*/callback"
    status: int
    times: int = 1
    retry_after: float = 0.0  # for a 429
    hits: int = 0

    def matches(self, method: str, parts: list[str]) -> bool:
        return method == self.method and _matches(self.route, parts)

    def response(self) -> web.Response:
        if self.status != 429:
            return _json({"message": f"{self.status}: fake failure", "code": 0}, status=self.status)
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
        headers = {"Retry-After": str(self.retry_after), "X-RateLimit-Scope": "user", "Via": "1.1 google"}
        return web.Response(body=json.dumps(body).encode(), status=429, headers=_JSON | headers)


class FakeDiscord:
    """Discord's REST API and gateway on one local port; see the module docstring."""

    def __init__(self) -> None:
        self.bot = User(snowflake(), "storybot", bot=True)
        self.owner = User(snowflake(), "owner")
        self.application_id = snowflake()
        self.guild = Guild(snowflake(), "Newsroom", snowflake())
        self.channel = Channel(self.guild.channel_id, self.guild)
        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs = 0  # PUTs of a whole command list, global or per guild
        self.shard: list[int] | None = None  # [shard id, shard count] from the last IDENTIFY
        self.hold: asyncio.Event | None = None  # while set to an unset event, interaction callbacks wait on it
        self.held = 0  # callbacks that arrived while held
        self.sent: list[Sent] = []
        self.interactions: dict[int, Interaction] = {}
        self.unhandled: list[str] = []
        self.faults: list[Fault] = []
        self.identifies = 0
        self.intents: int | None = None  # from the last IDENTIFY
        self.resumes = 0
        self._dm_channels: dict[int, Channel] = {}
        self._sequence = 0
        self._backlog: list[dict[str, Any]] = []
        self._session: str | None = None
        self._socket: web.WebSocketResponse | None = None
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return self.url + API

    @property
    def gateway_url(self) -> yarl.URL:
        return yarl.URL(self.url.replace("http", "ws", 1) + "/gateway")

    # ---- waiting ----------------------------------------------------------------------------------

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Wait until ``probe()`` returns something truthy (re-checked whenever the fake's state changes)."""
        assert self._changed is not None
        result: T | None = None

        def ready() -> bool:
            nonlocal result
            result = probe()
            return bool(result)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        assert result is not None
        return result

    async def reply_to(self, interaction: Interaction, timeout: float = 5.0) -> Sent:
        """The message the bot's callback to ``interaction`` created."""
        return await self.wait_for(lambda: self.sent_for(interaction.id), timeout)

    def sent_for(self, interaction_id: int) -> Sent | None:
        return next((s for s in self.sent if s.interaction_id == interaction_id and s.via == "interaction"), None)

    def sent_in(self, channel: Channel) -> list[Sent]:
        return [s for s in self.sent if s.channel_id == channel.id and s.via == "channel"]

    # ---- what users do ----------------------------------------------------------------------------

    def dm(self, user: User) -> Channel:
        """The user's DM channel with the bot (created on first use, as Discord does)."""
        return self._dm_channels.setdefault(user.id, Channel(snowflake()))

    async def slash(self, user: User, channel: Channel, question: str) -> Interaction:
        option = {"name": "question", "type": 3, "value": question}
        return await self._interact(user, channel, 2, {"name": "ask", "type": 1, "options": [option]})

    async def command(
        self, user: User, channel: Channel, name: str, *, member_permissions: int | None = None, **options: Any
    ) -> Interaction:
        """Use any slash command; ``member_permissions`` are the user's in a guild (default: the channel's)."""
        kinds = {bool: 5, int: 4, str: 3}
        data = {
            "name": name,
            "type": 1,
            "options": [{"name": k, "type": kinds[type(v)], "value": v} for k, v in options.items()],
        }
        return await self._interact(user, channel, 2, data, member_permissions=member_permissions)

    async def autocomplete(self, user: User, channel: Channel, typed: str) -> list[dict[str, Any]]:
        option = {"name": "question", "type": 3, "value": typed, "focused": True}
        done = await self._interact(user, channel, 4, {"name": "ask", "type": 1, "options": [option]})
        callback = await self.wait_for(lambda: done.callback)
        assert callback["type"] == 8, callback
        return callback["data"]["choices"]

    async def press(self, user: User, message: Sent, custom_id: str) -> Interaction:
        channel = self._channel(message.channel_id)
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._interact(user, channel, 3, data, message=message)

    async def say(
        self,
        user: User,
        channel: Channel,
        content: str,
        *,
        mentions: tuple[User, ...] = (),
        reply_to: Sent | None = None,
        mention_everyone: bool = False,
        mention_roles: tuple[int, ...] = (),
    ) -> int:
        """Post a message as ``user``; return its id."""
        message_id = snowflake()
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": user.payload(),
            "content": content,
            "timestamp": NOW,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": mention_everyone,
            "mentions": [m.payload() for m in mentions],
            "mention_roles": [str(r) for r in mention_roles],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 19 if reply_to else 0,
        }
        if reply_to is not None:
            data["message_reference"] = {"message_id": str(reply_to.id), "channel_id": str(reply_to.channel_id)}
            data["referenced_message"] = self._message_payload(reply_to)
        if channel.guild is not None:
            data["guild_id"] = str(channel.guild.id)
            data["member"] = _member()
        await self.dispatch("MESSAGE_CREATE", data)
        return message_id

    async def _interact(
        self,
        user: User,
        channel: Channel,
        kind: int,
        data: dict[str, Any],
        message: Sent | None = None,
        *,
        member_permissions: int | None = None,
    ) -> Interaction:
        interaction = Interaction(snowflake(), f"itoken-{snowflake()}", user, channel, message and message.id)
        self.interactions[interaction.id] = interaction
        payload: dict[str, Any] = {
            "id": str(interaction.id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": interaction.token,
            "version": 1,
            "channel_id": str(channel.id),
            "channel": channel.payload(user),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10_000_000,
            "authorizing_integration_owners": {"0": str(channel.guild.id) if channel.guild else "0"},
        }
        if message is not None:
            payload["message"] = self._message_payload(message)
        if channel.guild is None:
            payload |= {"user": user.payload(), "context": 1, "app_permissions": str(EVERYONE_PERMISSIONS)}
        else:
            payload |= {
                "guild_id": str(channel.guild.id),
                "guild_locale": "en-US",
                "member": _member(user) | {"permissions": str(member_permissions or channel.guild.permissions)},
                "context": 0,
                "app_permissions": str(channel.guild.permissions),
            }
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    # ---- faults -----------------------------------------------------------------------------------

    def fail(self, method: str, route: str, status: int, *, times: int = 1, retry_after: float = 0.0) -> Fault:
        """Answer the next ``times`` calls to ``route`` with ``status`` (a 429 carries ``retry_after``)."""
        fault = Fault(method, route, status, times, retry_after)
        self.faults.append(fault)
        return fault

    async def request_reconnect(self) -> None:
        """Tell the bot to reconnect and resume (op 7), as Discord does before moving a session."""
        assert self._socket is not None
        await self._socket.send_json({"op": 7, "d": None})

    async def invalidate_session(self) -> None:
        """End the session for good (op 9, not resumable): the bot must identify again."""
        assert self._socket is not None
        self._session = None
        await self._socket.send_json({"op": 9, "d": False})

    # ---- the gateway ------------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event; while the bot is disconnected it waits in the backlog for a RESUME."""
        self._sequence += 1
        frame = {"op": 0, "t": event, "s": self._sequence, "d": data}
        self._backlog.append(frame)
        if self._socket is not None and not self._socket.closed:
            await self._socket.send_json(frame)

    async def drop_connection(self) -> None:
        """Close the gateway connection the way Discord does on a restart (code 4000: resumable)."""
        assert self._socket is not None
        socket, self._socket = self._socket, None
        await socket.close(code=4000, message=b"fake restart")

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 45_000}})
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            op, data = frame["op"], frame.get("d")
            if op == 1:
                await socket.send_json({"op": 11})
            elif op == 2:
                if data["token"] != TOKEN:
                    await socket.close(code=4004, message=b"Authentication failed.")
                    break
                self.intents = data["intents"]
                self.shard = data.get("shard")
                await self._identify(socket)
            elif op == 6:
                await self._resume(socket, data)
        if self._socket is socket:
            self._socket = None
        return socket

    async def _identify(self, socket: web.WebSocketResponse) -> None:
        self.identifies += 1
        self._session = f"session-{snowflake()}"
        self._sequence = 0
        self._backlog.clear()
        self._socket = socket
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot.payload(),
                "guilds": [{"id": str(self.guild.id), "unavailable": True}],
                "session_id": self._session,
                "resume_gateway_url": str(self.gateway_url),
                "application": {"id": str(self.application_id), "flags": 0},
            }
            | ({"shard": self.shard} if self.shard else {}),
        )
        await self.dispatch("GUILD_CREATE", self._guild_payload())
        await self._notify()

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        if data["token"] != TOKEN or data["session_id"] != self._session:
            await socket.send_json({"op": 9, "d": False})
            return
        self._socket = socket
        for frame in self._backlog:
            if frame["s"] > (data["seq"] or 0):
                await socket.send_json(frame)
        self.resumes += 1
        await self.dispatch("RESUMED", {})
        await self._notify()

    def _guild_payload(self) -> dict[str, Any]:
        g = self.guild
        role = {"name": "@everyone", "position": 0, "color": 0, "hoist": False, "managed": False}
        return {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "owner_id": str(self.owner.id),
            "unavailable": False,
            "member_count": 3,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "preferred_locale": "en-US",
            "joined_at": NOW,
            "roles": [role | {"id": str(g.id), "permissions": str(g.permissions), "mentionable": False, "flags": 0}],
            "channels": [self.channel.payload()],
            "members": [_member(self.bot)],
        }

    # ---- REST -------------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        parts = path.split("/")
        body = await request.json() if request.can_read_body else None
        if parts[0] not in {"interactions", "webhooks"} and request.headers.get("Authorization") != f"Bot {TOKEN}":
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        if fault := next((f for f in self.faults if f.times and f.matches(request.method, parts)), None):
            fault.times, fault.hits = fault.times - 1, fault.hits + 1
            await self._notify()
            return fault.response()
        for route, handler in self._routes():
            if request.method == route[0] and _matches(route[1], parts):
                response = await handler(parts, body)
                await self._notify()
                return response
        self.unhandled.append(f"{request.method} {path}")
        await self._notify()
        return _json({"message": "Unknown route in the fake", "code": 0}, status=404)

    def _routes(self) -> Iterator[tuple[tuple[str, str], Callable[..., Any]]]:
        yield ("GET", "users/@me"), self._get_me
        yield ("GET", "oauth2/applications/@me"), self._get_application
        yield ("GET", "gateway"), self._get_gateway
        yield ("GET", "applications/*/commands"), self._get_commands
        yield ("PUT", "applications/*/commands"), self._put_commands
        yield ("PUT", "applications/*/guilds/*/commands"), self._put_guild_commands
        yield ("POST", "interactions/*/*/callback"), self._callback
        yield ("POST", "webhooks/*/*"), self._followup
        yield ("GET", "webhooks/*/*/messages/*"), self._get_webhook_message
        yield ("PATCH", "webhooks/*/*/messages/*"), self._edit_webhook_message
        yield ("POST", "channels/*/messages"), self._post_message
        yield ("PATCH", "channels/*/messages/*"), self._edit_channel_message
        yield ("GET", "channels/*"), self._get_channel
        yield ("POST", "users/@me/channels"), self._open_dm

    async def _get_me(self, _parts: list[str], _body: None) -> web.Response:
        return _json(self.bot.payload())

    async def _get_application(self, _parts: list[str], _body: None) -> web.Response:
        return _json(
            {
                "id": str(self.application_id),
                "name": "storybot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": self.owner.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "interactions_endpoint_url": None,
            }
        )

    async def _get_gateway(self, _parts: list[str], _body: None) -> web.Response:
        return _json({"url": str(self.gateway_url)})

    async def _get_commands(self, _parts: list[str], _body: None) -> web.Response:
        return _json(self.commands)

    async def _put_commands(self, _parts: list[str], body: list[dict[str, Any]]) -> web.Response:
        self.command_syncs += 1
        self.commands = [
            {"id": str(snowflake()), "application_id": str(self.application_id), "version": "1"} | c for c in body
        ]
        return _json(self.commands)

    async def _put_guild_commands(self, parts: list[str], body: list[dict[str, Any]]) -> web.Response:
        self.command_syncs += 1
        guild_id = int(parts[3])
        self.guild_commands[guild_id] = [
            {"id": str(snowflake()), "application_id": str(self.application_id), "guild_id": str(guild_id)} | c
            for c in body
        ]
        return _json(self.guild_commands[guild_id])

    async def _callback(self, parts: list[str], body: dict[str, Any]) -> web.Response:
        if self.hold is not None and not self.hold.is_set():
            self.held += 1
            await self._notify()
            await self.hold.wait()
        interaction = self.interactions[int(parts[1])]
        if interaction.callback is not None:
            return _json({"message": "Interaction has already been acknowledged.", "code": 40060}, 400)
        interaction.callback = body
        answer: dict[str, Any] = {"interaction": {"id": str(interaction.id), "type": body["type"]}}
        if body["type"] == 4:
            sent = self._record(interaction.channel.id, "interaction", body["data"], interaction.id)
            answer["interaction"]["response_message_id"] = str(sent.id)
            answer["resource"] = {"type": 4, "message": self._message_payload(sent)}
        elif body["type"] == 7 and interaction.message_id is not None:
            original = self._find(interaction.message_id)
            assert original is not None
            self._edit(original, body["data"])
        return _json(answer)

    async def _followup(self, parts: list[str], body: dict[str, Any]) -> web.Response:
        interaction = self._by_token(parts[2])
        sent = self._record(interaction.channel.id, "followup", body, interaction.id)
        return _json(self._message_payload(sent))

    async def _get_webhook_message(self, parts: list[str], _body: None) -> web.Response:
        return _json(self._message_payload(self._webhook_message(parts)))

    async def _edit_webhook_message(self, parts: list[str], body: dict[str, Any]) -> web.Response:
        sent = self._webhook_message(parts)
        self._edit(sent, body)
        return _json(self._message_payload(sent))

    async def _post_message(self, parts: list[str], body: dict[str, Any]) -> web.Response:
        sent = self._record(int(parts[1]), "channel", body)
        return _json(self._message_payload(sent))

    async def _edit_channel_message(self, parts: list[str], body: dict[str, Any]) -> web.Response:
        sent = self._find(int(parts[3]))
        if sent is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        self._edit(sent, body)
        return _json(self._message_payload(sent))

    async def _get_channel(self, parts: list[str], _body: None) -> web.Response:
        return _json(self._channel(int(parts[1])).payload())

    async def _open_dm(self, _parts: list[str], body: dict[str, Any]) -> web.Response:
        user = User(int(body["recipient_id"]), "someone")
        return _json(self.dm(user).payload(user))

    # ---- bookkeeping ------------------------------------------------------------------------------

    def _record(self, channel_id: int, via: str, body: dict[str, Any], interaction_id: int | None = None) -> Sent:
        sent = Sent(snowflake(), channel_id, via, dict(body), interaction_id)
        self.sent.append(sent)
        return sent

    def _edit(self, sent: Sent, body: dict[str, Any]) -> None:
        sent.edits.append(body)
        sent.body |= body

    def _find(self, message_id: int) -> Sent | None:
        return next((s for s in self.sent if s.id == message_id), None)

    def _by_token(self, token: str) -> Interaction:
        return next(i for i in self.interactions.values() if i.token == token)

    def _webhook_message(self, parts: list[str]) -> Sent:
        interaction = self._by_token(parts[2])
        sent = self.sent_for(interaction.id) if parts[4] == "@original" else self._find(int(parts[4]))
        if sent is None:
            raise web.HTTPNotFound(
                body=json.dumps({"message": "Unknown Message", "code": 10008}).encode(),
                headers={"Content-Type": "application/json"},
            )
        return sent

    def _channel(self, channel_id: int) -> Channel:
        if channel_id == self.channel.id:
            return self.channel
        return next(c for c in self._dm_channels.values() if c.id == channel_id)

    def _message_payload(self, sent: Sent) -> dict[str, Any]:
        channel = self._channel(sent.channel_id)
        payload = {
            "id": str(sent.id),
            "channel_id": str(sent.channel_id),
            "author": self.bot.payload(),
            "content": sent.content,
            "embeds": sent.embeds,
            "components": sent.body.get("components") or [],
            "flags": sent.body.get("flags") or 0,
            "timestamp": NOW,
            "edited_timestamp": NOW if sent.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "pinned": False,
            "type": 0,
        }
        if channel.guild is not None:
            payload["guild_id"] = str(channel.guild.id)
        if sent.via != "channel":
            payload["webhook_id"] = str(self.application_id)
        return payload


def _member(user: User | None = None) -> dict[str, Any]:
    member: dict[str, Any] = {"roles": [], "joined_at": NOW, "deaf": False, "mute": False, "flags": 0}
    return member | {"user": user.payload()} if user else member


_JSON = {"Content-Type": "application/json"}


def _json(data: Any, status: int = 200) -> web.Response:
    # exactly "application/json": discord.py parses nothing else (aiohttp would add "; charset=utf-8")
    return web.Response(body=json.dumps(data).encode(), status=status, headers=_JSON)


def _matches(pattern: str, parts: list[str]) -> bool:
    expected = pattern.split("/")
    return len(expected) == len(parts) and all(e in {"*", p} for e, p in zip(expected, parts, strict=True))
