"The generation engine compiled (torch.compile on the CPU) gives the eager engine's completions, and `tf3ro bench generate` runs end to end."
import json

import pytest
import torch
from transformers import AutoModelForCausalLM

from conftest import ROOT, tf3ro
from tf3ro.engine import Engine, Request, SamplingParams

MICRO = ROOT / "tests" / "golden" / "micro_model"


@pytest.fixture(scope="module")
def micro():
    return AutoModelForCausalLM.from_pretrained(MICRO).eval()


def test_compiled_engine_matches_eager(micro):
    "The compiled decode step (inductor's C++ backend here; CUDA graphs on a GPU) traces in one graph and changes no token."
    requests = [Request(i, tuple(p)) for i, p in enumerate([[2, 5, 6], [2, 7], [2, 8, 9, 10, 11, 12], [2, 100, 200], [2, 300, 301]])]
    eager, compiled = Engine(micro, max_batch=2, max_len=64), Engine(micro, max_batch=2, max_len=64, compile=True)
    for params in [SamplingParams(max_new_tokens=40, top_p=0.9, top_k=50, repetition_penalty=1.3, seed=3, stop_ids=(3, 17)),
                   SamplingParams(max_new_tokens=40, temperature=0, stop_ids=(3, 17))]:
        want = {c.key: c.new_ids for c in eager.generate(requests, params, progress=False)}
        got = {c.key: c.new_ids for c in compiled.generate(requests, params, progress=False)}
        assert got == want
        assert compiled.stats["decode_steps"] == eager.stats["decode_steps"] > 40


def test_bench_generate_cli(tmp_path):
    "`tf3ro bench generate` (dispatched by `tf3ro bench`) writes its JSON and a Generation section; `tf3ro bench train` still parses."
    out, docs = tmp_path / "generate.json", tmp_path / "benchmarks.md"
    proc = tf3ro("bench", "generate", "--model", "teacher_micro", "--vocab-size", "300", "--batch-sizes", "1,3", "--max-new-tokens", "5",
                 "--prompt-lengths", "4,8", "--waves", "2", "--threads", "1", "--out", str(out), "--docs", str(docs))
    result = json.loads(out.read_text())
    assert [(r["batch_size"], r["method"]) for r in result["rows"]] == [(b, m) for b in (1, 3) for m in ("hf_dynamic", "hf_static", "ours")]
    assert all(r["new_tokens"] == 2 * r["batch_size"] * 5 and r["requests"] == 2 * r["batch_size"] for r in result["rows"])
    assert result["torch_threads"] == 1 and result["sampling"]["min_new_tokens"] == 5 and result["markdown"] in proc.stdout
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Training benchmarks") and f"## Generation: {result['device_name']}" in text and result["markdown"] in text
    assert tf3ro("bench", "train", "--help").returncode == 0
    assert tf3ro("bench", "generate", "--model", "nope", "--docs", "", check=False).returncode == 2
