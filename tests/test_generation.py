"""Generation: every record carries its metadata, a killed shard job resumes to the very same fables, and the stage's Parquet file loads."""
import hashlib, json, os, signal, subprocess, sys, time
from pathlib import Path

import pandas as pd

from conftest import ROOT, tf3ro
from tf3ro.prompts import PromptSpace, load_slots, sample_index

META = ("sample", "index", "character", "character_noun", "character_gender", "setting", "challenge", "outcome", "moral",
        "prompt", "prompt_hash", "fable", "finish_reason", "prompt_tokens", "new_tokens", "model", "model_sha256", "sampling",
        "seed", "sample_seed", "created", "filters", "kept")


def test_generated_records_carry_their_metadata(micro_run):
    metrics = json.loads((micro_run / "generate" / "metrics.json").read_text())
    frame = pd.read_parquet(micro_run / "generate" / "fables.parquet")
    assert len(frame) == metrics["generated"] == metrics["n_fables"] and set(META) <= set(frame.columns)
    assert frame["sample"].tolist() == list(range(len(frame))) and frame["index"].is_unique
    space = PromptSpace(load_slots())
    for r in frame.itertuples():
        assert r.index == sample_index(r.sample, len(space), r.sample_seed)            # the combination of that sample number
        assert space[r.index].as_record()["setting"] == r.setting and r.setting in r.prompt
        assert r.prompt_hash == hashlib.sha256(r.prompt.encode()).hexdigest()
        assert json.loads(r.sampling)["seed"] == r.seed and r.new_tokens >= 1
    assert metrics["kept"] == frame["kept"].sum() and all(frame["kept"] == frame["filters"].map(len).eq(0))
    assert metrics["failed"] == dict(pd.Series([f for fs in frame["filters"] for f in fs]).value_counts())


def shard_profile(tmp_path, micro_run, name, shard_size=16):
    "A profile generating 16 fables (one shard by default) from the micro run's tuned model into its own run folder."
    run_dir = tmp_path / name
    run_dir.mkdir()
    for stage in ("data", "tokenizers", "pack", "train_teacher", "sft"): (run_dir / stage).symlink_to(micro_run / stage)
    profile = tmp_path / f"{name}.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\nstages:\n  generate:\n    n_fables: 16\n    shard_size: {shard_size}\n"
                       "    batch_size: 2\n    max_new_tokens: 160\n")
    return profile, run_dir / "generate_shards"


def test_killed_shard_job_resumes_to_the_same_fables(micro_run, tmp_path):
    profile, whole = shard_profile(tmp_path, micro_run, "whole")
    tf3ro("generate", "--profile", str(profile), "--shard", "0")
    profile2, killed = shard_profile(tmp_path, micro_run, "killed")
    cmd = [str(Path(sys.executable).parent / "tf3ro"), "generate", "--profile", str(profile2), "--shard", "0"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    partial = killed / "shard_00000.partial.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and (not partial.exists() or partial.read_bytes().count(b"\n") < 3):
        time.sleep(0.02)
    assert proc.poll() is None, "the shard finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = partial.read_bytes().count(b"\n")
    assert 3 <= done_before < 16 and not (killed / "shard_00000.jsonl").exists()
    tf3ro("generate", "--profile", str(profile2), "--shard", "0")
    a = [json.loads(line) for line in (whole / "shard_00000.jsonl").read_text().splitlines()]
    b = [json.loads(line) for line in (killed / "shard_00000.jsonl").read_text().splitlines()]
    assert [r["sample"] for r in b] == list(range(16)) and not partial.exists()          # no fable lost or repeated
    assert [r["fable"] for r in a] == [r["fable"] for r in b]                              # the same fables as without the kill
    assert json.loads((killed / "shard_00000.json").read_text())["resumed_with"] == done_before


def test_torchrun_processes_split_the_shards_and_write_the_same_fables(micro_run, tmp_path):
    alone, alone_dir = shard_profile(tmp_path, micro_run, "alone", shard_size=8)
    tf3ro("generate", "--profile", str(alone))
    spread, spread_dir = shard_profile(tmp_path, micro_run, "spread", shard_size=8)
    torchrun = Path(sys.executable).parent / "torchrun"
    out = subprocess.run([str(torchrun), "--nproc_per_node", "2", str(torchrun.parent / "tf3ro"), "generate", "--profile", str(spread)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    writers = {json.loads((spread_dir / f"shard_{s:05d}.json").read_text())["pid"] for s in (0, 1)}
    assert out.stdout.count("1 shard(s) done") == 2 and len(writers) == 2     # one shard per process
    for s in (0, 1):
        a, b = ((d / f"shard_{s:05d}.jsonl").read_text().splitlines() for d in (alone_dir, spread_dir))
        assert [json.loads(l)["fable"] for l in a] == [json.loads(l)["fable"] for l in b]


def test_bad_shard_number_fails_clearly(micro_run):
    out = tf3ro("generate", "--profile", "micro", "--shard", "99", check=False)
    assert out.returncode != 0 and "shard 99 does not exist" in out.stdout


def test_collect_types_filters_even_when_the_first_shard_keeps_everything(tmp_path):
    from tf3ro.generate import QualityFilters, collect_shards
    def shard(n, finish_reason):
        record = {"sample": n, "fable": "Vulpea s-a întors acasă și a spus: mulțumesc.", "finish_reason": finish_reason,
                  "new_tokens": 12, "sampling": {"seed": 0}}
        (tmp_path / f"shard_{n:05d}.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n")
        (tmp_path / f"shard_{n:05d}.json").write_text(json.dumps({"seconds": 1.0}))
        return tmp_path / f"shard_{n:05d}.jsonl"
    files = [shard(0, "stop"), shard(1, "length")]
    counts = collect_shards(files, tmp_path / "fables.parquet", QualityFilters(min_words=1))
    frame = pd.read_parquet(tmp_path / "fables.parquet")
    assert counts["kept"] == 1 and counts["failed"] == {"unfinished": 1}
    assert [list(f) for f in frame["filters"]] == [[], ["unfinished"]] and frame["kept"].tolist() == [True, False]
