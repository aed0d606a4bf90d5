"""An unusable data dir (a file where the folder should be) is one line in every command."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.integration
@pytest.mark.parametrize(
    "command", [["usage"], ["serve", "--emulator"], ["demo", "--days", "2", "--employees", "2"]]
)
def test_a_file_in_place_of_the_data_dir_gives_one_line(tmp_path, command):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    env = {**os.environ, "ATTENDANCE_DATA_DIR": str(blocker / "inner")}
    result = subprocess.run(
        [sys.executable, "-m", "pipelines", *command], capture_output=True, text=True, env=env
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "set ATTENDANCE_DATA_DIR to a writable folder" in lines[0]
