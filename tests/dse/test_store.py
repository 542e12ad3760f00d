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


def test_two_connections_claim_disjoint_work_and_dead_owners_release_it(tmp_path):
    import socket
    import subprocess
    import sys

    db = tmp_path / "r.sqlite"
    a, b = ResultStore(db), ResultStore(db)
    a.register_sweep("s", {"x": 1}, "host", resume=False)
    keys = [(f'{{"p":{i}}}', '{"w":1}') for i in range(20)]
    host = socket.gethostname()
    got_a = a.claim("s", keys, f"{host}:{__import__('os').getpid()}", 8)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # b's owner, alive
    try:
        got_b = b.claim("s", keys, f"{host}:{other.pid}", 8)
        assert got_a == keys[:8] and got_b == keys[8:16]  # in order, no overlap
        assert a.claim("s", keys, "elsewhere:1", 100) == keys[16:]  # a third owner finds only the rest
    finally:
        other.kill()
        other.wait()
    # b's process is gone: its claims are free again; a's (this live process) and elsewhere:1's are not
    assert ResultStore(db).claim("s", keys, "elsewhere:2", 100) == keys[8:16]
    a.add("s", *keys[0], "host", {"status": "ok", "metrics": {}, "seconds": 0.0})
    assert keys[0] not in a.claimed_by_others("s", keys, "elsewhere:3")  # stored rows are never pending
    assert keys[1] in a.claimed_by_others("s", keys, "elsewhere:3")


def test_readonly_open_never_creates_or_changes_a_file(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as e:
        ResultStore(empty, readonly=True)
    assert e.value.field == "results database" and empty.read_bytes() == b""
    with pytest.raises(InputError):
        ResultStore(tmp_path / "missing.sqlite", readonly=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]
