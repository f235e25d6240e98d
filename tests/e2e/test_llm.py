"""aqe generate's model engine against the scripted model server (tests/servers/model_server.py)."""
import json
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON
from model_server_fixture import model_server  # noqa: F401 (fixture)

KEY = "sk-test-SECRET-9f8e7d6c5b4a"
SOURCE = "def add(a, b):\n    return a + b\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n    return -1\n"
GOOD = "```python\nfrom calc import add, sign\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_sign():\n    assert sign(5) == 1\n    assert sign(-5) == -1\n```\n"
BAD = "```python\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 4\n```\n"
# USD per million tokens, from docs/llm.md's table.
PRICES = {"claude-haiku-4-5": (1.0, 5.0), "gpt-4o-mini": (0.15, 0.60)}


def make_project(project, server, provider="anthropic", model="claude-haiku-4-5", **llm):
    (project / "src").mkdir(exist_ok=True)
    (project / "src" / "calc.py").write_text(SOURCE)
    (project / "config").mkdir(exist_ok=True)
    cfg = {"provider": provider, "model": model, "base_url": server.base_url, "max_retries": 1, **llm}
    (project / "config" / "qe-fleet.json").write_text(json.dumps({"llm": cfg}))


def env_for(tmp_path, provider="anthropic"):
    return {"ANTHROPIC_API_KEY" if provider == "anthropic" else "OPENAI_API_KEY": KEY,
            "QE_CACHE_DIR": str(tmp_path / "cache")}


def generate(aqe, tmp_path, provider="anthropic", *extra, env=None):
    e = env_for(tmp_path, provider)
    e.update(env or {})
    return aqe.json("generate", "src", "--engine", "llm", "--python", SYSTEM_PYTHON, *extra, env=e)


@pytest.mark.parametrize("provider,model", [("anthropic", "claude-haiku-4-5"), ("openai", "gpt-4o-mini")])
def test_generation_ledger_and_cache(aqe, project, tmp_path, model_server, provider, model):
    usage = ({"input_tokens": 1200, "output_tokens": 300} if provider == "anthropic"
             else {"prompt_tokens": 1500, "completion_tokens": 300, "prompt_tokens_details": {"cached_tokens": 500}})
    model_server.script([{"text": GOOD, "usage": usage}])
    make_project(project, model_server, provider, model)
    code, doc, err = generate(aqe, tmp_path, provider)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    d = doc["data"]
    assert d["engine"] == "llm"
    assert d["llm"]["calls"] == 1 and d["llm"]["tests_kept"] == 2 and d["tests_generated"] == 2
    # One prompt: add's segment came first, its tests covered sign too, so sign was not asked.
    assert d["llm"]["test_files"] == ["tests/generated/test_calc_llm_add.py"]
    assert [a["segment"] for a in d["llm"]["segments_asked"]] == ["add"]
    assert (project / "tests/generated/test_calc_llm_add.py").read_text().count("def test_") == 2
    stats = model_server.stats()
    assert stats["calls"] == 1
    t = stats["tokens"]
    price_in, price_out = PRICES[model]
    cache_read_price = {"claude-haiku-4-5": 0.10, "gpt-4o-mini": 0.075}[model]
    want = (t["input"] * price_in + t["output"] * price_out + t["cache_read"] * cache_read_price) / 1e6
    assert d["cost_usd"] == pytest.approx(want, abs=1e-6)
    assert d["llm"]["by_model"][model]["tokens"]["input"] == t["input"]
    # The ledger: the server's tokens x prices.
    code, rep, _ = aqe.json("usage", "report", "--since", "1d")
    assert code == 0
    assert rep["data"]["calls"] == 1 and rep["data"]["input_tokens"] == t["input"]
    assert rep["data"]["output_tokens"] == t["output"] and rep["data"]["cache_read_tokens"] == t["cache_read"]
    assert rep["data"]["total_cost_usd"] == pytest.approx(want, abs=1e-6)
    # A rerun on unchanged code with the generated files gone: answered by the cache, $0.
    (project / "tests/generated/test_calc_llm_add.py").unlink()
    code, doc, err = generate(aqe, tmp_path, provider)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    assert doc["data"]["llm"]["calls"] == 0 and doc["data"]["llm"]["cache_hits"] == 1
    assert doc["data"]["cost_usd"] == 0 and doc["data"]["llm"]["tests_kept"] == 2
    assert model_server.stats()["calls"] == 1
    code, rep, _ = aqe.json("usage", "report", "--since", "1d")
    assert rep["data"]["calls"] == 2 and rep["data"]["cache_hits"] == 1
    assert rep["data"]["total_cost_usd"] == pytest.approx(want, abs=1e-6)


