"""JSON encoding of records, shared by the store and the exports."""

from __future__ import annotations

import zlib
from typing import Any

import msgspec

from cockpit.models import Snapshot

_encoder = msgspec.json.Encoder()
_snapshot_decoder = msgspec.json.Decoder(Snapshot)

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


def to_json(value: Any) -> bytes:
    """Any record or view-model as JSON (dates as ISO 8601)."""
    return _encoder.encode(value)


def to_builtins(value: Any) -> Any:
    """Any record or view-model as plain dicts, lists, strings and numbers."""
    return msgspec.to_builtins(value)
