"""SQLite result store: one row per (sweep, design point, workload).

Each finished evaluation is committed on its own (WAL journal), so a sweep that
is killed loses at most the evaluations in flight; ``--resume`` skips every
(point, workload) already stored and repeats nothing.

Tables::

    sweeps(name PRIMARY KEY, space_json, host)
    results(sweep, point_key, workload_key, point_json, workload_json, host,
            status, error, seconds, <one REAL column per metric>, metrics_json,
            PRIMARY KEY (sweep, point_key, workload_key))
    claims(sweep, point_key, workload_key, owner, PRIMARY KEY (sweep, point_key, workload_key))

Several processes may work on one sweep (two ``--resume`` runs, or a resume while
the first run is alive): each claims a batch of unfinished evaluations in one
write transaction (``BEGIN IMMEDIATE``) before evaluating them, so no evaluation
runs twice.  A claim names its owner ``host:pid``; claims of a process that no
longer exists on this host are free again.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

from llmaccel.dse.metrics import METRICS
from llmaccel.workloads.errors import InputError


def owner_id() -> str:
    """``host:pid`` of this process (the owner recorded on its claims)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """False only for an owner on this host whose process is gone (claims of other hosts are trusted)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _readonly_uri(path: Path) -> str:
    """A read-only SQLite URI.  With no ``-wal`` file beside the database (no sweep is writing it)
    it is also opened ``immutable``, so reading creates no ``-wal``/``-shm`` side files either."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    if not Path(str(path) + "-wal").exists():
        uri += "&immutable=1"
    return uri


