"""Result store: resume semantics and refusal to mix sweeps."""

import pytest

from llmaccel.dse.store import ResultStore
from llmaccel.workloads.errors import InputError


def test_rows_persist_and_resume_requires_flag(tmp_path):
    db = tmp_path / "r.sqlite"
    s = ResultStore(db)
    s.register_sweep("a", {"x": 1}, "host", resume=False)
    s.add("a", '{"p":1}', '{"w":1}', "host", {"status": "ok", "metrics": {"latency_s": 2.0}, "seconds": 0.1})
    s.close()
    s = ResultStore(db)
    with pytest.raises(InputError) as e:
        s.register_sweep("a", {"x": 1}, "host", resume=False)
    assert e.value.field == "--resume"
    s.register_sweep("a", {"x": 1}, "host", resume=True)
    assert s.done_keys("a") == {('{"p":1}', '{"w":1}')}
    (row,) = s.rows("a")
    assert row["latency_s"] == 2.0 and row["point"] == {"p": 1}
    with pytest.raises(InputError):
        s.register_sweep("a", {"x": 2}, "host", resume=True)  # different space, same name


def test_not_a_database(tmp_path):
    p = tmp_path / "junk.sqlite"
    p.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError) as e:
        ResultStore(p)
    assert e.value.field == "results database"