def test_failing_candidate_is_dropped_and_reprompted_with_its_failure(aqe, project, tmp_path, model_server):
    model_server.script([{"text": BAD}, {"text": "no code here"}, {"text": GOOD}])
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    llm = doc["data"]["llm"]
    assert llm["calls"] == 3 and llm["tests_kept"] == 2
    assert llm["discarded"] == {"fails": 1, "no_test_code": 1}
    reqs = model_server.stats()["requests"]
    assert "It was discarded: its tests failed" in json.loads(reqs[1]["body"])["messages"][0]["content"]
    assert "assert add(1, 2) == 4" in json.loads(reqs[1]["body"])["messages"][0]["content"]


def test_attempts_run_out_and_nothing_is_kept(aqe, project, tmp_path, model_server):
    model_server.script([{"text": BAD}])
    make_project(project, model_server, max_attempts=2)
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 1
    # Two prompts per segment: add's, then sign's (GOOD would have covered both at once).
    assert doc["data"]["llm"]["discarded"] == {"fails": 4} and model_server.stats()["calls"] == 4
    asked = doc["data"]["llm"]["segments_asked"]
    assert [(a["segment"], a["prompts"], a["kept"], a["test_file"]) for a in asked] == [
        ("add", 2, False, None), ("sign", 2, False, None)]
    assert not list((project / "tests/generated").glob("test_calc_llm*.py"))


def test_budget_stops_before_the_call(aqe, project, tmp_path, model_server):
    model_server.script([{"text": GOOD}])
    make_project(project, model_server, max_cost_usd_per_run=0.0001)
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 1
    assert doc["errors"][0]["code"] == "BUDGET_EXCEEDED"
    assert doc["data"]["llm"]["budget_stopped"] is True
    assert doc["data"]["llm"]["budget_worst_case_usd"] > 0.0001
    assert any("bytes/3" in w for w in doc["warnings"])
    assert model_server.stats()["calls"] == 0


def test_429_with_retry_after_then_success(aqe, project, tmp_path, model_server):
    model_server.script([{"status": 429, "headers": {"Retry-After": "1"}}, {"text": GOOD}])
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    assert model_server.stats()["calls"] == 2 and doc["data"]["llm"]["calls"] == 1


def test_exit_4_after_retries_and_the_guides_retry_loop(aqe, project, tmp_path, model_server):
    model_server.script([{"status": 500}, {"status": 500}, {"body": "malformed"}])
    make_project(project, model_server)
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 4 and doc["errors"][0]["code"].startswith("MODEL_HTTP")
    # The CI guide's loop: on exit 4, try again.
    for _ in range(3):
        code, doc, _ = generate(aqe, tmp_path)
        if code != 4:
            break
        model_server.script([{"text": GOOD}])
    assert code == 0 and doc["data"]["llm"]["tests_kept"] == 2


def test_auto_without_key_is_builtin_and_says_so(aqe, project, tmp_path):
    (project / "calc.py").write_text(SOURCE)
    code, doc, _ = aqe.json("generate", "calc.py", "--python", SYSTEM_PYTHON, "--time-budget", "2",
                            env={"QE_CACHE_DIR": str(tmp_path / "cache")})
    assert code == 0
    assert doc["data"]["engine"] == "builtin" and doc["data"]["llm"] is None
    assert "only the built-in engine ran" in doc["data"]["engine_note"]


def test_the_key_never_leaves_the_request_header(aqe, project, tmp_path, model_server):
    model_server.script([{"status": 429, "headers": {"Retry-After": "1"}}, {"text": BAD}, {"text": GOOD}])
    make_project(project, model_server)
    log = tmp_path / "aqe.log"
    code, doc, err = generate(aqe, tmp_path, "anthropic", "--verbose", env={"QE_LOG_FILE": str(log)})
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    p = aqe.run("generate", "src", "--engine", "llm", "--python", SYSTEM_PYTHON, "--verbose",
                env={**env_for(tmp_path), "QE_LOG_FILE": str(log)})
    seen = json.dumps(doc) + err + p.stdout + p.stderr
    assert KEY not in seen
    assert log.exists()
    for root in (project, tmp_path / "cache", log.parent):
        for f in Path(root).rglob("*"):
            if f.is_file() and f.name != "model_script.json":
                assert KEY.encode() not in f.read_bytes(), f
    reqs = model_server.stats()["requests"]
    assert all(r["headers"].get("x-api-key") == KEY for r in reqs)
    assert all(KEY not in r["body"] for r in reqs)


