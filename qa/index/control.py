"""The control records of an index on a Chroma server: one writer at a time, and a version that readers watch.

`<name>_control` is a small collection beside the index's three (it survives `qa ingest --rebuild`, which drops
those). It holds two kinds of record:

- **The ingest lease**, records `lease-<generation>`: who holds the ingest lock and until when. A writer takes the
  lock by adding the record of the next generation after a lease that is released or has lapsed. Chroma ignores the
  add of an id that exists already (first writer wins), so of two writers that add the same generation at once,
  exactly one finds its own token when it reads the record back; and since a lease record is deleted only by the
  winner of a later generation, a writer that re-adds a deleted old generation sees the later one and backs off.
  The holder renews its lease every quarter of its lifetime from a background thread and checks it before every
  batch it writes; a holder that is killed stops renewing, and its lease lapses after `ingest_lock_ttl_s`. A holder
  that could not renew in time (stalled, or the server unreachable) stops writing a quarter of the lifetime before
  its lease lapses, which leaves that much for the clocks of two machines to disagree.
- **The version record**, id `version`: a counter and a random token, bumped by every ingest that changed the index.
  A process that answers questions reads this one small record (at most every `freshness_s` seconds) to learn
  whether another process changed the index, instead of reading the whole manifest.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from qa.index.store import StoreError

log = logging.getLogger(__name__)

LEASE_PREFIX = "lease-"
VERSION_ID = "version"


class LockBusy(StoreError):
    """Another writer holds the ingest lock."""


class LockLost(StoreError):
    """This writer's lease lapsed or was taken over: it must stop writing."""


@dataclass(frozen=True)
class Lease:
    generation: int
    token: str
    owner: str
    acquired: float  # seconds since the epoch, by the holder's clock
    expires: float
    released: bool
    ttl: float  # the holder's lease time: how long its lock outlives it if it is killed

    @property
    def id(self) -> str:
        return f"{LEASE_PREFIX}{self.generation:012d}"

    def held(self, now: float) -> bool:
        return not self.released and now < self.expires

    def describe(self, now: float) -> str:
        since = time.strftime("%H:%M:%S UTC", time.gmtime(self.acquired))
        return f"held by {self.owner} since {since}; it lapses in {max(0.0, self.expires - now):.0f} s unless renewed"

    def metadata(self) -> dict:
        return {"kind": "lease", "generation": self.generation, "token": self.token, "owner": self.owner,
                "acquired": self.acquired, "expires": self.expires, "released": self.released, "ttl": self.ttl}


class Control:
    """The `<name>_control` collection of an index."""

    def __init__(self, client, name: str) -> None:
        self.name = name
        self.collection = client.get_or_create_collection(
            f"{name}_control", metadata={"about": "qa: the ingest lock and the index version"})

    def leases(self) -> list[Lease]:
        """Every lease record, oldest generation first."""
        got = self.collection.get(include=["metadatas"])
        leases = [Lease(int(m["generation"]), m["token"], m["owner"], float(m["acquired"]), float(m["expires"]),
                        bool(m["released"]), float(m["ttl"]))
                  for rid, m in zip(got["ids"], got["metadatas"]) if rid.startswith(LEASE_PREFIX)]
        return sorted(leases, key=lambda lease: lease.generation)

    def write_lease(self, lease: Lease, *, new: bool) -> None:
        write = self.collection.add if new else self.collection.upsert
        write(ids=[lease.id], embeddings=[[1.0]], metadatas=[lease.metadata()])

    def version(self) -> str:
        """The index version: changes whenever an ingest changed the index ("" before the first such ingest)."""
        got = self.collection.get(ids=[VERSION_ID], include=["metadatas"])
        if not got["ids"]:
            return ""
        meta = got["metadatas"][0]
        return f"{meta['n']}:{meta['token']}"

    def bump_version(self, by: str) -> str:
        """A new version (only the holder of the ingest lock writes it, so reading and adding one is safe)."""
        got = self.collection.get(ids=[VERSION_ID], include=["metadatas"])
        n = int(got["metadatas"][0]["n"]) + 1 if got["ids"] else 1
        token = uuid.uuid4().hex[:12]
        self.collection.upsert(ids=[VERSION_ID], embeddings=[[1.0]],
                               metadatas=[{"kind": "version", "n": n, "token": token, "by": by, "at": time.time()}])
        return f"{n}:{token}"


