"""Evaluation stages on the micro run: every variant measured by every family, reference rows, the paper tables, and the LLM judge against a local endpoint."""
import json

import pytest

from conftest import ROOT, tf3ro
from tf3ro.judge import LocalChatServer


def metrics(run, stage): return json.loads((run / stage / "metrics.json").read_text())


def test_every_variant_is_evaluated(micro_run):
    texts = metrics(micro_run, "eval_texts")
    names = texts["variants"]
    assert {"teacher", "mamba", "teacher gguf-Q8_0", "sft"} <= set(names) and any(n.startswith("student ") for n in names)
    records = [json.loads(l) for l in (micro_run / "eval_texts" / "texts.jsonl").read_text().splitlines()]
    for name in names:                                   # every opening continued once per seed
        assert sum(r["variant"] == name and r["set"] == "openings" for r in records) == len(texts["openings"]) * len(texts["seeds"]), name
    prompted = [r for r in records if r["set"] == "prompted"]   # the generate stage's fables, as many as it kept (≤ the cap)
    assert len(prompted) == texts["texts"]["prompted"] and all(r["protagonist"]["noun"] for r in prompted)
    assert {r["decoder"] for r in texts["timings"].values()} == {"engine", "hf", "llama.cpp"}
    intrinsic = metrics(micro_run, "eval_intrinsic")
    assert {(r["variant"], r["corpus"]) for r in intrinsic["rows"]} == {(n, c) for n in names for c in intrinsic["corpora"]}
    assert all(r["bpb"] > 0 and r["tokens"] > 0 for r in intrinsic["rows"])
    probes = metrics(micro_run, "eval_probes")
    assert set(probes["variants"]) == set(names) and sum(probes["pairs"].values()) > 1000
    for stage in ("eval_grammar", "eval_entities", "eval_diversity"):
        summary = metrics(micro_run, stage)["summary"]
        assert {r["variant"] for r in summary} == set(names) | {"TF2 test"}, stage
        assert all(r["seeds"] == len(texts["seeds"]) for r in summary if r["set"] == "openings"), stage


def test_paper_tables_name_every_variant(micro_run):
    labels = metrics(micro_run, "eval_texts")["labels"].values()
    evaluation = (ROOT / "paper/tables/micro/evaluation.md").read_text()
    probes = (ROOT / "paper/tables/micro/probes.md").read_text()
    for label in labels: assert f"| {label} |" in evaluation and label in probes, label
    assert "LLM judge skipped" in evaluation                       # no endpoint in the test environment: said, not zeros
    texts = metrics(micro_run, "eval_texts")
    assert f"{len(texts['openings'])} openings × {len(texts['seeds'])} seeds per model" in evaluation
    for fig in ("evaluation.png", "probes.png", "prompt_coverage.png"):
        assert (ROOT / "figures/micro" / fig).read_bytes()[:4] == b"\x89PNG"


def verdict(request):
    "A local judge: fluency grows with the text's length; a third of the texts (by length) get an unparseable reply, also when asked again."
    text = request["messages"][-1]["content"]
    if request["messages"][0]["role"] == "system" and len(request["messages"]) > 2: return "still not json"
    if len(text) % 3 == 0: return "I cannot grade this."
    return json.dumps({"fluency": min(100, len(text) // 10), "coherence": 50, "mistakes": [], "total_mistakes": 0})


def test_judge_stage_scores_and_counts_failures(micro_run, tmp_path, monkeypatch):
    run_dir = tmp_path / "judged"
    run_dir.mkdir()
    (run_dir / "eval_texts").symlink_to(micro_run / "eval_texts")
    profile = tmp_path / "judged.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\nstages:\n  eval_judge:\n    texts_per_group: 4\n    cache: {tmp_path / 'cache.jsonl'}\n")
    with LocalChatServer(verdict) as server:
        monkeypatch.setenv("TF3RO_JUDGE_BASE_URL", server.base_url)
        monkeypatch.setenv("TF3RO_JUDGE_MODEL", "local-judge")
        tf3ro("stage", "eval_judge", "--profile", str(profile), "--quiet")
    judged = metrics(run_dir, "eval_judge")
    assert not judged["skipped"] and judged["model"] == "local-judge"
    groups = judged["groups"]
    assert all(g["n_ok"] + g["n_failed"] == min(4, g["texts"]) for g in groups)
    assert sum(g["n_failed"] for g in groups) > 0 and sum(g["n_ok"] for g in groups) > 0
    assert all(g["coherence"] == 50 for g in groups if g["n_ok"])    # failures excluded, never averaged in as 0