HARD = ("import hashlib\n\n\ndef check(word):\n"
        "    if hashlib.md5(word.encode()).hexdigest() == \"MD5\":\n"
        "        return \"magic\"\n    return \"plain\"\n")
HARD_TEST = "```python\nfrom calc import check\n\n\ndef test_check_magic():\n    assert check(\"zebra\") == \"magic\"\n```\n"


def test_auto_asks_the_model_only_for_what_the_builtin_engine_left_uncovered(aqe, project, tmp_path, model_server):
    import hashlib
    (project / "calc.py").write_text(HARD.replace("MD5", hashlib.md5(b"zebra").hexdigest()))
    (project / "config").mkdir()
    (project / "config" / "qe-fleet.json").write_text(json.dumps(
        {"llm": {"model": "claude-haiku-4-5", "base_url": model_server.base_url}}))
    model_server.script([{"text": HARD_TEST}])
    code, doc, err = aqe.json("generate", "calc.py", "--python", SYSTEM_PYTHON, "--time-budget", "2",
                              env={**env_for(tmp_path), "QE_ROUTING_ENABLED": "true"})
    assert code == 0, (json.dumps(doc["data"].get("llm")), err)
    d = doc["data"]
    assert d["engine"] == "auto" and d["llm"]["modules_asked"] == ["calc.py"]
    assert d["llm"]["tests_kept"] == 1 and d["llm"]["calls"] == 1
    assert sorted(d["test_files"]) == ["tests/generated/test_calc.py", "tests/generated/test_calc_llm_check.py"]
    prompt = json.loads(model_server.stats()["requests"][0]["body"])["messages"][0]["content"]
    assert "These lines are not executed by the existing tests: 6." in prompt
    assert "These branches are never taken by the existing tests" in prompt and ": 5->6." in prompt
    # Routing measured the module in the built-in tests' verification run: simple, cheapest tier.
    [m] = d["llm"]["routing"]["modules"]
    assert m["measured"] is True and m["statements"] == 5 and m["branches"] == 2 and m["imports"] == 1
    assert m["models"] == ["claude-haiku-4-5"]
    assert d["coverage"]["lines_covered"] == d["coverage"]["lines_total"]


def test_overloaded_529_is_retried_and_a_slow_server_times_out_with_exit_4(aqe, project, tmp_path, model_server):
    model_server.script([{"status": 529, "body": {"type": "error", "error": {"type": "overloaded_error"}}},
                         {"text": GOOD}])
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), err)
    (project / "tests/generated/test_calc_llm_add.py").unlink()
    model_server.script([{"text": GOOD, "delay_s": 3}])
    make_project(project, model_server, timeout_s=1, cache=False)
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 4 and doc["errors"][0]["code"] == "MODEL_HTTP_TIMEOUT"


def test_an_unpriced_model_is_unknown_cost_not_free(aqe, project, tmp_path, model_server):
    model_server.script([{"text": GOOD}])
    make_project(project, model_server, "openai", "local-llama", max_cost_usd_per_run=0.5)
    code, doc, _ = generate(aqe, tmp_path, "openai")
    assert code == 1 and doc["errors"][0]["code"] == "BUDGET_EXCEEDED"
    assert any("no known price" in w for w in doc["warnings"]) and model_server.stats()["calls"] == 0
    make_project(project, model_server, "openai", "local-llama", max_cost_usd_per_run=0)
    code, doc, err = generate(aqe, tmp_path, "openai")
    assert code == 0, (json.dumps(doc["data"].get("llm")), err)
    assert doc["data"]["cost_usd"] is None and doc["data"]["llm"]["by_model"]["local-llama"]["cost_usd"] is None
    code, rep, _ = aqe.json("usage", "report", "--since", "1d")
    assert rep["data"]["calls"] == 1 and rep["data"]["unknown_cost_calls"] == 1


