"""DocRoom: validate-then-apply, limits, the outgoing queue, server edits."""

from __future__ import annotations

from typing import Any

import pycrdt
import pytest

from salon.core.errors import SalonError
from salon.documents.limits import DocLimits
from salon.documents.room import Author, Client, DocRoom


def make_room(**limits: Any) -> tuple[DocRoom, list[tuple[bytes, Author]]]:
    applied: list[tuple[bytes, Author]] = []
    room = DocRoom(
        "doc1",
        "room1",
        pycrdt.Doc(),
        DocLimits(**limits),
        on_applied=lambda _room, update, author: applied.append((update, author)),
        on_dirty=lambda _room: None,
    )
    return room, applied


def edit(text: str, base: bytes | None = None) -> bytes:
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    if base:
        doc.apply_update(base)
    ytext = doc.get("content", type=pycrdt.Text)
    before = doc.get_state()
    ytext += text
    return doc.get_update(before)


def content(room: DocRoom) -> str:
    return str(room.doc.get("content", type=pycrdt.Text))


def test_valid_update_is_applied_logged_and_queued() -> None:
    room, applied = make_room()
    room.join(Client("s1", "/yjs|room1/doc", "ana", "participant"))
    room.apply(edit("hi"), Author("ana"), "s1")
    assert content(room) == "hi"
    assert [a for _, a in applied] == [Author("ana")]
    out = room.take_outgoing()
    assert [s for s, _ in out.updates] == ["s1"]
    assert not room.take_outgoing()


def test_duplicate_update_changes_nothing_and_sends_nothing() -> None:
    room, applied = make_room()
    update = edit("hi")
    room.apply(update, Author("ana"), "s1")
    room.take_outgoing()
    room.apply(update, Author("ana"), "s1")
    assert len(applied) == 1
    assert not room.take_outgoing()


@pytest.mark.parametrize("bad", [b"", b"\x00", b"\xff" * 40, b"garbage", "text", None, 42])
def test_malformed_update_is_refused_and_doc_intact(bad: Any) -> None:
    room, applied = make_room()
    room.apply(edit("keep"), Author("ana"))
    with pytest.raises(SalonError) as info:
        room.apply(bad, Author("eve"), "s2")
    assert info.value.code == "bad_request"
    assert content(room) == "keep"
    assert len(applied) == 1


def test_truncated_update_is_refused() -> None:
    room, _ = make_room()
    update = edit("hello world")
    for cut in range(1, len(update) - 1):
        with pytest.raises(SalonError):
            room.apply(update[:cut], Author("eve"))
    assert content(room) == ""


def test_update_size_limit() -> None:
    room, _ = make_room(max_update_bytes=100)
    with pytest.raises(SalonError) as info:
        room.apply(edit("x" * 200), Author("ana"))
    assert info.value.code == "too_large"


def test_document_size_limit() -> None:
    room, _ = make_room(max_document_bytes=300)
    room.apply(edit("x" * 100), Author("ana"))
    with pytest.raises(SalonError) as info:
        room.apply(edit("y" * 250), Author("ana"))
    assert info.value.code == "too_large"
    assert content(room) == "x" * 100


def test_missing_for_gives_what_a_peer_lacks_and_rejects_garbage() -> None:
    room, _ = make_room()
    room.apply(edit("abc"), Author("ana"))
    peer: pycrdt.Doc[Any] = pycrdt.Doc()
    peer.apply_update(room.missing_for(peer.get_state()))
    assert str(peer.get("content", type=pycrdt.Text)) == "abc"
    with pytest.raises(SalonError):
        room.missing_for(b"\xff\xff\xff")


def test_server_edit_takes_the_client_path() -> None:
    room, applied = make_room()
    room.edit(
        lambda doc: doc.get("content", type=pycrdt.Text).insert(0, "from server"), Author(None)
    )
    assert content(room) == "from server"
    assert len(applied) == 1
    out = room.take_outgoing()
    assert out.updates[0][0] is None  # no sender: everyone receives it


