"""The one numeric validator: kinds, finiteness, ranges, and messages that name key and range."""

import math

import pytest

from llmaccel.workloads import limits
from llmaccel.workloads.errors import InputError


@pytest.mark.parametrize(
    "value, kwargs, want",
    [
        (64, {"integer": True, "lo": 1}, 64),
        (64.0, {"integer": True, "lo": 1}, 64),  # an integer-valued float is an integer
        (3, {}, 3.0),
        (0.5, {"lo": 0, "hi": 1}, 0.5),
        (1, {"lo": 0, "lo_open": True}, 1.0),
    ],
)
def test_accepts(value, kwargs, want):
    got = limits.check_number("k", value, **kwargs)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(
    "value, kwargs, message",
    [
        (math.nan, {"lo": 0, "hi": 10}, "k: must be a finite number in [0, 10], got nan"),
        (math.inf, {}, "k: must be a finite number, got inf"),
        (True, {"integer": True, "lo": 1}, "k: must be a finite integer >= 1, got True"),
        ("nope", {"lo": 0, "hi": 1}, "k: must be a finite number in [0, 1], got 'nope'"),
        (None, {}, "k: must be a finite number, got None"),
        (2.5, {"integer": True, "lo": 1}, "k: must be an integer >= 1, got 2.5"),
        (0, {"integer": True, "lo": 1, "hi": 4}, "k: must be an integer in [1, 4], got 0"),
        (5, {"integer": True, "lo": 1, "hi": 4}, "k: must be an integer in [1, 4], got 5"),
        (0.0, {"lo": 0, "lo_open": True, "hi": 9}, "k: must be a number in (0, 9], got 0.0"),
    ],
)
def test_refuses_naming_key_and_range(value, kwargs, message):
    with pytest.raises(InputError) as e:
        limits.check_number("k", value, **kwargs)
    assert str(e.value) == message


def test_product_limit_names_the_estimate_and_the_limit():
    with pytest.raises(InputError) as e:
        limits.check_product("--synthetic", {"ROWS": 1000, "COLS": 1000}, 999_999, "elements")
    assert (
        str(e.value) == "--synthetic: ROWS 1000 x COLS 1000 = 1e+06 elements, above the limit 1e+06; use smaller sizes"
    )


def test_op_size_limits():
    assert limits.op_size_problem(4, 8, 16, 2) is None
    assert limits.op_size_problem(limits.MAX_DIM + 1, 1, 1)[0] == "m"
    field, problem = limits.op_size_problem(1 << 24, 1 << 24, 1 << 24)  # 2^72 MACs
    assert field == "m" and "above the limit" in problem


def test_gzip_output_is_bounded_and_members_are_joined():
    import gzip

    from llmaccel.workloads.trace_io import _gunzip

    two = gzip.compress(b"abc", mtime=0) + gzip.compress(b"def", mtime=0)
    assert _gunzip(two, 100) == b"abcdef"
    bomb = gzip.compress(b"\0" * 1_000_000, mtime=0)  # ~1 KB that inflates to 1 MB
    with pytest.raises(InputError) as e:
        _gunzip(bomb, 10_000)
    assert "limit 10000" in e.value.problem
    with pytest.raises(InputError) as e:
        _gunzip(gzip.compress(b"x" * 5000, mtime=0)[:-12], 10_000)  # cut before its end
    assert e.value.field == "trace line 1"


def test_text_files_above_the_limit_are_refused_before_reading(tmp_path, monkeypatch):
    from llmaccel.workloads import textfile

    f = tmp_path / "big.yaml"
    f.write_text("a: 1\n" * 100)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError) as e:
        textfile.read_text(f, "space")
    assert e.value.field == "space" and "500 bytes, above the limit 100" in e.value.problem
