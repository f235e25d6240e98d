"""aqe usage report / alert over the usage ledger in .aqe/aqe.db."""
import csv
import io
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest


def _iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def seeded_ledger(aqe, project):
    """SEEDED THROUGH sqlite3, NOT THROUGH A MODEL CALL: aqe makes no model calls yet (the
    providers are planned), so the rows a call would record are inserted directly into the
    ledger of a DB that aqe itself created and migrated."""
    p = aqe.run("security-scan", ".")
    assert (project / ".aqe" / "aqe.db").exists(), p.stderr
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = [
        # at, command, provider, model, input, output, cache_write, cache_read, reasoning, cost, hit
        (_iso(now), "generate", "anthropic", "claude-a", 1000, 200, 50, 300, 0, 6.5, 0),
        (_iso(now), "generate", "openai", "gpt-b", 400, 100, 0, 600, 30, 5.25, 0),
        (_iso(now), "generate", "anthropic", "claude-a", 0, 0, 0, 0, 0, 0.0, 1),
        (_iso(now - timedelta(days=40)), "generate", "openai", "gpt-b", 9, 9, 0, 0, 0, 100.0, 0),
    ]
    db = sqlite3.connect(project / ".aqe" / "aqe.db")
    db.executemany(
        "INSERT INTO usage (at, command, provider, model, input_tokens, output_tokens, cache_write_tokens,"
        " cache_read_tokens, reasoning_tokens, cost_usd, cache_hit) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.commit()
    db.close()
    return now


def test_no_ledger_reports_zeros_and_creates_nothing(aqe, project):
    code, doc, _ = aqe.json("usage", "report", "--since", "7d")
    assert code == 0
    d = doc["data"]
    for k in ("since", "total_cost_usd", "calls", "input_tokens", "output_tokens", "cache_hits",
              "by_model", "by_command", "by_day"):
        assert k in d, k
    assert d["calls"] == 0 and d["total_cost_usd"] == 0 and d["by_model"] == {}
    p = aqe.run("usage", "alert", "--daily-limit", "10", "--monthly-limit", "200")
    assert p.returncode == 0, p.stderr
    assert not (project / ".aqe").exists()


def test_report_sums_the_window_by_model_command_and_day(aqe, project, seeded_ledger):
    code, doc, err = aqe.json("usage", "report", "--since", "7d")
    assert code == 0, err
    d = doc["data"]
    assert d["calls"] == 3 and d["cache_hits"] == 1
    assert d["total_cost_usd"] == pytest.approx(11.75)
    assert (d["input_tokens"], d["output_tokens"], d["cache_write_tokens"], d["cache_read_tokens"],
            d["reasoning_tokens"]) == (1400, 300, 50, 900, 30)
    assert d["by_model"]["claude-a"]["calls"] == 2
    assert d["by_model"]["gpt-b"]["cost_usd"] == pytest.approx(5.25)
    assert list(d["by_day"]) == [seeded_ledger.strftime("%Y-%m-%d")]
    assert d["by_command"]["generate"]["calls"] == 3

    # The whole history from a date; the file form the CI guide uses.
    old = (seeded_ledger - timedelta(days=60)).strftime("%Y-%m-%d")
    p = aqe.run("usage", "report", "--since", old, "--output", "costs.json")
    assert p.returncode == 0, p.stderr
    written = json.loads((project / "costs.json").read_text())
    assert written["calls"] == 4 and written["total_cost_usd"] == pytest.approx(111.75)
    assert written["since"] == old + "T00:00:00Z"

    p = aqe.run("usage", "report", "--since", "24h", "--format", "csv")
    assert p.returncode == 0, p.stderr
    table = list(csv.DictReader(io.StringIO(p.stdout)))
    assert sorted(r["model"] for r in table) == ["claude-a", "gpt-b"]
    assert sum(float(r["cost_usd"]) for r in table) == pytest.approx(11.75)


def test_alert_exits_1_and_says_by_how_much(aqe, project, seeded_ledger):
    if datetime.now(timezone.utc).date() != seeded_ledger.date():
        pytest.skip("crossed UTC midnight since seeding: today's rows are yesterday's")
    p = aqe.run("usage", "alert", "--daily-limit", "10", "--monthly-limit", "200")
    assert p.returncode == 1
    assert "exceeded by $1.750000" in p.stdout + p.stderr
    code, doc, _ = aqe.json("usage", "alert", "--daily-limit", "20")
    assert code == 0 and doc["data"]["exceeded"] is False
    # Limits from the usage section of the config; a flag wins over the file.
    (project / "qe-fleet.json").write_text(json.dumps({"usage": {"daily_limit_usd": 11}}))
    code, doc, _ = aqe.json("--config", "qe-fleet.json", "usage", "alert")
    assert code == 1
    [daily] = doc["data"]["limits"]
    assert daily["period"] == "daily" and daily["over_by_usd"] == pytest.approx(0.75)
    code, doc, _ = aqe.json("--config", "qe-fleet.json", "usage", "alert", "--daily-limit", "12")
    assert code == 0


def test_bad_input_is_exit_3_naming_it(aqe):
    p = aqe.run("usage", "report", "--since", "last-week")
    assert p.returncode == 3 and "--since" in p.stderr and "last-week" in p.stderr
    p = aqe.run("usage", "report", "--format", "xml")
    assert p.returncode == 3 and "--format" in p.stderr
    p = aqe.run("usage", "alert")
    assert p.returncode == 3 and "limit" in p.stderr
    p = aqe.run("usage", "alert", "--daily-limit", "-1")
    assert p.returncode == 3 and "--daily-limit" in p.stderr
