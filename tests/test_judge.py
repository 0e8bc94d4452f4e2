"""The LLM judge against a scripted local OpenAI-compatible server: repairs, retries, timeouts, permanent errors, cache, concurrency."""
import json, re, socket, threading, time
from collections import Counter

import pytest

from tf3ro.core import ConfigError, DataError
from tf3ro.judge import (PAPER_RUBRIC, TF3_RUBRIC, JudgeCache, JudgeConfig, LocalChatServer, cache_key, judge_config_from_env,
                         judge_texts, summarize_judgements)

TIMEOUT = 0.3            # seconds per request in these tests; the `slow` case sleeps longer


def paper_reply(fluency: int, coherence: int = 70) -> str:
    return json.dumps({"fluency": fluency, "coherence": coherence, "total_mistakes": 1,
                       "mistakes": [{"type": "acord", "original": "vulpea frumos", "correction": "vulpea frumoasă"}]})


class ScriptedJudge:
    "Replies chosen by a `case=NAME` marker in the judged text; counts the requests per text."
    def __init__(self):
        self.calls, self.lock = Counter(), threading.Lock()

    def __call__(self, request):
        text = re.search(r"<(?:text|fable)>\n(.*?)\n</(?:text|fable)>", request["messages"][1]["content"], re.S).group(1)
        case = re.search(r"case=([\w-]+)", text).group(1)
        fluency = int(m.group(1)) if (m := re.search(r"fluency=(\d+)", text)) else 80
        with self.lock:
            self.calls[text] += 1
            n = self.calls[text]
        follow_up = len(request["messages"]) > 2
        if case == "good": return paper_reply(fluency)
        if case == "fenced": return f"Here is my evaluation:\n```json\n{paper_reply(fluency)}\n```\nI hope it helps {{:)}}"
        if case == "fixable": return paper_reply(fluency) if follow_up else '{"fluency": 80, "coherence": 70, "total_mistakes": 1, '
        if case == "garbage": return "I am sorry, I cannot evaluate this text."
        if case == "out-of-range": return paper_reply(150)
        if case == "miscounted": return json.dumps({"fluency": 80, "coherence": 70, "total_mistakes": 3, "mistakes": []})
        if case == "slow": time.sleep(TIMEOUT * 4); return paper_reply(fluency)
        if case == "sleepy": time.sleep(0.1); return paper_reply(fluency)
        if case == "error-500": return paper_reply(fluency) if n > 1 else (500, {}, {"error": {"message": "upstream exploded"}})
        if case == "rate-limit": return paper_reply(fluency) if n > 1 else (429, {"Retry-After": "1"}, {"error": {"message": "slow down"}})
        if case == "unauthorized": return (401, {}, {"error": {"message": "invalid api key"}})
        if case == "tf3":
            keys = ["grammar", "creativity", "coherence", "moral_clarity"] + (["prompt_adherence"] if "prompt_adherence" in request["messages"][1]["content"] else [])
            return json.dumps({k: {"score": 4, "justification": "Bine."} for k in keys})
        raise ValueError(f"unknown case {case}")


@pytest.fixture
def server():
    with LocalChatServer(ScriptedJudge()) as s:
        yield s


def config_for(server, **options):
    settings = dict(api_key="test-key", timeout=TIMEOUT, max_retries=2, backoff=0.01, max_backoff=5.0) | options
    return JudgeConfig(server.base_url, "scripted-judge", **settings)


CASES = {   # case -> (status, attempts, failure, repaired)
    "good": ("ok", 1, None, None),
    "fenced": ("ok", 1, None, "local"),
    "fixable": ("ok", 2, None, "follow-up"),
    "garbage": ("failed", 2, "invalid json", None),
    "out-of-range": ("failed", 2, "schema", None),
    "miscounted": ("failed", 2, "schema", None),
    "slow": ("failed", 3, "timeout", None),             # first try + max_retries=2
    "error-500": ("ok", 2, None, None),
    "rate-limit": ("ok", 2, None, None),
    "unauthorized": ("failed", 1, "HTTP 401", None),    # permanent: no retry
}


