"""One loaded document: the pycrdt Doc, its connected clients and what is waiting to go out.

Transport-free: the room validates and applies inbound messages synchronously and queues the
outbound ones; the manager's flush loop drains the queue through a ``Transport``. Applying
without awaiting keeps a socket's messages in arrival order even with concurrent handlers.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pycrdt

from salon.core.errors import SalonError
from salon.documents import awareness, varuint
from salon.documents.limits import DocLimits

log = logging.getLogger(__name__)

EDIT_ROLES = frozenset({"host", "expert", "participant"})
# Sync answers kept per document version: fresh clients share one; others rarely repeat.
MAX_CACHED_ANSWERS = 8
# Awareness owner of states replicated in from another node (sids never contain ":").
NODE_OWNER = "node:"


@dataclass(frozen=True, slots=True)
class Author:
    """Who caused an update: a user (and the live session it belongs to) or the server."""

    user_id: str | None
    session_id: str | None = None


@dataclass(slots=True)
class Client:
    sid: str
    namespace: str
    user_id: str
    role: str

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES


@dataclass(slots=True)
class Outgoing:
    """What one flush sends: document updates by sender, and changed awareness client ids."""

    updates: list[tuple[str | None, bytes]] = field(default_factory=list)
    awareness_ids: dict[int, None] = field(default_factory=dict)
    awareness_senders: set[str | None] = field(default_factory=set)
    # Changed by this node's sockets (not replicated in from another node).
    awareness_local: dict[int, None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.updates or self.awareness_ids)


AppliedHook = Callable[["DocRoom", bytes, Author], None]


class DocRoom:
    def __init__(
        self,
        document_id: str,
        room_id: str,
        doc: pycrdt.Doc[Any],
        limits: DocLimits,
        on_applied: AppliedHook,
        on_dirty: Callable[[DocRoom], None],
    ) -> None:
        self.document_id = document_id
        self.room_id = room_id
        self.doc = doc
        self.limits = limits
        self.clients: dict[str, Client] = {}
        # Namespaces the clients are on, with how many each (one, in practice): a flush
        # reads them instead of walking every client.
        self.namespaces: Counter[str] = Counter()
        self.awareness = awareness.AwarenessTable()
        self.size = len(doc.get_update())
        self.last_active = time.monotonic()
        self.closed = False
        self._on_applied = on_applied
        self._on_dirty = on_dirty
        self._out = Outgoing()
        # Set around each apply so the observer knows whose change it is seeing.
        self._sender: str | None = None
        self._author = Author(None)
        self._replicated = False
        # Yjs clientID -> user who first edited with it (a user's reconnects keep their id).
        self._yjs_owner: dict[int, str] = {}
        self._subscription = doc.observe(self._observed)
        # Sync answers of the current version, by state vector (see ``missing_for``).
        self._answers: dict[bytes, bytes] = {}

    # --- clients ---------------------------------------------------------------------------

    def join(self, client: Client) -> None:
        previous = self.clients.get(client.sid)
        if previous is not None:
            self._forget_namespace(previous.namespace)
        self.clients[client.sid] = client
        self.namespaces[client.namespace] += 1
        self.last_active = time.monotonic()

    def leave(self, sid: str) -> None:
        client = self.clients.pop(sid, None)
        if client is None:
            return
        self._forget_namespace(client.namespace)
        removed = self.awareness.remove_owner(sid)
        if removed:
            self._queue_awareness(None, removed)
        self.last_active = time.monotonic()

    def _forget_namespace(self, namespace: str) -> None:
        self.namespaces[namespace] -= 1
        if self.namespaces[namespace] <= 0:
            del self.namespaces[namespace]

    # --- sync ------------------------------------------------------------------------------

    def state_vector(self) -> bytes:
        return self.doc.get_state()

    def missing_for(self, state_vector: bytes) -> bytes:
        """What a peer with ``state_vector`` lacks (sync step 2).

        Encoded once per document version and state vector, and shared: every client that
        connects fresh asks with the same (empty) state vector, and each answer is the whole
        document. Encoded per request, sixty requests for a 14.6 MiB document held sixty
        copies until they were sent."""
        if len(state_vector) > self.limits.max_update_bytes:
            raise SalonError("too_large", "state vector too large")
        cached = self._answers.get(state_vector)
        if cached is not None:
            return cached
        try:
            answer = self.doc.get_update(state_vector)
        except ValueError as exc:
            raise SalonError("bad_request", "malformed state vector") from exc
        if len(self._answers) >= MAX_CACHED_ANSWERS:
            self._answers.clear()
        self._answers[state_vector] = answer
        return answer

    def apply_edit(self, client: Client, update: bytes) -> None:
        """A live edit (``sync-update``): what is new in it is one Yjs client's, this user's.

        A local Yjs transaction only creates structs under the editor's own clientID, right
        after that client's previous ones; new structs under several clientIDs, under one
        another user introduced, or leaving a gap are forged or corrupted. Parts the server
        already has are ignored (a provider may forward a locally persisted copy). Sync
        replies may carry other clients' changes legitimately and use ``apply``.
        """
        update = self._checked(update)
        state = self.doc.get_state()
        new = _new_part(update, state)
        first = _first_block(new)
        if first is not None:
            client_id, clock = first
            owner = self._yjs_owner.setdefault(client_id, client.user_id)
            if owner != client.user_id:
                raise SalonError("forbidden", "that Yjs clientID belongs to another user")
            if clock != _state_vector(state).get(client_id, 0):
                raise SalonError(
                    "bad_request", "update depends on changes the server does not have", resync=True
                )
        self._integrate(new, Author(client.user_id), client.sid)

    def apply(self, update: bytes, author: Author, sender: str | None = None) -> None:
        """Validate and integrate one Yjs update; raise ``SalonError`` and change nothing if bad."""
        new = _new_part(self._checked(update), self.doc.get_state())
        self._integrate(new, author, sender)
        if _has_structs(pycrdt.get_update(new, self.doc.get_state())):
            self._drop_pending()
            raise SalonError(
                "bad_request", "update depends on changes the server does not have", resync=True
            )

    def _checked(self, update: object) -> bytes:
        if not isinstance(update, bytes | bytearray | memoryview):
            raise SalonError("bad_request", "a Yjs update must be binary")
        update = bytes(update)
        if len(update) > self.limits.max_update_bytes:
            raise SalonError("too_large", f"update over {self.limits.max_update_bytes} bytes")
        if self.size + len(update) > self.limits.max_document_bytes:
            # The running size only grows (it adds every update); measure before refusing.
            self.size = len(self.doc.get_update())
            if self.size + len(update) > self.limits.max_document_bytes:
                raise SalonError("too_large", "document size limit reached")
        if self.closed:
            raise SalonError("unavailable", "document is closing, reconnect")
        return update

    def _integrate(self, new: bytes, author: Author, sender: str | None) -> None:
        self._sender, self._author = sender, author
        try:
            self.doc.apply_update(new)
        except BaseException as exc:
            if not isinstance(exc, Exception) and not _is_rust_panic(exc):
                raise
            raise SalonError("bad_request", "malformed Yjs update") from exc
        finally:
            self._sender, self._author = None, Author(None)

    def _drop_pending(self) -> None:
        """Forget structs Yrs parked as pending (their dependencies are missing).

        Clients send changes in order and answer sync with everything the server lacks, so a
        gap means a forged or corrupted update. Kept, it would integrate silently once a later
        update filled the gap, changing the text without an update event anyone receives.
        ``get_update`` does not encode pending structs, so a rebuild drops exactly those.
        """
        fresh: pycrdt.Doc[Any] = pycrdt.Doc()
        fresh.apply_update(self.doc.get_update())
        self.doc.unobserve(self._subscription)
        self._answers.clear()
        self.doc = fresh
        self._subscription = fresh.observe(self._observed)

    def apply_replicated(self, update: bytes) -> None:
        """An update another node already validated and logged: apply and fan out only."""
        self._replicated = True
        try:
            self.doc.apply_update(update)
        finally:
            self._replicated = False

    def edit(self, change: Callable[[pycrdt.Doc[Any]], None], author: Author) -> None:
        """A server-side change, taking the same path as a client's update."""
        if self.closed:
            raise SalonError("unavailable", "document is closing")
        self._author = author
        try:
            with self.doc.transaction(origin="salon"):
                change(self.doc)
        finally:
            self._author = Author(None)

    def _observed(self, event: pycrdt.TransactionEvent) -> None:
        # What Yrs integrated, re-encoded by Yrs: never the raw inbound bytes.
        update: bytes = event.update
        self._answers.clear()  # a new version
        self.size += len(update)
        self.last_active = time.monotonic()
        self._out.updates.append((self._sender, update))
        if not self._replicated:  # the node that accepted it logs and replicates it
            self._on_applied(self, update, self._author)
        self._on_dirty(self)

    # --- awareness -------------------------------------------------------------------------

    def apply_awareness(self, data: bytes, sid: str) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise SalonError("bad_request", "an awareness update must be binary")
        changed = self.awareness.apply(sid, awareness.decode_update(bytes(data)))
        if changed:
            self._queue_awareness(sid, changed)

    def apply_replicated_awareness(self, data: bytes, node_id: str) -> None:
        """Awareness another node accepted from its sockets; that node owns those clientIDs."""
        entries = awareness.decode_update(data)
        changed = self.awareness.apply(NODE_OWNER + node_id, entries, limit=1_000_000)
        if changed:
            self._queue_awareness(None, changed, local=False)

    def awareness_snapshot(self) -> bytes:
        return self.awareness.encode()

    def local_awareness(self) -> bytes:
        """The states this node's sockets announced, for a peer node that just loaded us."""
        return self.awareness.encode(self.awareness.ids_owned_here(NODE_OWNER))

    def _queue_awareness(
        self, sender: str | None, client_ids: list[int], local: bool = True
    ) -> None:
        for client_id in client_ids:
            self._out.awareness_ids[client_id] = None
            if local:
                self._out.awareness_local[client_id] = None
        self._out.awareness_senders.add(sender)
        self._on_dirty(self)

    # --- flushing --------------------------------------------------------------------------

    def take_outgoing(self) -> Outgoing:
        out, self._out = self._out, Outgoing()
        return out

    def close(self) -> None:
        self.closed = True
        self.doc.unobserve(self._subscription)


