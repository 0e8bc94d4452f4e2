"""The micro DAG end to end through Snakemake + papermill, and what its outputs must satisfy."""
import hashlib, json, shutil

import numpy as np
import pandas as pd
import pytest
from transformers import AutoTokenizer

from conftest import ROOT, tf3ro
from tf3ro.pack import PackedBlocks
from tf3ro.pipeline import STAGES


def test_every_stage_completed_with_manifest(micro_run):
    for stage in STAGES:
        manifest = json.loads((micro_run / stage / "manifest.json").read_text())
        assert manifest["stage"] == stage and manifest["wall_seconds"] > 0
        assert manifest["git"]["sha"] and manifest["packages"]["tokenizers"] and manifest["hardware"]["cores"] >= 1
        assert (micro_run / stage / "metrics.json").is_file()
        assert (micro_run / "notebooks" / f"{stage}.ipynb").is_file()          # executed notebooks are kept
    assert not list(micro_run.glob(".*.partial"))


def test_splits_are_by_source_story(micro_run):
    splits = {s: pd.read_parquet(micro_run / "data" / f"{s}.parquet") for s in ("train", "val", "test")}
    groups = [set(t["group"]) for t in splits.values()]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])
    texts = pd.concat(splits.values())["text"]
    assert texts.is_unique and all(len(t.split()) >= 50 for t in texts)
    assert not texts.str.contains("[şţŞŢ]").any() and texts.str.contains("\n\n").mean() > 0.9   # comma-below, paragraphs kept
    metrics = json.loads((micro_run / "data" / "metrics.json").read_text())
    assert metrics["records_kept"] == len(texts) == metrics["records_read"] - sum(metrics["dropped"].values())


def test_tokenizers_load_offline_and_round_trip(micro_run):
    text = pd.read_parquet(micro_run / "data" / "test.parquet")["text"].iloc[0] + "\n\nUn caracter nevăzut: 🦊 狐."
    for kind in ("bpe", "unigram"):
        tok = AutoTokenizer.from_pretrained(micro_run / "tokenizers" / kind)
        assert [tok.pad_token_id, tok.unk_token_id, tok.bos_token_id, tok.eos_token_id] == [0, 1, 2, 3]
        ids = tok(text)["input_ids"]
        assert ids[0] == 2 and 1 not in ids
        assert tok.decode(ids, skip_special_tokens=True) == text


def test_tokenizers_are_byte_identical_across_runs(micro_run, tmp_path):
    "Train again in a fresh process, from the same train split: same bytes."
    run_dir = tmp_path / "again"
    shutil.copytree(micro_run / "data", run_dir / "data")
    profile = tmp_path / "again.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\n")
    tf3ro("stage", "tokenizers", "--profile", str(profile), "--quiet")
    for kind in ("bpe", "unigram"):
        a, b = (d / "tokenizers" / kind / "tokenizer.json" for d in (micro_run, run_dir))
        assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest(), kind


def test_packed_blocks(micro_run):
    meta = json.loads((micro_run / "pack" / "meta.json").read_text())
    for split, counts in meta["splits"].items():
        blocks = PackedBlocks(micro_run / "pack", split)
        assert len(blocks) == counts["blocks"] == counts["tokens"] // meta["block_size"]
        assert counts["dropped_tokens"] == counts["tokens"] % meta["block_size"] < meta["block_size"]
        stream = np.asarray(blocks.tokens)
        assert (stream == 2).sum() == (stream == 3).sum() == counts["docs"]            # <bos> … <eos> per document
        assert (stream[blocks.doc_offsets[:-1]] == 2).all() and (stream[blocks.doc_offsets[1:] - 1] == 3).all()


def test_paper_outputs(micro_run):
    table = (ROOT / "paper/tables/micro/tokenizers.md").read_text()
    assert "| BPE |" in table and "| Unigram |" in table and "304.89" in table
    assert (ROOT / "paper/tables/micro/tokenizers.tex").read_text().count(r"\\") >= 3
    for fig in ("tokens_per_fable.png", "text_lengths.png"):
        assert (ROOT / "figures/micro" / fig).read_bytes()[:4] == b"\x89PNG"
    assert "## Table 1: tokenizers" in (ROOT / "paper/results_micro.md").read_text()


def test_rerun_is_a_noop_and_parameter_changes_rerun_dependents(micro_run):
    quiet = tf3ro("run", "--profile", "micro", "--dry-run").stdout
    assert "Nothing to be done" in quiet, quiet[-2000:]
    changed = tf3ro("run", "--profile", "micro", "--dry-run", "--set", "pack.block_size=64").stdout
    jobs = changed[changed.find("Job stats"):].split("\n\n")[0]
    assert "pack" in jobs and "summary" in jobs and "tokenizers" not in jobs and "data " not in jobs, jobs
