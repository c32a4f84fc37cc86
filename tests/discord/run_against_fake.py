"""Run the real ``storybot`` command line with discord.py pointed at a fake Discord (tests only).

Usage: ``python run_against_fake.py API_BASE GATEWAY_URL storybot-arguments...``. The redirect is made
here, by patching discord.py's class attributes in this process, as the in-process tests do: storybot
itself has no setting that points it at another API host, since it would send its token there.
"""

from __future__ import annotations

import sys
from unittest.mock import patch

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.cli import main

if __name__ == "__main__":
    api_base, gateway_url, *argv = sys.argv[1:]
    with (
        patch.object(Route, "BASE", api_base),
        patch.object(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(gateway_url)),
    ):
        sys.exit(main(argv))
