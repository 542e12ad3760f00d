"""Glue between mapping/neupims.py and the PIM timing: tiles and loads per request
(cached: streams are regular, so one schedule per (kv_len, heads, head_dim) is reused)."""

from __future__ import annotations

import numpy as np

from llmaccel.mapping import neupims as mp
from llmaccel.sim.dram.config import DramConfig
from llmaccel.sim.neupims.pim import PimParams, PimTiming, schedule_fast

_TILE_CACHE: dict = {}


def request_tiles(kv_len: int, heads: int, head_dim: int, dram: DramConfig, pim: PimParams) -> np.ndarray:
    """:func:`mapping.neupims.request_tiles` with the geometry of ``dram`` and ``pim``."""
    return mp.request_tiles(
        kv_len, heads, head_dim, dram.org.row_bytes // pim.elem_bytes, dram.org.banks_per_channel, pim.lanes_per_bank
    )


def tiles_and_load(kv_len: int, heads: int, head_dim: int, dram: DramConfig, pim: PimParams, dual: bool):
    """(tiles, PIM cycles of the request alone) — cached."""
    key = (kv_len, heads, head_dim, dram, pim, dual)
    hit = _TILE_CACHE.get(key)
    if hit is None:
        tiles = request_tiles(kv_len, heads, head_dim, dram, pim)
        hit = (tiles, schedule_fast(tiles, PimTiming.of(dram, pim), dual, start=0).end_cycle)
        if len(_TILE_CACHE) > 100_000:
            _TILE_CACHE.clear()
        _TILE_CACHE[key] = hit
    return hit


def place_kv(
    kv_lens,
    heads: int,
    head_dim: int,
    dram: DramConfig,
    pim: PimParams,
    policy: str,
    dual_row_buffer: bool,
    layers: int = 1,
    weight_bytes: float = 0.0,
) -> mp.KvPlacement:
    """Tiles, loads, channels and sub-batches of a batch (see :func:`mapping.neupims.place_kv`)."""
    kv = [int(k) for k in kv_lens]
    tl = [tiles_and_load(k, heads, head_dim, dram, pim, dual_row_buffer) for k in kv]
    cap = dram.org.ranks * dram.org.banks_per_rank * dram.org.rows * dram.org.row_bytes
    per_req = [mp.kv_bytes(k, heads, head_dim, pim.elem_bytes) * layers for k in kv]
    place = mp.place_kv(kv, [x[1] for x in tl], dram.org.channels, policy, cap, per_req, weight_bytes)
    place.tiles = [x[0] for x in tl]
    return place
