"""Compression stages on the micro run: every variant in the table, students resume instead of retraining, bad specs fail clearly."""
import json

from transformers import AutoModelForCausalLM

from conftest import ROOT, tf3ro


def test_compression_table_has_every_variant(micro_run):
    quantize = json.loads((micro_run / "quantize" / "metrics.json").read_text())
    distill = json.loads((micro_run / "distill" / "metrics.json").read_text())
    names = [v["name"] for v in quantize["variants"]]
    table = (ROOT / "paper/tables/micro/compression.md").read_text()
    for name in names + [f"student {r['run']}" for r in distill["runs"]] + ["teacher width-pruned"]:
        assert f"| {name} |" in table, name
    fp32 = next(v for v in quantize["variants"] if v["name"] == "fp32")
    for v in quantize["variants"]:
        assert v["val_blocks"] == fp32["val_blocks"] and v["val_loss"] > 0      # same held-out blocks for every variant
        if v["name"] != "fp32": assert v["bytes"] < fp32["bytes"], v["name"]
    assert (ROOT / "figures/micro/compression.png").read_bytes()[:4] == b"\x89PNG"
    assert (ROOT / "figures/micro/pruning_heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_students_load_and_match_their_shape(micro_run):
    distill = json.loads((micro_run / "distill" / "metrics.json").read_text())
    for r in distill["runs"]:
        model = AutoModelForCausalLM.from_pretrained(micro_run / "distill" / r["run"].replace(":", "_") / "model")
        assert sum(p.numel() for p in model.parameters()) == r["params"]
        assert model.config.tie_word_embeddings and r["val_loss"] < 8
    assert distill["teacher"]["params"] > distill["runs"][0]["params"]


def test_distill_rerun_resumes_every_student(micro_run, tmp_path):
    "A second run finds each student's final checkpoint (same settings, teacher and init) and trains nothing."
    run_dir = tmp_path / "again"
    run_dir.mkdir()
    for stage in ("data", "tokenizers", "pack", "train_teacher", "prune", "checkpoints"):
        (run_dir / stage).symlink_to(micro_run / stage)
    profile = tmp_path / "again.yaml"
    profile.write_text(f"extends: micro\nrun_dir: {run_dir}\n")
    tf3ro("stage", "distill", "--profile", str(profile), "--quiet")
    before = json.loads((micro_run / "distill" / "metrics.json").read_text())["runs"]
    after = json.loads((run_dir / "distill" / "metrics.json").read_text())["runs"]
    assert [r["resumed_from"] for r in after] == [r["steps"] for r in before]
    assert [r["val_loss"] for r in after] == [r["val_loss"] for r in before]


def test_bad_distill_run_spec_fails_clearly(micro_run, tmp_path):
    out = tf3ro("stage", "distill", "--profile", "micro", "--set", "distill.run_dir=" + str(tmp_path),
                "--set", "distill.runs=[scratch:ce, pruned:magic]", check=False)
    assert out.returncode != 0 and "pruned:magic" in out.stdout and "init:objective" in out.stdout
