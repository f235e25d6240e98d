#!/usr/bin/env python3
"""A scripted model API for the e2e suite: Anthropic /v1/messages and OpenAI
/v1/chat/completions on 127.0.0.1 (free port, printed as "PORT <n>" on stdout).

The script (a JSON file, re-read on every call so a test can change it between runs) is
{"responses": [step, ...], "repeat_last": true}; call i gets step i (the last one again once
they run out when repeat_last). A step: {"status": 200, "headers": {"Retry-After": "1"},
"text": "...reply text...", "usage": {...provider usage fields...}, "body": <raw JSON body>
or "malformed", "delay_s": 0}. Without "usage" the server counts its own (bytes/4).
Per model: {"by_model": {"<model>": [step, ...]}, ...}: a request for that model gets the
model's own step i (i = the calls of that model so far), the others use "responses".

GET /_stats -> {"calls": n, "by_path": {...}, "tokens": {"input":..,"output":..,
"cache_read":..,"cache_write":..}, "models": {"<model>": {"calls": n, "tokens": {...}}},
"requests": [{"path", "headers", "body"}]}: what was served, so tests compare the ledger with it
and check where the key went.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {"calls": 0, "by_path": {}, "tokens": {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0},
         "models": {}, "requests": []}


def _zero():
    return {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}


def count(model, kind, n):
    """Adds n tokens of a kind to the run's and the model's totals (LOCK held)."""
    STATS["tokens"][kind] += n
    m = STATS["models"].setdefault(model, {"calls": 0, "tokens": _zero()})
    m["tokens"][kind] += n


def load_script(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def anthropic_body(model, step):
    usage = step.get("usage") or {"input_tokens": 100, "output_tokens": 50}
    with LOCK:
        count(model, "input", int(usage.get("input_tokens", 0)))
        count(model, "output", int(usage.get("output_tokens", 0)))
        count(model, "cache_read", int(usage.get("cache_read_input_tokens", 0)))
        count(model, "cache_write", int(usage.get("cache_creation_input_tokens", 0)))
    return {"id": "msg_test", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": step.get("text", "")}],
            "stop_reason": "end_turn", "usage": usage}


def openai_body(model, step):
    usage = step.get("usage") or {"prompt_tokens": 100, "completion_tokens": 50}
    cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0))
    with LOCK:
        count(model, "input", int(usage.get("prompt_tokens", 0)) - cached)
        count(model, "cache_read", cached)
        count(model, "output", int(usage.get("completion_tokens", 0)))
    return {"id": "chatcmpl-test", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": step.get("text", "")}}],
            "usage": usage}


class Handler(BaseHTTPRequestHandler):
    script_path = ""

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                self._send(200, STATS)
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            req = json.loads(raw)
        except ValueError:
            req = {}
        path = self.path
        if path not in ("/v1/messages", "/v1/chat/completions"):
            self._send(404, {"error": {"type": "not_found_error"}})
            return
        model = req.get("model", "") if isinstance(req, dict) else ""
        with LOCK:
            index = STATS["calls"]
            STATS["calls"] += 1
            m = STATS["models"].setdefault(model, {"calls": 0, "tokens": _zero()})
            model_index = m["calls"]
            m["calls"] += 1
            STATS["by_path"][path] = STATS["by_path"].get(path, 0) + 1
            STATS["requests"].append({"path": path, "headers": dict(self.headers.items()),
                                      "body": raw.decode("utf-8", "replace")})
        script = load_script(self.script_path)
        steps = script.get("responses", [])
        if model in script.get("by_model", {}):
            steps, index = script["by_model"][model], model_index
        if index < len(steps):
            step = steps[index]
        elif steps and script.get("repeat_last", True):
            step = steps[-1]
        else:
            step = {"status": 500, "body": {"error": {"type": "script_exhausted"}}}
        time.sleep(float(step.get("delay_s", 0)))
        status = int(step.get("status", 200))
        if step.get("body") == "malformed":
            self._send(status, b'{"content": [', step.get("headers"))
        elif "body" in step:
            self._send(status, step["body"], step.get("headers"))
        elif status != 200:
            self._send(status, {"error": {"type": "scripted_error", "message": "scripted"}}, step.get("headers"))
        else:
            body = anthropic_body(model, step) if path == "/v1/messages" else openai_body(model, step)
            self._send(200, body, step.get("headers"))


def main():
    Handler.script_path = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
