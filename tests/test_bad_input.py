"""Bad input through the real CLI: one clear error naming the file/line/field, and nothing half-written."""
import json

import pytest

from conftest import tf3ro


def run_data_stage(tmp_path, source, extra=""):
    run_dir = tmp_path / "run"
    profile = tmp_path / "bad.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\nstages:\n  data:\n    source: {source}\n{extra}")
    proc = tf3ro("stage", "data", "--profile", str(profile), "--quiet", check=False)
    return proc, run_dir


def fable(i):
    return json.dumps({"fable": f"story {i}", "translated_fable": f"A fost odată o vulpe numărul {i}. " * 20})


@pytest.mark.parametrize("name,content,message", [
    ("broken.jsonl", fable(1) + "\n{\"translated_fable\": \"x\",}\n", "broken.jsonl line 2: invalid JSON"),
    ("nocolumn.jsonl", fable(1) + "\n" + json.dumps({"fable": "s", "text": "t"}) + "\n", "line 2: no field 'translated_fable'"),
    ("latin1.jsonl", None, "latin1.jsonl line 1: not UTF-8"),
    ("short.jsonl", json.dumps({"translated_fable": "Prea scurt."}) + "\n", "no text left after cleaning"),
])
def test_bad_source_fails_clearly_and_leaves_nothing(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None: path.write_bytes('{"translated_fable": "pâine"}\n'.encode("latin-1"))
    else: path.write_text(content)
    proc, run_dir = run_data_stage(tmp_path, path)
    assert proc.returncode != 0 and message in proc.stdout, proc.stdout[-3000:]
    assert not (run_dir / "data").exists() and not list(run_dir.glob(".data*"))     # no partial output


def test_missing_source(tmp_path):
    proc, _ = run_data_stage(tmp_path, tmp_path / "nowhere.jsonl")
    assert proc.returncode != 0 and "nowhere.jsonl: no such file or folder" in proc.stdout


def test_unknown_profile_and_parameter(tmp_path):
    proc = tf3ro("stage", "data", "--profile", "smaple", check=False)
    assert proc.returncode == 2 and "unknown profile 'smaple'" in proc.stdout
    proc = tf3ro("stage", "data", "--profile", "micro", "--set", "min_wrds=3", check=False)
    assert proc.returncode == 2 and "stage 'data' has no parameter 'min_wrds'" in proc.stdout
    proc = tf3ro("run", "--profile", "micro", "--set", "tokenizers.vocab_size=big", "--dry-run", check=False)
    assert proc.returncode == 2 and "tokenizers.vocab_size: expected int, got 'big'" in proc.stdout