def test_llm_prices_price_a_model_the_table_lacks(aqe, project, tmp_path, model_server):
    model_server.script([{"text": GOOD, "usage": {"prompt_tokens": 1000, "completion_tokens": 200,
                                                 "prompt_tokens_details": {"cached_tokens": 400}}}])
    make_project(project, model_server, "openai", "local-llama", max_cost_usd_per_run=0.5,
                 prices={"local-llama": {"input": 2, "output": 4, "cache_read": 0.5}})
    code, doc, err = generate(aqe, tmp_path, "openai")
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    t = model_server.stats()["tokens"]
    want = (t["input"] * 2 + t["cache_read"] * 0.5 + t["output"] * 4) / 1e6
    assert t["cache_read"] == 400 and doc["data"]["cost_usd"] == pytest.approx(want, abs=1e-9)
    code, rep, _ = aqe.json("usage", "report", "--since", "1d")
    assert rep["data"]["unknown_cost_calls"] == 0 and rep["data"]["total_cost_usd"] == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("prices,needle", [
    ({"local-llama": {"input": 2}}, "llm.prices.local-llama"),
    ({"local-llama": {"input": -1, "output": 1}}, "llm.prices.local-llama.input"),
])
def test_bad_llm_prices_exit_3_naming_the_entry(aqe, project, tmp_path, model_server, prices, needle):
    make_project(project, model_server, "openai", "local-llama", prices=prices)
    code, doc, _ = generate(aqe, tmp_path, "openai")
    assert code == 3, doc
    assert needle in json.dumps(doc["errors"]) and model_server.stats()["calls"] == 0


def test_daily_limit_is_checked_before_the_call_with_what_the_ledger_holds(aqe, project, tmp_path, model_server):
    usage = {"input_tokens": 100000, "output_tokens": 20000}  # $0.20 at claude-haiku-4-5's prices
    model_server.script([{"text": GOOD, "usage": usage}])
    make_project(project, model_server, max_cost_usd_per_run=0)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (doc["warnings"], err)
    assert doc["data"]["cost_usd"] == pytest.approx(0.2, abs=1e-9)
    # Today's ledger holds $0.20; one more call's worst case (4096 output tokens: > $0.02)
    # would pass a $0.21 daily limit, so it is not made.
    (project / "tests/generated/test_calc_llm_add.py").unlink()
    model_server.script([{"text": GOOD, "usage": usage}])
    make_project(project, model_server, max_cost_usd_per_run=0, cache=False)
    cfg = json.loads((project / "config" / "qe-fleet.json").read_text())
    cfg["usage"] = {"daily_limit_usd": 0.21}
    (project / "config" / "qe-fleet.json").write_text(json.dumps(cfg))
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 1 and doc["errors"][0]["code"] == "BUDGET_EXCEEDED", doc
    assert "usage.daily_limit_usd" in doc["errors"][0]["message"] and doc["data"]["llm"]["budget_limit"] == "usage.daily_limit_usd"
    assert model_server.stats()["calls"] == 1
    # A monthly limit with room for it lets the call through.
    cfg["usage"] = {"monthly_limit_usd": 5}
    (project / "config" / "qe-fleet.json").write_text(json.dumps(cfg))
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (doc["warnings"], err)
    assert doc["data"]["llm"]["budget_limit"] is None and model_server.stats()["calls"] == 2


# ---- routing (llm.routing / QE_ROUTING_ENABLED) and the sandbox's discard reasons

ROUTE = {"QE_ROUTING_ENABLED": "true"}
# USD per million tokens (input, cache write, cache read, output), docs/llm.md's table.
TIER_PRICES = {"claude-haiku-4-5": (1.0, 1.25, 0.10, 5.0), "claude-sonnet-4-5": (3.0, 3.75, 0.30, 15.0),
               "claude-opus-4-5": (5.0, 6.25, 0.50, 25.0)}


def cost_of(tokens, model):
    i, w, r, o = TIER_PRICES[model]
    return (tokens["input"] * i + tokens["cache_write"] * w + tokens["cache_read"] * r + tokens["output"] * o) / 1e6


def check_per_model_and_saving(doc, stats):
    """data.llm.by_model equals the server's counted tokens x prices per model, and the saving is
    the same tokens at claude-opus-4-5's prices minus that."""
    llm = doc["data"]["llm"]
    actual = 0.0
    top = 0.0
    for model, served in stats["models"].items():
        got = llm["by_model"][model]
        assert got["calls"] == served["calls"]
        assert {k: got["tokens"][k] for k in served["tokens"]} == served["tokens"]
        assert got["cost_usd"] == pytest.approx(cost_of(served["tokens"], model), abs=1e-6)
        actual += cost_of(served["tokens"], model)
        top += cost_of(served["tokens"], "claude-opus-4-5")
    saving = llm["routing"]["saving"]
    assert saving["strongest_tier"] == "claude-opus-4-5" and "recorded tokens" in saving["basis"]
    assert saving["actual_usd"] == pytest.approx(actual, abs=1e-6)
    assert saving["strongest_tier_usd"] == pytest.approx(top, abs=1e-6)
    assert saving["saving_usd"] == pytest.approx(top - actual, abs=1e-6)
    assert doc["data"]["cost_usd"] == pytest.approx(actual, abs=1e-6)


