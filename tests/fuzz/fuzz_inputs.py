"""Valid inputs the fuzz cases start from (each case breaks one thing), built from shipped files."""

from __future__ import annotations

import io
import json

import numpy as np

from llmaccel.sim.preset import PRESET_DIR

#: Small and fast: one block of LLaMA2-7B decode, batch 1.
RUN = ["run", "--quiet", "--layers", "1", "--prompt-len", "64"]
TRACE = ["trace", "--quiet", "--layers", "1", "--prompt-len", "64"]

PRESET = (PRESET_DIR / "systolic-int8.yaml").read_text()

SPACE = """schema: 1
name: fz
host: systolic-int8
parameters:
  hw.array.rows: {choices: [16, 32]}
workloads:
  - {model: llama2-7b, phase: decode, batch: 1, prompt_len: 64, layers: 1, quant: w8a8}
objectives:
  - {metric: tokens_per_s, goal: max}
"""

HF = {
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 176,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "vocab_size": 128,
    "max_position_embeddings": 256,
}


def hf(**changes) -> str:
    d = dict(HF)
    d.update(changes)
    return json.dumps(d)


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=True)
    return buf.getvalue()


def npz(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def valid_trace(tmp_dir) -> list[str]:
    """The lines of a valid two-op trace file (header + ops), written by the real trace writer."""
    from pathlib import Path

    from llmaccel.workloads.gemm_csv import read_gemm_csv
    from llmaccel.workloads.trace_io import write_trace

    csv_path = Path(tmp_dir) / "seed.csv"
    csv_path.write_text("Layer,M,N,K\nfc1,4,8,16\nfc2,4,16,8\n")
    out = write_trace(read_gemm_csv(csv_path), Path(tmp_dir) / "seed.jsonl")
    lines = out.read_text().splitlines()
    csv_path.unlink()
    out.unlink()
    return lines


def set_op_field(lines: list[str], index: int, key: str, value) -> str:
    """Trace text with op ``index`` (0-based, after the header) having ``key`` set to ``value``."""
    ops = [json.loads(x) for x in lines[1:]]
    ops[index][key] = value
    return "\n".join([lines[0], *(json.dumps(o) for o in ops)]) + "\n"