def _is_rust_panic(exc: BaseException) -> bool:
    # pyo3 turns a Rust panic into PanicException, a BaseException that cannot be imported.
    return type(exc).__name__ == "PanicException"


def _new_part(update: bytes, state: bytes) -> bytes:
    """What of ``update`` is new against ``state``, as Yrs itself cuts it. Integrating only
    this keeps a forged struct that reuses an id we have from ever reaching integration (Yrs
    may otherwise fold it in silently, with no update event for anyone). Decoding the whole
    update here also means a malformed one is refused before anything changes."""
    try:
        return pycrdt.get_update(update, state)
    except BaseException as exc:
        if not isinstance(exc, Exception) and not _is_rust_panic(exc):
            raise
        raise SalonError("bad_request", "malformed Yjs update") from exc


def _has_structs(update: bytes) -> bool:
    # A v1 update starts with the number of clients that have structs in it.
    return bool(update) and update[0] != 0


def _state_vector(sv: bytes) -> dict[int, int]:
    # ``sv`` is our own doc's state vector, encoded by Yrs: always complete.
    count, pos = varuint.read(sv)
    pairs, _ = varuint.read_many(sv, 2 * count, pos)
    return dict(zip(pairs[::2], pairs[1::2], strict=True))


def _first_block(update: bytes) -> tuple[int, int] | None:
    """(clientID, first clock) of the structs a v1 update carries; None: deletions only.

    Reads just the header: varuint client count, then the first block's struct count,
    clientID and clock. An update with structs of several clients is refused.
    """
    if not update:
        return None
    try:
        clients, pos = varuint.read(update)
        if clients == 0:
            return None
        if clients != 1:
            raise SalonError("bad_request", "an edit carries the changes of exactly one Yjs client")
        (_, client_id, clock), _ = varuint.read_many(update, 3, pos)
    except varuint.VarUintError as exc:
        raise SalonError("bad_request", "malformed Yjs update") from exc
    return client_id, clock