def test_leave_queues_awareness_removal() -> None:
    room, _ = make_room()
    room.join(Client("s1", "/ns", "ana", "viewer"))
    room.apply_awareness(b"\x01\x07\x00\x02{}", "s1")
    room.take_outgoing()
    room.leave("s1")
    out = room.take_outgoing()
    assert list(out.awareness_ids) == [7]


def test_closed_room_refuses_updates() -> None:
    room, _ = make_room()
    room.close()
    with pytest.raises(SalonError) as info:
        room.apply(edit("x"), Author("ana"))
    assert info.value.code == "unavailable"


def test_size_estimate_is_remeasured_before_refusing() -> None:
    room, _ = make_room(max_document_bytes=2_000)
    doc: pycrdt.Doc[Any] = pycrdt.Doc()
    text = doc.get("content", type=pycrdt.Text)
    for _ in range(100):  # type and delete: the estimate grows, the document does not
        before = doc.get_state()
        text += "abcdefghij"
        del text[0:10]
        room.apply(doc.get_update(before), Author("ana"))
    before = doc.get_state()
    text += "still fits"
    room.apply(doc.get_update(before), Author("ana"))
    assert content(room) == "still fits"


def test_update_with_missing_dependencies_is_refused_and_not_kept() -> None:
    room, applied = make_room()
    author: pycrdt.Doc[Any] = pycrdt.Doc()
    text = author.get("content", type=pycrdt.Text)
    updates = []
    for word in ("one", "two", "three"):
        before = author.get_state()
        text += word
        updates.append(author.get_update(before))
    room.apply(updates[0], Author("ana"))
    with pytest.raises(SalonError) as info:
        room.apply(updates[2], Author("ana"))  # "two" never arrived
    assert info.value.code == "bad_request"
    room.apply(updates[1], Author("ana"))  # filling the gap must not resurrect "three"
    assert content(room) == "onetwo"
    assert len(applied) == 2
    room.apply(updates[2], Author("ana"))  # now its dependencies are there
    assert content(room) == "onetwothree"


def test_an_edit_cannot_carry_another_users_client_id() -> None:
    room, _ = make_room()
    ana = Client("s1", "/ns", "ana", "participant")
    eve = Client("s2", "/ns", "eve", "participant")
    ana_doc: pycrdt.Doc[Any] = pycrdt.Doc()
    ana_doc.get("content", type=pycrdt.Text).insert(0, "ana's")
    room.apply_edit(ana, ana_doc.get_update())
    before = ana_doc.get_state()
    ana_doc.get("content", type=pycrdt.Text).insert(0, "forged ")
    with pytest.raises(SalonError) as info:
        room.apply_edit(eve, ana_doc.get_update(before))  # eve replays under ana's clientID
    assert info.value.code == "forbidden"
    assert content(room) == "ana's"
    ana_again = Client("s3", "/ns", "ana", "participant")  # ana reconnected: same clientID
    room.apply_edit(ana_again, ana_doc.get_update(before))
    assert content(room) == "forged ana's"


def test_an_edit_with_new_structs_of_several_clients_is_refused() -> None:
    room, _ = make_room()
    a: pycrdt.Doc[Any] = pycrdt.Doc()
    b: pycrdt.Doc[Any] = pycrdt.Doc()
    a.get("content", type=pycrdt.Text).insert(0, "a")
    b.get("content", type=pycrdt.Text).insert(0, "b")
    both = pycrdt.merge_updates(a.get_update(), b.get_update())
    with pytest.raises(SalonError):
        room.apply_edit(Client("s", "/ns", "eve", "participant"), both)
    room.apply(a.get_update(), Author("ana"))  # the server knows a's part already:
    room.apply_edit(Client("s", "/ns", "bob", "participant"), both)  # only b's is new
    assert sorted(content(room)) == ["a", "b"]
