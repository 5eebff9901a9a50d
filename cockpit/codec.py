"""JSON encoding of records, shared by the store and the exports."""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from cockpit.models import Run, Snapshot

_encoder = msgspec.json.Encoder()
_snapshot_decoder = msgspec.json.Decoder(Snapshot)
# Chunks of runs are stored once per content (their key is a hash of these bytes): dict keys
# are written sorted, so the same runs give the same bytes whatever order a tracker sent
# their metrics and params in.
_chunk_encoder = msgspec.json.Encoder(order="deterministic")
_chunk_decoder = msgspec.json.Decoder(tuple[Run, ...])
_order_decoder = msgspec.json.Decoder(tuple[tuple[int, int], ...])

# Compressing pays off from a few kilobytes on; a marker byte says which form a payload is in.
_COMPRESS_FROM = 4096
_PLAIN, _ZLIB = b"J", b"Z"


def encode_snapshot(snapshot: Snapshot) -> bytes:
    raw = _encoder.encode(snapshot)
    if len(raw) >= _COMPRESS_FROM:
        return _ZLIB + zlib.compress(raw, 6)
    return _PLAIN + raw


def decode_snapshot(payload: bytes) -> Snapshot:
    marker, body = payload[:1], payload[1:]
    if marker == _ZLIB:
        body = zlib.decompress(body)
    elif marker != _PLAIN:
        raise ValueError(f"unknown snapshot payload marker {marker!r}")
    return _snapshot_decoder.decode(body)


def encode_runs(runs: tuple[Run, ...] | list[Run]) -> bytes:
    """A chunk of runs as canonical JSON, before compression (its hash is its key)."""
    return _chunk_encoder.encode(runs)


def compress_chunk(raw: bytes) -> bytes:
    return zlib.compress(raw, 6)


def decode_runs(payload: bytes) -> tuple[Run, ...]:
    return _chunk_decoder.decode(zlib.decompress(payload))


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