def test_every_case_gets_its_status_attempts_and_reason(server):
    texts = [f"O vulpe șireată. case={case} fluency={60 + 2 * i}" for i, case in enumerate(CASES)]
    started = time.monotonic()
    judgements = judge_texts(texts, PAPER_RUBRIC, config_for(server), max_workers=4)
    assert time.monotonic() - started < 10
    for (case, (status, attempts, failure, repaired)), j in zip(CASES.items(), judgements):
        assert (j.status, j.attempts, j.failure, j.repaired) == (status, attempts, failure, repaired), (case, j)
        assert (j.scores == {}) == (status == "failed") and (j.reply is None) == (status == "failed"), case
        if status == "failed": assert j.error, case
    by_case = dict(zip(CASES, judgements))
    assert "150 is above the maximum 100" in by_case["out-of-range"].error
    assert "total_mistakes: 3, but mistakes lists 0 item(s)" in by_case["miscounted"].error
    assert "invalid api key" in by_case["unauthorized"].error and "test-key" not in by_case["unauthorized"].error
    assert "gave up after 3 tries" in by_case["slow"].error
    assert by_case["rate-limit"].latency >= 1.0                 # Retry-After: 1 was honoured (the backoff alone is ~0.01 s)
    assert by_case["error-500"].latency < 1.0
    assert by_case["good"].scores == {"fluency": 60, "coherence": 70, "mistakes": 1}
    assert by_case["good"].served_model == "scripted-judge"


def test_failures_are_excluded_from_the_means_and_counted(server):
    cases = ["good fluency=60", "fenced fluency=90", "fixable fluency=75", "garbage", "unauthorized", "out-of-range"]
    judgements = judge_texts([f"Text case={c}" for c in cases], PAPER_RUBRIC, config_for(server))
    summary = summarize_judgements(judgements)
    assert (summary["n"], summary["n_ok"], summary["n_failed"]) == (6, 3, 3)
    assert summary["failure_reasons"] == {"invalid json": 1, "HTTP 401": 1, "schema": 1}
    assert summary["scores"]["fluency"]["mean"] == 75.0 and summary["scores"]["fluency"]["n"] == 3      # (60 + 90 + 75) / 3
    assert summary["scores"]["fluency"]["sd"] == pytest.approx(15.0)                                    # deviations -15, 15, 0
    assert summary["scores"]["mistakes"] == {"mean": 1.0, "sd": 0.0, "n": 3}
    assert summary["repaired"] == {"local": 1, "follow-up": 1}
    assert summary["requests"] == 1 + 1 + 2 + 2 + 1 + 2


def test_the_request_asks_for_temperature_0_a_seed_and_json(server):
    judge_texts(["case=good"], PAPER_RUBRIC, config_for(server, seed=7))
    request = server.received[0]
    assert (request["model"], request["temperature"], request["seed"]) == ("scripted-judge", 0.0, 7)
    assert request["response_format"] == {"type": "json_object"} and request["authorization"] == "Bearer test-key"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    judge_texts(["case=good"], PAPER_RUBRIC, config_for(server, api_key=None, seed=None, temperature=None, json_mode=False))
    request = server.received[1]
    assert request["authorization"] is None and not {"seed", "temperature", "response_format"} & set(request)


def test_the_cache_prevents_a_second_request_and_retries_only_failures(server, tmp_path):
    texts = [f"Fabula {i}. case=good fluency={70 + i}" for i in range(5)] + ["case=garbage"]
    cache = tmp_path / "judge.jsonl"
    first = judge_texts(texts, PAPER_RUBRIC, config_for(server), cache_path=cache)
    assert server.requests == 5 + 2
    second = judge_texts(texts, PAPER_RUBRIC, config_for(server), cache_path=cache)
    assert server.requests == 5 + 2 + 2                         # only the failure was asked again
    assert [j.cached for j in second] == [True] * 5 + [False] and all(j.attempts == 0 for j in second[:5])
    assert [j.scores for j in second[:5]] == [j.scores for j in first[:5]]
    assert len(cache.read_text().splitlines()) == 5             # failures are never cached
    judge_texts(texts[:5], PAPER_RUBRIC, config_for(server, timeout=9.0, max_retries=0), cache_path=cache)
    assert server.requests == 9                                 # timeout and retries are not part of the key
    judge_texts(texts[:1], PAPER_RUBRIC, config_for(server, seed=1), cache_path=cache)
    assert server.requests == 10                                # the seed is


