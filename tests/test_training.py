"""Training: a killed run resumes to the very same weights; exported models load offline; golden greedy output."""
import json, os, signal, subprocess, sys, time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

from conftest import ROOT, tf3ro

GOLDEN = ROOT / "tests" / "golden"


def micro_profile(tmp_path, micro_run, name):
    "A profile that trains on the micro run's packed data into its own run folder."
    run_dir = tmp_path / name
    run_dir.mkdir()
    for stage in ("data", "tokenizers", "pack"): (run_dir / stage).symlink_to(micro_run / stage)
    profile = tmp_path / f"{name}.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\nstages:\n  train_teacher:\n    max_steps: 150\n"
                       "    batch_size: 4\n    checkpoint_every: 15\n    eval_every: 50\n    eval_blocks: 4\n")
    return profile, run_dir


def test_killed_run_resumes_to_identical_weights(micro_run, tmp_path):
    profile, whole = micro_profile(tmp_path, micro_run, "whole")
    tf3ro("train", "--profile", str(profile))               # uninterrupted, without papermill (as under accelerate launch)
    profile2, killed = micro_profile(tmp_path, micro_run, "killed")
    cmd = [str(Path(sys.executable).parent / "tf3ro"), "stage", "train_teacher", "--profile", str(profile2), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    checkpoints = killed / "checkpoints" / "train_teacher"
    deadline = time.time() + 120
    while not list(checkpoints.glob("step_00000030.pt")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "training ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)                    # kill -9 the stage and its kernel mid-run
    proc.wait()
    assert not (killed / "train_teacher").exists()         # nothing published by the killed run
    tf3ro("stage", "train_teacher", "--profile", str(profile2), "--quiet")   # resumed, through papermill
    metrics = json.loads((killed / "train_teacher" / "metrics.json").read_text())
    assert metrics["resumed_from"] >= 30 and metrics["steps"] == 150
    a = load_file(whole / "train_teacher" / "model" / "model.safetensors")
    b = load_file(killed / "train_teacher" / "model" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)   # tolerance 0
    lines = (killed / "train_teacher" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(l)["step"] for l in lines] == list(range(1, 151))       # no step lost or repeated


@pytest.mark.parametrize("stage", ["train_teacher", "train_mamba"])
def test_exported_model_loads_offline_and_generates(micro_run, stage):
    folder = micro_run / stage / "model"
    model, tok = AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    metrics = json.loads((micro_run / stage / "metrics.json").read_text())
    inputs = tok(metrics["sample_prompt"], return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=40, do_sample=False, pad_token_id=tok.pad_token_id)
    text = tok.decode(out[0], skip_special_tokens=True)
    assert text.startswith(metrics["sample_prompt"]) and len(out[0]) > inputs["input_ids"].shape[1]
    assert text == metrics["sample"]                   # the exported weights are the trained weights


def test_golden_greedy_output():
    "A tiny committed checkpoint: its greedy continuation must not change silently (update: python tests/golden/update.py)."
    golden = json.loads((GOLDEN / "greedy.json").read_text())
    model = AutoModelForCausalLM.from_pretrained(GOLDEN / "micro_model")
    tok = AutoTokenizer.from_pretrained(GOLDEN / "micro_model")
    ids = tok(golden["prompt"], return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=len(golden["new_ids"]), do_sample=False, pad_token_id=tok.pad_token_id)
    new = out[0, ids["input_ids"].shape[1]:].tolist()
    assert new == golden["new_ids"], f"greedy output changed:\n  now:    {tok.decode(new)!r}\n  golden: {golden['text']!r}"
