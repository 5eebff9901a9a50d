"""Encoding of records: MessagePack in the store, JSON for exports.

The store writes MessagePack, not JSON, because a run's metrics may be NaN or infinite (a
diverged loss) and JSON has no way to say so: msgspec writes them as `null`, which no longer
decodes as a float, and one such run would make the whole cache unreadable. MessagePack keeps
every float as it is, and decodes faster. Payloads written as JSON by earlier versions are still
read (their marker byte says which form they are in).
"""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from cockpit.models import CostRow, Run, Snapshot


class _StoredPayload(Snapshot, frozen=True, gc=False):
    """A snapshot as the store writes it: the record, and whether its text was found clean
    when it was written (`cockpit.store.needs_no_cleaning`). Only the store's payload carries
    the flag: a `Snapshot` in memory never does, so no copy or edit of one can claim it. A
    payload from an earlier version lacks it and reads as not clean; an earlier version
    ignores it."""

    text_clean: bool = False


_encoder = msgspec.json.Encoder()
_pack = msgspec.msgpack.Encoder()
_snapshot_decoder = msgspec.msgpack.Decoder(_StoredPayload)
_snapshot_json_decoder = msgspec.json.Decoder(Snapshot)
# Chunks of runs are stored once per content (their key is a hash of these bytes): dict keys
# are written sorted, so the same runs give the same bytes whatever order a tracker sent
# their metrics and params in.
_chunk_encoder = msgspec.msgpack.Encoder(order="deterministic")
_chunk_decoder = msgspec.msgpack.Decoder(tuple[Run, ...])
_chunk_json_decoder = msgspec.json.Decoder(tuple[Run, ...])
_order_decoder = msgspec.json.Decoder(tuple[tuple[int, int], ...])
_cost_rows_decoder = msgspec.msgpack.Decoder(tuple[CostRow, ...])

# Compressing pays off from a few kilobytes on; a marker byte says which form a payload is in:
# MessagePack plain or zlib-compressed, or (from earlier versions) JSON plain or compressed.
_COMPRESS_FROM = 4096
_PACKED, _PACKED_ZLIB = b"M", b"N"
_JSON, _JSON_ZLIB = b"J", b"Z"


def encode_snapshot(snapshot: Snapshot, *, text_clean: bool = False) -> bytes:
    """`text_clean`: every text in it was found clean; reads need not clean it."""
    if text_clean:
        fields = {name: getattr(snapshot, name) for name in Snapshot.__struct_fields__}
        snapshot = _StoredPayload(**fields, text_clean=True)
    raw = _pack.encode(snapshot)
    if len(raw) >= _COMPRESS_FROM:
        return _PACKED_ZLIB + zlib.compress(raw, 6)
    return _PACKED + raw


def decode_snapshot(payload: bytes) -> Snapshot:
    return decode_stored_snapshot(payload)[0]


def decode_stored_snapshot(payload: bytes) -> tuple[Snapshot, bool]:
    """The snapshot, and whether its text was found clean when it was written."""
    marker, body = payload[:1], payload[1:]
    if marker in (_PACKED_ZLIB, _JSON_ZLIB):
        body = zlib.decompress(body)
    if marker in (_PACKED, _PACKED_ZLIB):
        stored = _snapshot_decoder.decode(body)
        fields = {name: getattr(stored, name) for name in Snapshot.__struct_fields__}
        return Snapshot(**fields), stored.text_clean
    if marker in (_JSON, _JSON_ZLIB):
        return _snapshot_json_decoder.decode(body), False
    raise ValueError(f"unknown snapshot payload marker {marker!r}")


def encode_runs(runs: tuple[Run, ...] | list[Run]) -> bytes:
    """A chunk of runs as canonical MessagePack, before compression (its hash is its key)."""
    return _chunk_encoder.encode(runs)


def compress_chunk(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def decode_runs(payload: bytes) -> tuple[Run, ...]:
    raw = zlib.decompress(payload)
    # A chunk is an array: JSON's starts with "[", MessagePack's never does.
    if raw[:1] == b"[":
        return _chunk_json_decoder.decode(raw)
    return _chunk_decoder.decode(raw)


def encode_cost_rows(rows: tuple[CostRow, ...]) -> bytes:
    """A snapshot's cost roll-ups as canonical MessagePack, before compression (its hash is
    its key: a re-sync that changed nothing stores no second copy)."""
    return _chunk_encoder.encode(rows)


def decode_cost_rows(payload: bytes) -> tuple[CostRow, ...]:
    return _cost_rows_decoder.decode(zlib.decompress(payload))


def encode_run_order(segments: list[tuple[int, int]]) -> bytes:
    """How runs interleave across chunks: (chunk position, how many runs) in snapshot order."""
    return zlib.compress(_encoder.encode(segments), 6)


def decode_run_order(payload: bytes) -> tuple[tuple[int, int], ...]:
    return _order_decoder.decode(zlib.decompress(payload))


def to_json(value: Any) -> bytes:
    """Any record or view-model as JSON (dates as ISO 8601)."""
    return _encoder.encode(value)


def to_builtins(value: Any) -> Any:
    """Any record or view-model as plain dicts, lists, strings and numbers."""
    return msgspec.to_builtins(value)