def test_routing_sends_a_simple_module_to_the_cheapest_tier(aqe, project, tmp_path, model_server):
    model_server.script([], by_model={"claude-haiku-4-5": [{"text": GOOD, "usage": {"input_tokens": 1200,
                                                                                 "output_tokens": 300}}]})
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path, env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    routing = doc["data"]["llm"]["routing"]
    assert routing["enabled"] is True and routing["off_by"] is None
    assert routing["tiers"] == ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5"]
    [m] = routing["modules"]
    assert m["module"] == "src/calc.py" and m["simple"] is True and m["models"] == ["claude-haiku-4-5"]
    # --engine llm: no test ran the module, so its measures come from the text (an estimate).
    assert m["statements"] == 6 and m["branches"] == 2 and m["imports"] == 0 and m["measured"] is False
    stats = model_server.stats()
    assert list(stats["models"]) == ["claude-haiku-4-5"] and stats["calls"] == 1
    check_per_model_and_saving(doc, stats)
    assert doc["data"]["llm"]["routing"]["saving"]["saving_usd"] > 0
    # The text output's line, on a rerun answered by the cache ($0 against $0).
    (project / "tests/generated/test_calc_llm_add.py").unlink()
    p = aqe.run("generate", "src", "--engine", "llm", "--python", SYSTEM_PYTHON, env={**env_for(tmp_path), **ROUTE})
    assert p.returncode == 0, p.stderr
    assert ("routing: 1 module on claude-haiku-4-5, 0 escalations; cost $0.000000 vs $0.000000 at "
            "claude-opus-4-5's prices for the same recorded tokens (saving $0.000000)") in p.stdout
    assert model_server.stats()["calls"] == 1


def test_routing_escalates_after_a_failed_candidate(aqe, project, tmp_path, model_server):
    model_server.script([], by_model={
        "claude-haiku-4-5": [{"text": BAD, "usage": {"input_tokens": 1000, "output_tokens": 200}}],
        "claude-sonnet-4-5": [{"text": GOOD, "usage": {"input_tokens": 1500, "output_tokens": 400,
                                                       "cache_read_input_tokens": 300}}]})
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path, env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    llm = doc["data"]["llm"]
    assert llm["discarded"] == {"fails": 1} and llm["tests_kept"] == 2
    [m] = llm["routing"]["modules"]
    assert m["models"] == ["claude-haiku-4-5", "claude-sonnet-4-5"] and m["escalations"] == 1
    assert llm["routing"]["escalations"] == 1
    stats = model_server.stats()
    assert stats["models"]["claude-haiku-4-5"]["calls"] == 1 and stats["models"]["claude-sonnet-4-5"]["calls"] == 1
    # The stronger tier got the failure of the cheap one.
    second = json.loads(stats["requests"][1]["body"])
    assert second["model"] == "claude-sonnet-4-5"
    assert "It was discarded: its tests failed" in second["messages"][0]["content"]
    check_per_model_and_saving(doc, stats)
    assert (project / "tests/generated/test_calc_llm_add.py").read_text().startswith(
        "# Generated by aqe ") and "engine: llm claude-sonnet-4-5" in (
        project / "tests/generated/test_calc_llm_add.py").read_text()


COMPLEX = "def level(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(13)) + "    return -1\n"
COMPLEX_TEST = "```python\nfrom calc import level\n\n\ndef test_level():\n    assert level(0) == 0\n    assert level(99) == -1\n```\n"


