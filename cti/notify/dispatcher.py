"""Sending what the outbox holds: claim due messages, send, log each try, retry or give up.

Claiming. One UPDATE moves a batch of due messages' `next_attempt_at` a lease ahead (and
counts the try) and returns them; it is a single statement, so two dispatchers (two
processes, or a restart overlapping the old one) never claim the same message: the second
finds `next_attempt_at` already in the future. SQLite takes its write lock for the statement;
PostgreSQL re-checks the WHERE clause on rows another transaction just changed.

At least once, not exactly once. The claim is committed before the message goes; if the
process dies between the provider accepting it and the result being written, the lease
runs out and the message is sent again. The alternative (mark sent, then send) loses a
message on every crash, which an outbox must not do. Every try is bounded by the send
timeout, and a batch's tries by the lease, so a live dispatcher never sees its claim expire.
E-mails carry the same Message-ID on every try for the receiving side to de-duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.notify.backoff import Backoff
from cti.notify.envelope import Envelope, MailAttachment, Sender, SendFailed
from cti.notify.outbox import FAILED, PENDING, SENT, subscribe
from cti.notify.recipients import CHANNELS, EMAIL, shown_recipient
from cti.stopping import cancel_all
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.models import OutboxAttemptRow, OutboxRow, TicketAttachmentRow

log = logging.getLogger(__name__)

_CLAIMED = (OutboxRow.id, OutboxRow.channel, OutboxRow.recipient, OutboxRow.subject,
            OutboxRow.body, OutboxRow.attachment_ids, OutboxRow.attempts, OutboxRow.ticket_id)


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    attachment_ids: str
    attempts: int  # counting this try
    ticket_id: int | None


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str
    provider_id: str | None = None
    permanent: bool = False


class OutboxDispatcher:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        *,
        attachments: AttachmentFiles | None = None,
        clock: Callable[[], float] = time.time,
        backoff: Backoff | None = None,
        rand: Callable[[], float] = random.random,
        batch: int = 10,
        send_timeout: float = 60.0,
        poll: float = 3.0,
    ) -> None:
        self._sessions = sessions
        self._senders = dict(senders)
        self._attachments = attachments
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._rand = rand
        self._batch = batch
        self._send_timeout = send_timeout
        # Long enough for a whole batch of tries to time out one after the other.
        self._lease = 2 * batch * send_timeout
        self._poll = poll
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._warned: set[str] = set()
        self.passes = 0  # passes of the background loop, finished or failed

    async def run_once(self, now: float | None = None) -> int:
        """Try every due message, a batch at a time; the number tried.

        Without `now` the clock is read at each claim and each result: a pass through a
        backlog of slow sends can last long, and a lease or a back-off measured from the
        pass's start would already have run out (a second dispatcher would send the message
        again) and the delivery log would show when the pass began, not when the try was.
        A test passes `now` to hold the whole pass at one moment.
        """
        clock = self._clock if now is None else lambda: now
        await self._warn_unsent()
        tried = 0
        while claimed := await self._claim(clock()):
            for message in claimed:
                outcome = await self._deliver(message)
                await self._record(message, outcome, clock())
            tried += len(claimed)
            if len(claimed) < self._batch:
                break
        return tried

    def wake(self) -> None:
        """Look for due messages now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._unsubscribe = subscribe(self.wake)
            self._task = asyncio.create_task(self._loop(), name="outbox")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            await cancel_all([self._task], "outbox")
            self._task = None
        for sender in self._senders.values():
            await sender.close()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox pass failed; next in %.0f s", self._poll)
            self.passes += 1
            with contextlib.suppress(TimeoutError):  # not wait_for: see dialer/engine.py
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def _claim(self, now: float) -> list[Claimed]:
        if not self._senders:
            return []
        due = (
            select(OutboxRow.id)
            .where(OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= now,
                   OutboxRow.channel.in_(sorted(self._senders)))
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(self._batch)
        )
        claim = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(due.scalar_subquery()), OutboxRow.status == PENDING,
                   OutboxRow.next_attempt_at <= now)
            .values(next_attempt_at=now + self._lease, attempts=OutboxRow.attempts + 1)
            .returning(*_CLAIMED)
            .execution_options(synchronize_session=False)
        )
        async with self._sessions.begin() as session:
            rows = (await session.execute(claim)).all()
        return sorted((Claimed(**row._mapping) for row in rows), key=lambda c: c.id)

    async def _deliver(self, message: Claimed) -> Outcome:
        sender = self._senders[message.channel]
        try:
            envelope = await self._envelope(message)
            async with asyncio.timeout(self._send_timeout):
                provider_id = await sender.send(envelope)
        except SendFailed as failed:
            return Outcome(False, failed.detail, permanent=failed.permanent)
        except TimeoutError:
            return Outcome(False, "Zaman aşımı / timed out")
        except Exception as error:  # a sender's bug must not stop the other messages
            log.exception("outbox message %d: sender failed", message.id)
            return Outcome(False, f"Beklenmeyen hata / unexpected error: {type(error).__name__}")
        return Outcome(True, "Gönderildi / sent", provider_id=provider_id)

    async def _envelope(self, message: Claimed) -> Envelope:
        attachments: tuple[MailAttachment, ...] = ()
        if message.channel == EMAIL:
            attachments = await self._files(message)
        return Envelope(message_id=message.id, channel=message.channel,
                        recipient=message.recipient, subject=message.subject,
                        body=message.body, attachments=attachments)

    async def _files(self, message: Claimed) -> tuple[MailAttachment, ...]:
        ids = [int(i) for i in json.loads(message.attachment_ids or "[]")]
        if not ids:
            return ()
        async with self._sessions() as session:
            rows = (await session.scalars(
                select(TicketAttachmentRow).where(TicketAttachmentRow.id.in_(ids))
            )).all()
        found = {row.id: row for row in rows}
        missing = [i for i in ids if i not in found or found[i].ticket_id != message.ticket_id]
        if missing or self._attachments is None:
            raise SendFailed(f"Ek bulunamadı / attachment not found: {missing or ids}",
                             permanent=True)
        files = []
        for i in ids:
            row = found[i]
            try:
                data = await self._attachments.get(row.sha256)
            except (OSError, ValueError):
                raise SendFailed(f"Ek dosyası okunamadı / attachment file unreadable: {i}",
                                 permanent=True) from None
            files.append(MailAttachment(row.filename, row.content_type, data))
        return tuple(files)

    async def _record(self, message: Claimed, outcome: Outcome, now: float) -> None:
        values = self._next_state(message, outcome, now)
        async with self._sessions.begin() as session:
            session.add(OutboxAttemptRow(message_id=message.id, at=now, ok=outcome.ok,
                                         detail=outcome.detail))
            await session.execute(update(OutboxRow).where(OutboxRow.id == message.id)
                                  .values(**values))
        self._log(message, outcome, values)

    def _next_state(self, message: Claimed, outcome: Outcome, now: float) -> dict[str, object]:
        if outcome.ok:
            return {"status": SENT, "sent_at": now, "provider_id": outcome.provider_id,
                    "last_error": None}
        delay = None if outcome.permanent else self._backoff.delay(message.attempts, self._rand)
        if delay is None:
            return {"status": FAILED, "last_error": outcome.detail}
        return {"status": PENDING, "next_attempt_at": now + delay, "last_error": outcome.detail}

    def _log(self, message: Claimed, outcome: Outcome, values: Mapping[str, object]) -> None:
        # Never the body, never the whole number (KVKK): the id and a masked recipient.
        who = shown_recipient(message.channel, message.recipient)
        if outcome.ok:
            log.info("outbox %d (%s to %s) sent", message.id, message.channel, who)
        elif values["status"] == FAILED:
            log.warning("outbox %d (%s to %s) failed after %d tries: %s", message.id,
                        message.channel, who, message.attempts, outcome.detail)
        else:
            log.info("outbox %d (%s to %s) try %d failed, again at %.0f: %s", message.id,
                     message.channel, who, message.attempts, values["next_attempt_at"],
                     outcome.detail)

    async def _warn_unsent(self) -> None:
        """Once per channel: messages wait because no sender is configured for it."""
        if (self._senders.keys() | self._warned) >= CHANNELS:
            return
        query = (select(OutboxRow.channel, func.count()).where(OutboxRow.status == PENDING)
                 .where(OutboxRow.channel.not_in(sorted(self._senders)))
                 .group_by(OutboxRow.channel))
        async with self._sessions() as session:
            waiting = (await session.execute(query)).all()
        for channel, count in waiting:
            if channel not in self._warned:
                self._warned.add(channel)
                log.warning("%d %s message(s) wait in the outbox: no %s sender is configured",
                            count, channel, channel)
