"""NeuPIMs mapping: KV-cache layout on PIM, channel assignment, sub-batches, PIM tile streams.

KV layout (spec/neupims.md "Attention on PIM"):

* K.q — a bank row holds one token's key over ``row_elems`` (512) dims = 4 heads of 128;
  the channel's 32 banks hold 32 tokens.  Per 512-dim chunk one GWRITE of q; per
  32-token tile one G_ACT set and one GEMV per head of ``head_dim / lanes`` (8) COMPs.
* logits.V — a bank row holds 512 tokens of one embedding dim; 32 banks = 32 dims.
  Per head and 512-token chunk one GWRITE of that head's logits; per 32-dim tile one
  GEMV of ``ceil(tokens / lanes)`` (<= 32) COMPs.  Partial sums over chunks are added
  on the NPU vector units.

Each request's whole KV cache lives in one channel.  Channel assignment is greedy
min-load (NeuPIMs: each request, in batch order or longest first, to the channel with the
least PIM work so far) or round robin (naive baseline).  Sub-batches: each channel's requests
split in half by count, in batch order (odd channels alternate which half gets the
extra request), as in the authors' artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from llmaccel.workloads.errors import InputError

POLICIES = ("greedy", "greedy_longest_first", "round_robin")


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


@lru_cache(maxsize=65536)
def _score_tiles(kv_len: int, dims: int, head_dim: int, row_elems: int, banks: int, lanes: int) -> tuple:
    rows = []
    for c in range(_cdiv(dims, row_elems)):
        chunk = min(row_elems, dims - c * row_elems)
        heads = _cdiv(chunk, head_dim)
        for tile in range(_cdiv(kv_len, banks)):
            tokens = min(banks, kv_len - tile * banks)
            rows.append((1 if tile == 0 else 0, heads, _cdiv(head_dim, lanes), tokens * chunk))
    return tuple(rows)


@lru_cache(maxsize=65536)
def _context_tiles(kv_len: int, heads: int, head_dim: int, row_elems: int, banks: int, lanes: int) -> tuple:
    rows = []
    for _h in range(heads):
        for c in range(_cdiv(kv_len, row_elems)):
            tokens = min(row_elems, kv_len - c * row_elems)
            for dt in range(_cdiv(head_dim, banks)):
                dims = min(banks, head_dim - dt * banks)
                rows.append((1 if dt == 0 else 0, 1, _cdiv(tokens, lanes), tokens * dims))
    return tuple(rows)


def request_tiles(kv_len: int, heads: int, head_dim: int, row_elems: int, banks: int, lanes: int) -> np.ndarray:
    """PIM tiles ``(n, 4)`` (gwrite, n_gemv, comps, macs) of one request's MHA in one layer.

    Args:
        kv_len: tokens in the request's KV cache (the new token's K/V included).
        heads: attention heads on this device (after TP sharding).
        head_dim: elements per head.
        row_elems: elements per DRAM row (1 KB / 2 B = 512).
        banks: banks per channel (32).
        lanes: PIM multipliers per bank (16).
    """
    if kv_len <= 0 or heads <= 0 or head_dim <= 0:
        raise InputError("kv_len/heads/head_dim", "must be positive")
    s = _score_tiles(kv_len, heads * head_dim, head_dim, row_elems, banks, lanes)
    c = _context_tiles(kv_len, heads, head_dim, row_elems, banks, lanes)
    return np.array(s + c, np.int64).reshape(-1, 4)


def kv_bytes(kv_len: int, heads: int, head_dim: int, elem_bytes: int) -> int:
    """K and V bytes of one request in one layer."""
    return 2 * kv_len * heads * head_dim * elem_bytes


def assign_channels(loads: np.ndarray, channels: int, policy: str) -> np.ndarray:
    """Channel of each request: ``"greedy"`` min-load in batch order, ``"greedy_longest_first"``
    min-load over the requests taken by decreasing load (ties in batch order; the authors'
    ``trace-generator/channel_load_balancing.py`` ``distribute_requests`` walks
    ``sorted(seq_lens, reverse=True)``), or ``"round_robin"``."""
    if policy not in POLICIES:
        raise InputError("mapping.channel_policy", f"allowed: {', '.join(POLICIES)}; got {policy!r}")
    loads = np.asarray(loads, np.int64)
    if policy == "round_robin":
        return np.arange(len(loads), dtype=np.int64) % channels
    order = np.argsort(-loads, kind="stable") if policy == "greedy_longest_first" else np.arange(len(loads))
    acc = np.zeros(channels, np.int64)
    out = np.empty(len(loads), np.int64)
    for i in order:
        c = int(np.argmin(acc))  # lowest index among ties
        out[i] = c
        acc[c] += loads[i]
    return out


def split_sub_batches(channel_of: np.ndarray, loads: np.ndarray | None = None) -> np.ndarray:
    """Sub-batch (0/1) of each request: each channel's requests, in batch order, split in half
    by count (spec/neupims.md "each channel's requests split in half"; the authors' artifact,
    ``Scheduler::group_sub_batches`` with its simple partition): the first half goes to
    sub-batch 0.  Channels with an odd count alternate, in channel order, between giving the
    extra request to sub-batch 0 and to sub-batch 1, so the two sub-batches differ by at most
    one request (equal GEMM token counts).  ``loads`` is accepted for API compatibility and
    not used: a load-balanced split makes the token counts unequal, and a sub-batch that
    crosses a 128-token boundary costs the NPU a whole extra stationary tile."""
    channel_of = np.asarray(channel_of, np.int64)
    sub = np.zeros(len(channel_of), np.int64)
    ceil_turn = True
    for c in np.unique(channel_of):
        idx = np.flatnonzero(channel_of == c)
        first = len(idx) // 2
        if len(idx) % 2:
            first += 1 if ceil_turn else 0
            ceil_turn = not ceil_turn
        sub[idx[first:]] = 1
    return sub


@dataclass
class KvPlacement:
    """Where each request's KV lives and which sub-batch it belongs to.

    Attributes:
        kv_len: per request.
        load: per request PIM cycles of one layer's MHA when run alone.
        channel: per request channel.
        sub_batch: per request 0/1.
        tiles: per request tile array (shared objects for equal kv_len).
    """

    kv_len: np.ndarray
    load: np.ndarray
    channel: np.ndarray
    sub_batch: np.ndarray
    tiles: list = field(default_factory=list)


def place_kv(
    kv_lens, loads, channels: int, policy: str, channel_bytes: int, kv_bytes_per_req, weight_bytes: float = 0.0
) -> KvPlacement:
    """Assign requests to channels and sub-batches; check channel capacity.

    Args:
        loads: per request PIM cycles of one layer (the simulator computes them).
        channel_bytes: capacity of one channel.
        kv_bytes_per_req: per request KV bytes over all layers on this device.
        weight_bytes: weight bytes on this device, spread evenly over channels.

    Raises:
        InputError: a channel's KV plus its weight share exceed its capacity.
    """
    kv = np.asarray(kv_lens, np.int64)
    load = np.asarray(loads, np.int64)
    ch = assign_channels(load, channels, policy)
    sub = split_sub_batches(ch, load)
    used = (
        np.bincount(ch, weights=np.asarray(kv_bytes_per_req, np.float64), minlength=channels) + weight_bytes / channels
    )
    if used.max() > channel_bytes:
        c = int(np.argmax(used))
        raise InputError(
            "batch",
            f"KV cache of channel {c} needs {used[c] / 2**30:.2f} GiB with weights; "
            f"a channel holds {channel_bytes / 2**30:.2f} GiB (reduce batch or lengths)",
        )
    return KvPlacement(kv, load, ch, sub)


def channel_streams(place: KvPlacement, channels: int, mask: np.ndarray | None = None) -> list[np.ndarray]:
    """Concatenated tile stream per channel of the selected requests (batch order)."""
    out = []
    sel = np.ones(len(place.kv_len), bool) if mask is None else mask
    for c in range(channels):
        idx = np.flatnonzero((place.channel == c) & sel)
        out.append(np.concatenate([place.tiles[i] for i in idx]) if len(idx) else np.zeros((0, 4), np.int64))
    return out
