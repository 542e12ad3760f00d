"""``llmaccel trace`` end to end: files, summary line, bad input -> exit 2 with one stderr line."""

import pytest

from llmaccel.cli import main
from llmaccel.workloads.trace_io import read_trace


def test_decode_trace_written_and_summarised(tmp_path, capsys):
    out = tmp_path / "d.jsonl"
    rc = main(
        [
            "trace",
            "--model",
            "llama2-7b",
            "--phase",
            "decode",
            "--batch",
            "4",
            "--prompt-len",
            "100",
            "--gen-len",
            "10",
            "--layers",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    line = capsys.readouterr().out.strip().splitlines()
    assert len(line) == 1
    t = read_trace(out)
    E, F = 4096, 11008
    macs = 2 * (4 * (4 * E * E + 3 * E * F) + 4 * 2 * E * 100)
    assert t.total_macs == macs
    assert f"{len(t.ops)} ops" in line[0] and f"{macs / 1e9:.3f} GMAC" in line[0]
    # weights of 2 layers at the shared default w8a8 (as llmaccel run): (4 E^2 + 3 E F) * 1 byte * 2 layers
    assert f"weights {(4 * E * E + 3 * E * F) * 2 / 1e9:.3f} GB" in line[0]
    assert ", w8a8:" in line[0]


def test_sampled_trace_is_reproducible(tmp_path):
    args = [
        "trace",
        "--model",
        "gpt3-7b",
        "--batch",
        "8",
        "--dist",
        "alpaca",
        "--seed",
        "3",
        "--tp",
        "4",
        "--layers",
        "1",
    ]
    assert main(args + ["--out", str(tmp_path / "a.jsonl")]) == 0
    assert main(args + ["--out", str(tmp_path / "b.jsonl.gz")]) == 0
    assert (tmp_path / "a.jsonl").read_bytes() != b""
    assert read_trace(tmp_path / "a.jsonl").ops == read_trace(tmp_path / "b.jsonl.gz").ops
    assert main(args + ["--out", str(tmp_path / "c.jsonl")]) == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "c.jsonl").read_bytes()
    assert read_trace(tmp_path / "a.jsonl").meta["dist"] == "alpaca"


def test_encoder_default_prompt_is_the_image(tmp_path):
    assert (
        main(["trace", "--model", "vit-b", "--phase", "prefill", "--batch", "2", "--out", str(tmp_path / "v.jsonl")])
        == 0
    )
    t = read_trace(tmp_path / "v.jsonl")
    assert t.ops[0].m == 2 * 197


def test_gemm_csv_conversion(tmp_path, capsys):
    csv = tmp_path / "t.csv"
    csv.write_text("Layer,M,N,K,\nfc1,16,32,64,\n")
    assert main(["trace", "--gemm-csv", str(csv), "--out", str(tmp_path / "g.jsonl")]) == 0
    assert "1 ops" in capsys.readouterr().out
    assert read_trace(tmp_path / "g.jsonl").total_macs == 16 * 32 * 64


@pytest.mark.parametrize(
    "args",
    [
        ["--model", "nope"],
        ["--phase", "train"],
        ["--batch", "0"],
        ["--prompt-len", "-3"],
        ["--tp", "5"],
        ["--layers", "99"],
        ["--quant", "w1a1"],
        ["--dist", "lmsys"],
        ["--dist", "alpaca", "--prompt-len", "5"],
        ["--seed", "-1", "--dist", "alpaca"],
        ["--model", "bert-base", "--phase", "decode"],
        ["--gemm-csv", "/nonexistent.csv"],
    ],
)
def test_bad_input_exit_2_one_line(tmp_path, capsys, args):
    out = tmp_path / "x.jsonl"
    rc = main(["trace", *args, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("llmaccel: error: ")
    assert not out.exists()


def test_out_folder_missing(tmp_path, capsys):
    assert main(["trace", "--layers", "1", "--out", str(tmp_path / "no" / "x.jsonl")]) == 2
    assert "folder does not exist" in capsys.readouterr().err


def test_check_valid_and_invalid(tmp_path, capsys):
    out = tmp_path / "t.jsonl"
    assert main(["trace", "--layers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["trace", "--check", str(out)]) == 0
    assert "valid llmaccel-trace: 17 ops" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    lines[2] = lines[2].replace('"m":1,', '"m":0,')
    lines[5] = lines[5].replace('"kind":"', '"kind":"x')
    out.write_text("\n".join(lines) + "\n")
    assert main(["trace", "--check", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "llmaccel: error: trace line 3: m: must be a positive integer, got 0 (and 1 more problems)\n"
    assert main(["trace"]) == 2
    assert "--out" in capsys.readouterr().err