def who() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class ServerLock:
    """The ingest lock of one index on a Chroma server, as a renewed lease (see the module's docstring).

    Use: `lock.acquire(wait)`, then `lock.check()` before each write, then `lock.release()`; or `with lock:` for
    acquire(0) and release. `clock` is the wall clock (leases are compared across machines)."""

    def __init__(self, control: Control, ttl: float, owner: str | None = None, clock: Callable[[], float] = time.time,
                 where: str = "") -> None:
        self.control = control
        self.ttl = ttl
        self.margin = ttl / 4
        self.owner = owner or who()
        self.token = uuid.uuid4().hex
        self.clock = clock
        self.where = where or f"the index '{control.name}'"
        self.lease: Lease | None = None
        self._lost: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # Taking and giving back -----------------------------------------------------------------------------------
    def try_acquire(self) -> Lease | None:
        """Take the lock if it is free or its lease has lapsed: None when taken, else the lease that holds it."""
        leases = self.control.leases()
        now = self.clock()
        top = leases[-1] if leases else None
        if top is not None and top.held(now):
            return top
        mine = Lease(top.generation + 1 if top else 1, self.token, self.owner, now, now + self.ttl, False, self.ttl)
        self.control.write_lease(mine, new=True)  # ignored by Chroma if another writer added this generation first
        after = self.control.leases()
        stored = next((lease for lease in after if lease.generation == mine.generation), None)
        if stored is None and after:  # taken, held and passed on again meanwhile
            return after[-1]
        if stored is None:
            raise StoreError(f"the ingest lock record of {self.where} could not be written on the Chroma server")
        newest = after[-1]
        if stored.token != self.token:
            return stored  # another writer added this generation first
        if newest.generation != mine.generation:  # an old generation re-added after a later one was taken
            self.control.collection.delete(ids=[mine.id])
            return newest
        if top is not None and not top.released:
            log.warning("took over the ingest lock of %s from %s, whose lease lapsed %.0f s ago", self.where,
                        top.owner, now - top.expires)
        older = [lease.id for lease in after if lease.generation < mine.generation]
        if older:
            self.control.collection.delete(ids=older)
        self.lease = stored
        self._lost = None
        self._stop.clear()
        self._renewer = threading.Thread(target=self._renew_loop, name="qa-ingest-lease", daemon=True)
        self._renewer.start()
        return None

    def acquire(self, wait: float = 0.0, on_wait: Callable[[Lease], None] | None = None,
                poll: float | None = None) -> None:
        """Take the lock, waiting up to `wait` seconds for it (`on_wait` is told once whom it waits for); LockBusy
        when it is still held then."""
        deadline = time.monotonic() + wait
        poll = poll or min(2.0, max(0.2, self.ttl / 20))
        told = False
        while True:
            holder = self.try_acquire()
            if holder is None:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                waited = f" after waiting {wait:g} s" if wait else ""
                raise LockBusy(
                    f"another ingest is writing to {self.where}{waited} ({holder.describe(self.clock())}). "
                    f"Wait for it to finish, or run `qa ingest --wait SECONDS`; if that ingest was killed, its lock "
                    f"lapses by itself within {holder.ttl:g} s (its QA_INGEST_LOCK_TTL_S)."
                )
            if not told and on_wait:
                on_wait(holder)
                told = True
            time.sleep(min(poll, left))

    def release(self) -> None:
        """Stop renewing and mark the lease released (best effort: an unreleased lease lapses by itself)."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=self.ttl)
            self._renewer = None
        lease, self.lease = self.lease, None
        if lease is None or self._lost:
            return
        try:
            leases = self.control.leases()
            if leases and leases[-1].generation == lease.generation and leases[-1].token == self.token:
                self.control.write_lease(replace(lease, expires=self.clock(), released=True), new=False)
        except Exception as err:  # noqa: BLE001 - the lease lapses by itself
            log.warning("could not release the ingest lock of %s (%s); it lapses within %g s", self.where, err,
                        self.ttl)

    def __enter__(self) -> ServerLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    # While holding it -----------------------------------------------------------------------------------------
    def check(self) -> None:
        """LockLost unless this writer still holds a lease that does not lapse within the safety margin."""
        lease = self.lease
        if self._lost:
            raise LockLost(self._lost)
        if lease is None:
            raise LockLost(f"this ingest does not hold the ingest lock of {self.where}")
        if self.clock() > lease.expires - self.margin:
            raise LockLost(f"this ingest could not renew its lock on {self.where} in time (stalled, or the server "
                           "did not answer), so another ingest may take it: stopped; run `qa ingest` again")

    def renew(self) -> None:
        """Extend the lease by its lifetime; LockLost (and every later check() fails) when it is no longer ours."""
        lease = self.lease
        if lease is None:
            raise LockLost(f"this ingest does not hold the ingest lock of {self.where}")
        now = self.clock()
        if now > lease.expires - self.margin:
            self._lost = f"this ingest could not renew its lock on {self.where} in time; stopped"
            raise LockLost(self._lost)
        newest = self.control.leases()
        if not newest or newest[-1].generation != lease.generation or newest[-1].token != self.token:
            taker = newest[-1].owner if newest else "nobody"
            self._lost = f"the ingest lock of {self.where} was taken over by {taker}; stopped"
            raise LockLost(self._lost)
        renewed = replace(lease, expires=now + self.ttl)
        self.control.write_lease(renewed, new=False)
        self.lease = renewed

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.ttl / 4):
            try:
                self.renew()
            except LockLost as err:
                log.error("%s", err)
                return
            except Exception as err:  # noqa: BLE001 - the server may be back by the next round
                lease = self.lease
                if lease is not None and self.clock() > lease.expires - self.margin:
                    self._lost = f"lost the ingest lock of {self.where}: it could not be renewed ({err}); stopped"
                    log.error("%s", self._lost)
                    return
                log.warning("could not renew the ingest lock of %s (%s); trying again", self.where, err)