def test_routing_starts_a_complex_module_on_the_next_tier(aqe, project, tmp_path, model_server):
    model_server.script([], by_model={"claude-sonnet-4-5": [{"text": COMPLEX_TEST}]})
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(COMPLEX)
    code, doc, err = generate(aqe, tmp_path, env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    [m] = doc["data"]["llm"]["routing"]["modules"]
    assert m["simple"] is False and m["branches"] == 26 and m["models"] == ["claude-sonnet-4-5"]
    stats = model_server.stats()
    assert list(stats["models"]) == ["claude-sonnet-4-5"]
    check_per_model_and_saving(doc, stats)


def test_an_explicit_model_turns_routing_off(aqe, project, tmp_path, model_server):
    model_server.script([], by_model={"claude-sonnet-4-5": [{"text": BAD}, {"text": GOOD}]})
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path, "anthropic", "--model", "claude-sonnet-4-5", env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    routing = doc["data"]["llm"]["routing"]
    assert routing["enabled"] is False and routing["off_by"] == "--model"
    assert routing["modules"] == [] and routing["saving"] is None
    stats = model_server.stats()
    # No escalation: the failed candidate is re-prompted on the model named.
    assert list(stats["models"]) == ["claude-sonnet-4-5"] and stats["models"]["claude-sonnet-4-5"]["calls"] == 2
    (project / "tests/generated/test_calc_llm_add.py").unlink()
    p = aqe.run("generate", "src", "--engine", "llm", "--python", SYSTEM_PYTHON, "--model", "claude-sonnet-4-5",
                env={**env_for(tmp_path), **ROUTE})
    assert p.returncode == 0, p.stderr
    assert "routing: off (--model names the model)" in p.stdout


def test_routing_saving_is_unknown_when_the_strongest_tier_has_no_price(aqe, project, tmp_path, model_server):
    model_server.script([], by_model={"local-small": [{"text": GOOD, "usage": {"prompt_tokens": 1000,
                                                                            "completion_tokens": 100}}]})
    make_project(project, model_server, "openai", "local-small", max_cost_usd_per_run=0,
                 tiers=["local-small", "local-big"], prices={"local-small": {"input": 2, "output": 4}})
    code, doc, err = generate(aqe, tmp_path, "openai", env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    routing = doc["data"]["llm"]["routing"]
    assert routing["tiers"] == ["local-small", "local-big"] and routing["modules"][0]["models"] == ["local-small"]
    saving = routing["saving"]
    assert saving["actual_usd"] == pytest.approx((1000 * 2 + 100 * 4) / 1e6, abs=1e-9)
    assert saving["strongest_tier"] == "local-big"
    assert saving["strongest_tier_usd"] is None and saving["saving_usd"] is None


NET_TEST = ("```python\nimport socket\nfrom calc import add\n\n\ndef test_add_online():\n"
            "    s = socket.socket()\n    try:\n        s.connect((\"127.0.0.1\", 9))\n    except OSError:\n"
            "        pass\n    finally:\n        s.close()\n    assert add(1, 2) == 3\n```\n")
WRITE_TEST = ("```python\nimport pathlib\nfrom calc import add\n\n\ndef test_add_writes():\n"
              "    p = pathlib.Path(__file__).resolve().parent / \"escaped.txt\"\n    try:\n"
              "        p.write_text(\"x\")\n    except OSError:\n        pass\n    assert add(1, 2) == 3\n```\n")


def test_tests_the_sandbox_refused_are_discarded_with_their_reason(aqe, project, tmp_path, model_server):
    # Both swallow the sandbox's PermissionError and pass: the refusal itself discards them.
    model_server.script([{"text": NET_TEST}, {"text": WRITE_TEST}, {"text": GOOD}])
    make_project(project, model_server)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    llm = doc["data"]["llm"]
    assert llm["discarded"] == {"touches_network": 1, "writes_outside_tmp": 1} and llm["tests_kept"] == 2
    assert not (project / "tests/generated/escaped.txt").exists()
    reqs = model_server.stats()["requests"]
    assert "the sandbox refused it: test_add_online uses the network" in json.loads(reqs[1]["body"])["messages"][0]["content"]
    assert "the sandbox refused it: test_add_writes writes outside its temp dir" in json.loads(reqs[2]["body"])["messages"][0]["content"]


# ---- one prompt per segment (function, method, module-level code), CoverUp's approach

TWO = ("import math\n\n\ndef double(x):\n    return x * 2\n\n\n"
       "def half(x):\n    if x % 2:\n        raise ValueError(x)\n    return math.floor(x / 2)\n")
DOUBLE_TEST = "```python\nfrom calc import double\n\n\ndef test_double():\n    assert double(3) == 6\n```\n"
HALF_BAD = "```python\nfrom calc import half\n\n\ndef test_half():\n    assert half(4) == 3\n```\n"
HALF_TEST = ("```python\nimport pytest\nfrom calc import half\n\n\ndef test_half():\n    assert half(4) == 2\n"
             "    with pytest.raises(ValueError):\n        half(3)\n```\n")


def prompt_of(request):
    return json.loads(request["body"])["messages"][0]["content"]


def test_each_function_gets_its_own_prompt_and_its_own_reprompt(aqe, project, tmp_path, model_server):
    model_server.script([{"text": DOUBLE_TEST}, {"text": HALF_BAD}, {"text": HALF_TEST}])
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(TWO)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    llm = doc["data"]["llm"]
    assert llm["calls"] == 3 and llm["discarded"] == {"fails": 1} and llm["tests_kept"] == 2
    assert llm["modules_asked"] == ["src/calc.py"]
    assert llm["test_files"] == ["tests/generated/test_calc_llm_double.py", "tests/generated/test_calc_llm_half.py"]
    asked = llm["segments_asked"]
    assert [(a["segment"], a["kind"], a["lines"], a["prompts"], a["kept"]) for a in asked] == [
        ("double", "function", "4-5", 1, True), ("half", "function", "8-11", 2, True)]
    # double's prompt: the module not measured yet (--engine llm), every line of it listed.
    assert asked[0]["missing_lines"] == [4, 5] and asked[0]["missing_branches"] == []
    # half's, after double's tests were kept: measured, its body and both branches.
    assert asked[1]["missing_lines"] == [9, 10, 11] and asked[1]["missing_branches"] == ["9->10", "9->11"]
    assert asked[1]["test_file"] == "tests/generated/test_calc_llm_half.py"
    first, second, third = (prompt_of(r) for r in model_server.stats()["requests"])
    # Each prompt holds its own function's source and lines only; the other one by its signature.
    assert "The function `double`, lines 4-5 of the file" in first
    assert ">    5      return x * 2" in first and "x % 2" not in first and "def half(x): ..." in first
    assert "import math" in first and "These lines are not executed by the existing tests: 4-5." in first
    assert "The function `half`, lines 8-11 of the file" in second
    assert "return x * 2" not in second and "def double(x): ..." in second
    assert "     8  def half(x):" in second and ">   10          raise ValueError(x)" in second
    assert "These lines are not executed by the existing tests: 9-11." in second
    assert ": 9->10, 9->11." in second
    assert "Tests that exist already (do not repeat them): test_double" in second
    # The re-prompt is half's, with its failure; double's kept test stays.
    assert "The function `half`" in third and "It was discarded: its tests failed" in third
    assert "assert half(4) == 3" in third and "return x * 2" not in third
    gen = project / "tests/generated"
    double_file = (gen / "test_calc_llm_double.py").read_text()
    assert double_file.startswith("# Generated by aqe ") and "for the function `double` (lines 4-5)" in double_file
    assert "def test_double" in double_file and "test_half" not in double_file
    assert "def test_half" in (gen / "test_calc_llm_half.py").read_text()
    assert doc["data"]["coverage"]["lines_covered"] == doc["data"]["coverage"]["lines_total"]
    # Unchanged code, files in place: up to date, nothing asked.
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (doc["warnings"], err)
    assert doc["data"]["llm"]["calls"] == 0 and doc["data"]["llm"]["cache_hits"] == 0
    assert doc["data"]["llm"]["segments_asked"] == [] and len(doc["data"]["llm"]["test_files"]) == 2
    # Files gone: the same three prompts, all answered by the cache.
    for f in gen.glob("test_calc_llm_*.py"):
        f.unlink()
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (doc["warnings"], err)
    assert doc["data"]["llm"]["calls"] == 0 and doc["data"]["llm"]["cache_hits"] == 3
    assert doc["data"]["llm"]["tests_kept"] == 2 and model_server.stats()["calls"] == 3
    for f in gen.glob("test_calc_llm_*.py"):
        f.unlink()
    p = aqe.run("generate", "src", "--engine", "llm", "--python", SYSTEM_PYTHON, env=env_for(tmp_path))
    assert p.returncode == 0, p.stderr
    assert "model: 2 segments of 1 module asked, 0 calls, 3 cache hits, 2 tests kept, 1 candidates discarded" in p.stdout
    # The source changes: both files are stale (aqe's own) and removed before asking again;
    # module-level code is a segment of its own, asked last.
    model_server.script([{"text": "no code here"}])
    make_project(project, model_server, max_attempts=1)
    (project / "src" / "calc.py").write_text(TWO + "\n\nLIMIT = 3\n")
    code, doc, _ = generate(aqe, tmp_path)
    assert code == 1 and not list(gen.glob("test_calc_llm_*.py"))
    assert [(a["segment"], a["kind"], a["lines"]) for a in doc["data"]["llm"]["segments_asked"]] == [
        ("double", "function", "4-5"), ("half", "function", "8-11"), ("", "module", "14")]


def test_a_segment_file_without_the_header_is_left_alone_and_not_asked(aqe, project, tmp_path, model_server):
    model_server.script([{"text": DOUBLE_TEST}])
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(TWO)
    gen = project / "tests/generated"
    gen.mkdir(parents=True)
    mine = "from calc import half\n\n\ndef test_mine():\n    assert half(2) == 1\n"
    (gen / "test_calc_llm_half.py").write_text(mine)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    assert [a["segment"] for a in doc["data"]["llm"]["segments_asked"]] == ["double"]
    assert model_server.stats()["calls"] == 1 and (gen / "test_calc_llm_half.py").read_text() == mine


METHODS = ("class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, x):\n"
           "        self.items.append(x)\n\n    def pop(self):\n        if not self.items:\n"
           "            raise IndexError('empty')\n        return self.items.pop()\n")
STACK_TEST = ("```python\nimport pytest\nfrom calc import Stack\n\n\ndef test_stack():\n    s = Stack()\n"
              "    s.push(1)\n    assert s.pop() == 1\n    with pytest.raises(IndexError):\n        s.pop()\n```\n")


def test_routing_per_segment_starts_each_segment_on_the_modules_tier(aqe, project, tmp_path, model_server):
    # double fails on haiku and is kept from sonnet; half starts on haiku again.
    model_server.script([], by_model={"claude-haiku-4-5": [{"text": BAD}, {"text": HALF_TEST}],
                                      "claude-sonnet-4-5": [{"text": DOUBLE_TEST}]})
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(TWO)
    code, doc, err = generate(aqe, tmp_path, env=ROUTE)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    [m] = doc["data"]["llm"]["routing"]["modules"]
    # An escalation is within a segment: half starting on haiku again is none.
    assert m["models"] == ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"] and m["escalations"] == 1
    assert m["segments"] == [
        {"segment": "double", "first_line": 4, "models": ["claude-haiku-4-5", "claude-sonnet-4-5"]},
        {"segment": "half", "first_line": 8, "models": ["claude-haiku-4-5"]}]
    assert [a["models"] for a in doc["data"]["llm"]["segments_asked"]] == [
        ["claude-haiku-4-5", "claude-sonnet-4-5"], ["claude-haiku-4-5"]]
    check_per_model_and_saving(doc, model_server.stats())


def test_a_small_class_is_one_segment(aqe, project, tmp_path, model_server):
    model_server.script([{"text": STACK_TEST}])
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(METHODS)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    [a] = doc["data"]["llm"]["segments_asked"]
    assert (a["segment"], a["kind"], a["lines"], a["kept"]) == ("Stack", "class", "1-11", True)
    assert "The class `Stack`, lines 1-11" in prompt_of(model_server.stats()["requests"][0])
    assert doc["data"]["llm"]["test_files"] == ["tests/generated/test_calc_llm_Stack.py"]


def test_a_large_class_is_asked_about_method_by_method(aqe, project, tmp_path, model_server):
    big = METHODS.replace("class Stack:\n", "class Stack:\n" + "".join(f"    A{i} = {i}\n" for i in range(30)))
    model_server.script([{"text": STACK_TEST}])
    make_project(project, model_server)
    (project / "src" / "calc.py").write_text(big)
    code, doc, err = generate(aqe, tmp_path)
    assert code == 0, (json.dumps(doc["data"].get("llm")), doc["warnings"], err)
    # The first method's segment; its test covered the others and the class body too.
    [a] = doc["data"]["llm"]["segments_asked"]
    assert (a["segment"], a["kind"], a["lines"], a["kept"]) == ("Stack.__init__", "method", "32-33", True)
    prompt = prompt_of(model_server.stats()["requests"][0])
    assert "The method `Stack.__init__`, lines 32-33" in prompt and "self.items.pop()" not in prompt
    assert "class Stack:\n    def push(self, x): ...\n    def pop(self): ...\n" in prompt
    assert doc["data"]["llm"]["test_files"] == ["tests/generated/test_calc_llm_Stack___init__.py"]