class ResultStore:
    """The results database of sweeps.

    Args:
        path: SQLite file.
        readonly: open an existing database read-only (``report``); it is never created or changed.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            self._open_readonly()
            return
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            cols = ", ".join(f"{m} REAL" for m in METRICS)
            self.db.execute("CREATE TABLE IF NOT EXISTS sweeps (name TEXT PRIMARY KEY, space_json TEXT, host TEXT)")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS claims (sweep TEXT, point_key TEXT, workload_key TEXT, owner TEXT, "
                "PRIMARY KEY (sweep, point_key, workload_key))"
            )
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS results (sweep TEXT, point_key TEXT, workload_key TEXT, point_json TEXT, "
                f"workload_json TEXT, host TEXT, status TEXT, error TEXT, seconds REAL, {cols}, metrics_json TEXT, "
                "PRIMARY KEY (sweep, point_key, workload_key))"
            )
            self._add_metric_columns()
            self.db.commit()
        except sqlite3.DatabaseError as e:
            raise InputError("results database", f"{self.path} is not a usable SQLite file ({e})") from None

    def _add_metric_columns(self) -> None:
        """A database written before a metric existed gets its column (null for old rows); SQLite
        appends it after ``metrics_json``, so rows are written and read by column name."""
        have = [r[1] for r in self.db.execute("PRAGMA table_info(results)")]
        for m in METRICS:
            if m not in have:
                self.db.execute(f"ALTER TABLE results ADD COLUMN {m} REAL")

    def _open_readonly(self) -> None:
        if not self.path.is_file():
            raise InputError("results database", f"{self.path} is not a file")
        try:
            self.db = sqlite3.connect(_readonly_uri(self.path), uri=True)
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as e:
            raise InputError("results database", f"{self.path} is not an SQLite file ({e})") from None
        if not {"sweeps", "results"} <= tables:
            self.db.close()
            raise InputError("results database", f"{self.path} is not an llmaccel results database (no sweeps table)")

    def close(self) -> None:
        self.db.close()

    def register_sweep(self, name: str, space: dict[str, Any], host: str, resume: bool) -> None:
        """Record the sweep; without ``resume`` an existing sweep of that name is an error."""
        row = self.db.execute("SELECT space_json FROM sweeps WHERE name=?", (name,)).fetchone()
        text = json.dumps(space, sort_keys=True)
        if row and not resume and not self.done_keys(name):
            # a start that failed before storing anything: a plain re-run takes it over
            self.db.execute("DELETE FROM sweeps WHERE name=?", (name,))
            row = None
        if row and not resume:
            raise InputError(
                "--resume",
                f"sweep {name!r} already exists in {self.path}; pass --resume to continue it or use another --db",
            )
        if row and row[0] != text:
            raise InputError(
                "space",
                f"sweep {name!r} in {self.path} was started with a different space; "
                "rename the sweep or use another --db",
            )
        if not row:
            self.db.execute("INSERT INTO sweeps VALUES (?,?,?)", (name, text, host))
            self.db.commit()

    def claim(self, sweep: str, keys: list[tuple[str, str]], owner: str, limit: int) -> list[tuple[str, str]]:
        """Claim up to ``limit`` of ``keys`` that are neither stored nor claimed by a live owner; returns them.

        One write transaction, so two processes never claim the same evaluation.
        """
        self.db.execute("BEGIN IMMEDIATE")
        try:
            done = self.done_keys(sweep)
            owners = dict(
                ((p, w), o)
                for p, w, o in self.db.execute(
                    "SELECT point_key, workload_key, owner FROM claims WHERE sweep=?", (sweep,)
                )
            )
            mine: list[tuple[str, str]] = []
            for k in keys:
                if len(mine) >= limit:
                    break
                if k in done:
                    continue
                o = owners.get(k)
                if o is not None and o != owner and owner_alive(o):
                    continue
                mine.append(k)
            self.db.executemany(
                "INSERT OR REPLACE INTO claims VALUES (?,?,?,?)", [(sweep, p, w, owner) for p, w in mine]
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return mine

    def claimed_by_others(self, sweep: str, keys: list[tuple[str, str]], owner: str) -> list[tuple[str, str]]:
        """Those of ``keys`` not stored yet and held by another live owner."""
        done = self.done_keys(sweep)
        rows = self.db.execute("SELECT point_key, workload_key, owner FROM claims WHERE sweep=?", (sweep,))
        held = {(p, w) for p, w, o in rows if o != owner and owner_alive(o)}
        return [k for k in keys if k not in done and k in held]

    def done_keys(self, sweep: str) -> set[tuple[str, str]]:
        return {
            (p, w) for p, w in self.db.execute("SELECT point_key, workload_key FROM results WHERE sweep=?", (sweep,))
        }

    def add(self, sweep: str, point_key: str, workload_key: str, host: str, outcome: dict[str, Any]) -> None:
        m = outcome.get("metrics") or {}
        vals = [m.get(k) for k in METRICS]
        cols = (
            "sweep, point_key, workload_key, point_json, workload_json, host, status, error, seconds, "
            + ", ".join(METRICS)
            + ", metrics_json"
        )
        self.db.execute(
            f"INSERT OR REPLACE INTO results ({cols}) VALUES ({','.join('?' * (10 + len(METRICS)))})",
            (
                sweep,
                point_key,
                workload_key,
                point_key,
                workload_key,
                host,
                outcome["status"],
                outcome.get("error"),
                outcome.get("seconds"),
                *vals,
                json.dumps({**m, "breakdown": outcome.get("breakdown") or {}}, sort_keys=True),
            ),
        )
        self.db.commit()

    def rows(self, sweep: str | None = None) -> list[dict[str, Any]]:
        """All rows (optionally of one sweep), ordered deterministically."""
        cur = self.db.execute(
            "SELECT * FROM results" + (" WHERE sweep=?" if sweep else "") + " ORDER BY sweep, point_key, workload_key",
            (sweep,) if sweep else (),
        )
        names = [d[0] for d in cur.description]
        out = []
        for r in cur.fetchall():
            d = dict(zip(names, r))
            d["point"] = json.loads(d.pop("point_json"))
            d["workload"] = json.loads(d.pop("workload_json"))
            out.append(d)
        return out

    def sweeps(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM sweeps ORDER BY name")]
