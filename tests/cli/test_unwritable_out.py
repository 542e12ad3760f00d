"""An output location the file system refuses although permissions pass (root writing under
/proc) is refused before any work with one line, for every command that writes a folder or file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error

pytestmark = pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc as an unwritable folder")


@pytest.mark.parametrize(
    "argv,field",
    [
        (["run", "--layers", "1", "--quiet", "--out", "/proc/llmaccel-x"], "--out"),
        (["trace", "--layers", "1", "--quiet", "--out", "/proc/llmaccel-x.jsonl"], "--out"),
        (["reproduce", "olive", "--quiet", "--out", "/proc/llmaccel-x"], "--out"),
    ],
)
def test_output_under_proc_is_refused_up_front(cli, argv, field):
    r = cli(*argv)
    assert_one_line_error(r, field)
    assert "cannot create" in r.err
