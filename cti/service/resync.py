"""What the CTI does after every (re)connect of its AMI link, before trusting events again."""

from __future__ import annotations

import logging

from cti.reconcile.reconciler import Reconciler
from cti.service.call_ingest import CallIngest
from cti.service.record_writer import RecordWriter
from cti.telephony.ami.session import AmiSession

log = logging.getLogger(__name__)


class LinkResync:
    def __init__(self, ingest: CallIngest, writer: RecordWriter, reconciler: Reconciler) -> None:
        self._ingest = ingest
        self._writer = writer
        self._reconciler = reconciler

    async def __call__(self, session: AmiSession) -> None:
        """Forget calls Asterisk no longer has (they ended while we were not listening), then
        let Asterisk's own record say how they ended."""
        # `Status` lists every channel with its Linkedid, like CoreShowChannels, but needs only
        # the `call` class: CoreShowChannels would need system or reporting write privilege.
        channels = await session.action_list("Status")
        alive = {c.get("Linkedid") or "" for c in channels}
        dropped = self._ingest.forget_dead(alive)
        if dropped:
            log.info("AMI resync: %d call(s) ended while the link was down", dropped)
        await self._writer.flush()
        await self._reconciler.run_once()