def test_the_cache_survives_a_kill_mid_write(server, tmp_path):
    cache = tmp_path / "judge.jsonl"
    judge_texts(["case=good fluency=61", "case=good fluency=62"], PAPER_RUBRIC, config_for(server), cache_path=cache)
    with open(cache, "a") as f: f.write('{"key": "abc", "status": "o')          # a torn last line
    judge_texts(["case=good fluency=63"], PAPER_RUBRIC, config_for(server), cache_path=cache)
    reopened = JudgeCache(cache)
    assert len(reopened.entries) == 3 and reopened.skipped == 1
    before = server.requests
    again = judge_texts([f"case=good fluency={f}" for f in (61, 62, 63)], PAPER_RUBRIC, config_for(server), cache_path=cache)
    assert server.requests == before and [j.scores["fluency"] for j in again] == [61, 62, 63]


def test_concurrency_is_bounded_by_max_workers(server, tmp_path):
    texts = [f"case=sleepy fluency={i}" for i in range(12)]
    judgements = judge_texts(texts, PAPER_RUBRIC, config_for(server), cache_path=tmp_path / "c.jsonl", max_workers=3)
    assert all(j.status == "ok" for j in judgements) and [j.scores["fluency"] for j in judgements] == list(range(12))
    assert 2 <= server.max_active <= 3                           # the pool overlapped requests, never more than 3
    assert len((tmp_path / "c.jsonl").read_text().splitlines()) == 12   # every thread's line arrived whole
    assert len(JudgeCache(tmp_path / "c.jsonl").entries) == 12


def test_duplicates_are_judged_once(server):
    judgements = judge_texts(["case=good fluency=70"] * 4, PAPER_RUBRIC, config_for(server))
    assert server.requests == 1 and len(judgements) == 4 and all(j.status == "ok" for j in judgements)


def test_tf3_rubric_asks_for_prompt_adherence_only_with_a_prompt(server):
    texts = ["A fost odată o broască. case=tf3"] * 2
    judgements = judge_texts(texts, TF3_RUBRIC, config_for(server), prompts=["Scrie o fabulă despre o broască.", None])
    with_prompt, without = judgements
    assert with_prompt.scores == {k: 4 for k in ("grammar", "creativity", "coherence", "moral_clarity", "prompt_adherence")}
    assert without.scores == {k: 4 for k in ("grammar", "creativity", "coherence", "moral_clarity")}
    assert sum("Scrie o fabulă despre o broască." in r["messages"][1]["content"] for r in server.received) == 1
    summary = summarize_judgements(judgements)
    assert summary["scores"]["prompt_adherence"]["n"] == 1 and summary["scores"]["grammar"]["n"] == 2


def test_connection_refused_is_retried_then_failed():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                                # nothing listens here once the socket is closed
    config = JudgeConfig(f"http://127.0.0.1:{port}/v1", "m", timeout=TIMEOUT, max_retries=2, backoff=0.01)
    [j] = judge_texts(["case=good"], PAPER_RUBRIC, config)
    assert (j.status, j.failure, j.attempts) == ("failed", "connection", 3)


def test_bad_arguments_fail_clearly(server, monkeypatch):
    config = config_for(server)
    with pytest.raises(DataError, match=r"texts\[1\]: expected a string, got null"):
        judge_texts(["a", None], PAPER_RUBRIC, config)
    with pytest.raises(DataError, match="prompts has 1 entries for 2 texts"):
        judge_texts(["a", "b"], TF3_RUBRIC, config, prompts=["p"])
    with pytest.raises(ConfigError, match="max_workers must be >= 1"):
        judge_texts(["a"], PAPER_RUBRIC, config, max_workers=0)
    with pytest.raises(ConfigError, match="timeout must be > 0"):
        JudgeConfig(server.base_url, "m", timeout=0)
    for var in ("TF3RO_JUDGE_BASE_URL", "TF3RO_JUDGE_MODEL", "TF3RO_JUDGE_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert judge_config_from_env() is None
    monkeypatch.setenv("TF3RO_JUDGE_BASE_URL", server.base_url)
    with pytest.raises(ConfigError, match="no model: set TF3RO_JUDGE_MODEL"):
        judge_config_from_env()
    monkeypatch.setenv("TF3RO_JUDGE_MODEL", "scripted-judge")
    monkeypatch.setenv("OPENAI_API_KEY", "fallback-key")
    assert judge_config_from_env().api_key == "fallback-key"
    assert cache_key(judge_config_from_env(), PAPER_RUBRIC, "x") == cache_key(config, PAPER_RUBRIC, "x")
