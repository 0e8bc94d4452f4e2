"The training benchmark runs on CPU and reports consistently (a smoke test: no timing thresholds here)."
import json, re

import pytest

from tf3ro import bench
from tf3ro.bench import bench_markdown, bench_train, update_benchmarks_page


@pytest.fixture(scope="module")
def micro(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "train.json"
    return bench_train(model="teacher_micro", vocab_size=300, seq_len=64, batch_size=2, steps=2, warmup=1, out=out), out


def test_bench_train_cpu_smoke(micro):
    result, out = micro
    for side in ("authors", "ours"):
        r = result[side]
        assert "error" not in r and r["timed_steps"] == 2 and len(r["seconds"]) == 3
        assert r["tok_per_s_median"] > 0 and r["tok_per_s_mean"] > 0
        assert r["mfu"] is None and r["peak_memory_bytes"] is None          # CPU: no peak FLOP/s, no GPU memory
    assert result["speedup"] == pytest.approx(result["ours"]["tok_per_s_median"] / result["authors"]["tok_per_s_median"])
    # same initial weights and the same first batch (fp32 on CPU): the same step-1 loss
    assert result["authors"]["losses"][0] == pytest.approx(result["ours"]["losses"][0], abs=1e-4)
    assert result["authors"]["settings"]["activation_checkpointing"] is True
    assert result["authors"]["settings"]["optim"] == "adamw_torch" and result["authors"]["settings"]["bf16"] is False
    saved = json.loads(out.read_text())
    assert saved["speedup"] == result["speedup"] and saved["packages"]["transformers"] and saved["hardware"]["cores"]
    md = bench_markdown(result)
    assert md == result["markdown"]
    rows = [l for l in md.splitlines() if l.startswith("| authors: HF `Trainer`") or l.startswith("| ours: `tf3ro.train`")]
    assert len(rows) == 2 and rows[0].endswith("| 1.00× |") and rows[1].endswith(f"| {result['speedup']:.2f}× |")


def test_benchmarks_page_has_one_section_per_device(micro, tmp_path):
    result, _ = micro
    page = tmp_path / "benchmarks.md"
    update_benchmarks_page(result, page)
    update_benchmarks_page({**result, "device_name": "NVIDIA H100 80GB HBM3"}, page)
    update_benchmarks_page({**result, "date": "2099-01-01T00:00:00+00:00"}, page)    # re-run on the first device
    text = page.read_text(encoding="utf-8")
    assert re.findall(r"(?m)^## .*", text) == [f"## {result['device_name']}", "## NVIDIA H100 80GB HBM3"]
    assert text.startswith("# Training benchmarks") and "Measured 2099-01-01" in text
    assert "transformers 5." in text and text.count("| ours: `tf3ro.train`") == 2


def test_main_writes_json_and_docs(micro, tmp_path, monkeypatch, capsys):
    result, _ = micro
    calls = []
    def fake_bench_train(*args, out=None, **kwargs):
        calls.append((args, kwargs)); bench.write_json(out, result); return result
    monkeypatch.setattr(bench, "bench_train", fake_bench_train)
    out, docs = tmp_path / "train.json", tmp_path / "benchmarks.md"
    argv = ["train", "--model", "teacher_micro", "--vocab-size", "300", "--seq-len", "64", "--batch-size", "2",
            "--steps", "2", "--warmup", "1", "--out", str(out), "--docs", str(docs)]
    assert bench.main(argv) == 0
    assert calls == [(("teacher_micro", 300, 64, 2, 2, 1, None), {})]
    assert json.loads(out.read_text())["speedup"] == result["speedup"]
    assert result["markdown"] in capsys.readouterr().out and result["markdown"] in docs.read_text(encoding="utf-8")


def test_main_reports_bad_model():
    assert bench.main(["train", "--model", "no_such_model"]) == 2
