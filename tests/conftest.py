"""Shared fixtures: the project root, a CLI runner, and one micro pipeline run for the whole session."""
import os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


def tf3ro(*args, check=True):
    "Run the tf3ro CLI from the project root; return the completed process (stdout+stderr in .stdout)."
    proc = subprocess.run([str(Path(sys.executable).parent / "tf3ro"), *args], cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if check and proc.returncode:
        raise AssertionError(f"tf3ro {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-4000:]}")
    return proc


@pytest.fixture(scope="session")
def micro_run():
    "Run the micro DAG once (Snakemake + papermill) and return its run folder."
    tf3ro("run", "--profile", "micro", "--cores", "2")
    return ROOT / "runs" / "micro"
