"""UDP ports for SIPp's own sockets, handed out so that no two SIPps of ours collide."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence

from cti.simulate.errors import SippError


class PortAllocator:
    """UDP ports for SIPp's own sockets (client SIP, control, media), unique in this process.

    A port is handed out only if it can be bound right now on the address it is for, and not
    again until released. Each process starts at its own offset in the range, which keeps two
    processes (a test run and the demo) apart. The default range lies outside Asterisk's RTP
    ports (10000-20000), the kernel's ephemeral ports and the sandbox's fixed SIP ports.
    """

    def __init__(self, first: int = 21000, last: int = 29999) -> None:
        if not 1024 <= first < last <= 65535:
            raise ValueError(f"bad port range {first}-{last}")
        self.first = first
        self.last = last
        self._taken: set[int] = set()
        self._cursor = first + (os.getpid() * 97) % (last - first + 1)
        self._lock = threading.Lock()

    def take(self, ip: str, count: int = 1, *, even: bool = False) -> int:
        """The first of `count` consecutive free ports; `even` aligns it (RTP)."""
        with self._lock:
            span = self.last - self.first + 1
            for _ in range(span):
                port = self._advance(count, even)
                if port is not None and self._free(ip, port, count):
                    self._taken.update(range(port, port + count))
                    return port
        raise SippError(f"no {count} free UDP port(s) on {ip} in {self.first}-{self.last}")

    def release(self, ports: Sequence[int]) -> None:
        with self._lock:
            self._taken.difference_update(ports)

    def _advance(self, count: int, even: bool) -> int | None:
        port = self._cursor
        if even and port % 2:
            port += 1
        if port + count - 1 > self.last:
            self._cursor = self.first
            return None
        self._cursor = port + count
        return port

    def _free(self, ip: str, port: int, count: int) -> bool:
        if any(p in self._taken for p in range(port, port + count)):
            return False
        return all(_bindable(ip, p) for p in range(port, port + count))


def _bindable(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


PORTS = PortAllocator()
