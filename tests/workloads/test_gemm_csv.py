"""SCALE-Sim GEMM topology CSV -> Trace."""

import pytest

from llmaccel.workloads.errors import InputError
from llmaccel.workloads.gemm_csv import read_gemm_csv
from llmaccel.workloads.ops import OpKind
from llmaccel.workloads.trace_io import read_trace, write_trace

GPT2_TOPO = "Layer,M,N,K,\nQKT,1024,1024,64,\nQKTV,1024,64,1024,\nLinear1,1024,4800,1600,\n\nPW-FF-L2,1024,1600,3072,\n"


def test_scalesim_rows(tmp_path):
    p = tmp_path / "gpt2.csv"
    p.write_text(GPT2_TOPO)
    t = read_gemm_csv(p)
    assert [(o.name, o.m, o.n, o.k, o.layer, o.role) for o in t.ops] == [
        ("QKT", 1024, 1024, 64, 0, "gemm"),
        ("QKTV", 1024, 64, 1024, 1, "gemm"),
        ("Linear1", 1024, 4800, 1600, 2, "gemm"),
        ("PW-FF-L2", 1024, 1600, 3072, 3, "gemm"),
    ]
    assert t.total_macs == 1024 * 1024 * 64 * 2 + 1024 * 4800 * 1600 + 1024 * 1600 * 3072
    assert t.model == "gpt2"
    back = read_trace(write_trace(t, tmp_path / "g.jsonl"))
    assert back.ops == t.ops


def test_spaces_no_trailing_comma_duplicates_sparsity_gemv_quant(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("Layer, M, N, K\nfc, 1, 10, 20\nfc, 2, 10, 20, 2:4\n")
    t = read_gemm_csv(p, quant="w8a8")
    assert [o.name for o in t.ops] == ["fc", "fc#2"]
    assert t.ops[0].kind == OpKind.GEMV and t.ops[1].kind == OpKind.GEMM
    assert t.ops[1].b_spec.sparsity.density == 0.5 and t.ops[1].b_spec.fmt == "int8"
    assert t.ops[0].b_spec.sparsity is None


@pytest.mark.parametrize(
    "text, match",
    [
        ("Name,H,W\nx,1,2\n", "header"),
        ("Layer,M,N,K\nx,1,2\n", "cells"),
        ("Layer,M,N,K\nx,1,0,3\n", "N: must be a positive"),
        ("Layer,M,N,K\nx,a,2,3\n", "M: must be a positive"),
        ("Layer,M,N,K\n,1,2,3\n", "Layer"),
        ("Layer,M,N,K\nx,1,2,3,5:4\n", "sparsity"),
        ("Layer,M,N,K\nx,1,2,3,half\n", "sparsity"),
        ("Layer,M,N,K\n", "no GEMM rows"),
        ("", "header"),
    ],
)
def test_bad_csv(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=match):
        read_gemm_csv(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_gemm_csv(tmp_path / "none.csv")


def test_scalesim_repository_spellings(tmp_path):
    # SCALE-Sim's repository ships both "Layer, M, N, K," and "Layer Name, M, N, K,", with
    # spaces after commas, trailing commas and (from Windows editors) CRLF and a BOM
    p = tmp_path / "crlf.csv"
    p.write_bytes("\ufeffLayer Name, M, N, K,\r\n QKT , 1024, 1024, 64,\r\n\r\nFF1, 8, 3, 2,\r\n".encode())
    t = read_gemm_csv(p)
    assert [(o.name, o.m, o.n, o.k) for o in t.ops] == [("QKT", 1024, 1024, 64), ("FF1", 8, 3, 2)]


def test_not_utf8_and_folder_are_input_errors(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"Layer,M,N,K,\n\xff\xfe,1,2,3,\n")
    with pytest.raises(InputError, match="UTF-8"):
        read_gemm_csv(p)
    with pytest.raises(InputError, match="folder"):
        read_gemm_csv(tmp_path)


def test_run_accepts_a_scalesim_topology(tmp_path, capsys):
    from llmaccel.cli import main

    p = tmp_path / "topo.csv"
    p.write_bytes(b"Layer Name, M, N, K,\r\nL0, 64, 32, 32,\r\n")
    out = tmp_path / "run"
    assert main(["run", "--gemm-csv", str(p), "--quant", "w8a8", "--out", str(out), "--quiet"]) == 0
    from llmaccel.reports.run_folder import read

    folder = read(out)
    # systolic-int8 (32x32 os, scalesim-v3): 2 x 1 folds of T + R + C - 2 = 32 + 32 + 32 - 2 = 94
    assert folder.summary["meta"]["fold_convention"] == "scalesim-v3"
    assert [(o["name"], o["compute_cycles"]) for o in folder.ops] == [("L0", 2 * 94)]
    assert any(a.startswith("fold convention scalesim-v3") for a in folder.summary["assumptions"])
