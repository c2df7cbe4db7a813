"""Every Redis key and channel the live state uses, in one place (as arq does)."""

from __future__ import annotations

PREFIX = "alo153:"

# The latest full snapshot (JSON), rewritten with every batch of changes.
LIVE_SNAPSHOT_KEY = f"{PREFIX}live:snapshot"
# "<source> <version>" of that snapshot: small, so a follower can poll it cheaply and find out
# it missed a message (pub/sub delivers at most once; Redis drops slow subscribers).
LIVE_VERSION_KEY = f"{PREFIX}live:version"
# Change and snapshot messages (JSON), in order.
LIVE_CHANNEL = f"{PREFIX}live:changes"
