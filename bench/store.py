#!/usr/bin/python3
"""Artifact storage throughput: aqe's S3 backend against curl moving the same bytes through s3rver.

    /usr/bin/python3 bench/store.py [path/to/aqe_store_bench] [--mb 200] [--runs 5] [--part-mib 8]
                                    [--baseline path/to/other/aqe_store_bench]

Starts s3rver (build/deps/npm, from scripts/install-deps.sh) on 127.0.0.1 with a free port and a
temp directory, writes a file of random bytes, then per run: curl PUT and GET of it (SigV4 by
curl, UNSIGNED-PAYLOAD like aqe), curl doing the same multipart upload as aqe (initiate, every
part, complete), and aqe_store_bench put/get (one PUT; multipart at the default 64 MiB threshold)
and store/fetch as an artifact (compression none, sha256 checked on fetch). Prints a Markdown
table: median wall time, MB/s, the client's CPU time (user+sys), its peak RSS (the client
process alone), and aqe's throughput as a share of curl's plain PUT/GET and of curl doing the
same requests (multipart rows: curl's multipart). With --baseline, a driver built from other code (e.g. before a change) does its get,
store and fetch in the same runs, each right after the tool's own (which goes first alternates
from run to run), as the rows marked "before:".
"""
import argparse
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def measure(cmd, env=None):
    """(wall seconds, peak RSS in kB, CPU seconds user+sys) of cmd; fails loudly when it fails.
    CPU time moves much less than wall time with the machine's load."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            peak = max(peak, vm_hwm_kb(proc.pid))
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return wall, peak, usage.ru_utime + usage.ru_stime


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc):
    for _ in range(300):
        if proc.poll() is not None:
            sys.exit("s3rver exited at start")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit("s3rver not ready in 15 s")


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", nargs="?", default=os.path.join(REPO, "build/release/aqe_store_bench"))
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--part-mib", type=int, default=8, help="curl's multipart part size: aqe's default")
    ap.add_argument("--baseline", help="another aqe_store_bench whose get/store/fetch run in the same runs")
    args = ap.parse_args()
    s3rver = os.path.join(REPO, "build/deps/npm/node_modules/s3rver/bin/s3rver.js")
    if not os.path.exists(s3rver):
        sys.exit("s3rver missing: run bash scripts/install-deps.sh")
    node = shutil.which("node") or "/usr/bin/node"
    work = tempfile.mkdtemp(prefix="aqe-bench-store-")
    port = free_port()
    server = subprocess.Popen([node, "--openssl-legacy-provider", s3rver, "-a", "127.0.0.1", "-p", str(port),
                               "-d", os.path.join(work, "s3rver"), "--silent", "--configure-bucket", "bench"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, server)
        endpoint = f"http://127.0.0.1:{port}"
        src = os.path.join(work, "payload.bin")
        with open(src, "wb") as f:
            for _ in range(args.mb):
                f.write(os.urandom(1 << 20))
        size_mb = os.path.getsize(src) / 1e6
        want = sha256_of(src)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER")
        curl = ["curl", "-sS", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3", "-u", "S3RVER:S3RVER"]
        out = os.path.join(work, "out.bin")

        def drop(path):
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.unlink(path)

        def check(path):
            got = sha256_of(path)
            if got != want:
                sys.exit(f"{path}: wrong bytes")
            drop(path)

        rows = {}
        order = []

        def record(name, direction, result):
            if name not in rows:
                rows[name] = (direction, [])
                order.append(name)
            rows[name][1].append(result)

        # curl doing the multipart upload aqe does, for a like-with-like row: the same part size
        # (pre-split, untimed), every part over one connection, then the completion.
        part_bytes = args.part_mib << 20
        part_files = []
        with open(src, "rb") as f:
            while chunk := f.read(part_bytes):
                part_files.append(os.path.join(work, f"part-{len(part_files) + 1}"))
                with open(part_files[-1], "wb") as out_part:
                    out_part.write(chunk)
        headers_file = os.path.join(work, "part-headers")
        complete_file = os.path.join(work, "complete.xml")

        def curl_multipart(key):
            url = f"{endpoint}/bench/{key}"
            start = time.monotonic()
            init = subprocess.run(curl + ["-X", "POST", "-H", f"x-amz-content-sha256: {EMPTY_SHA256}", url + "?uploads="],
                                  capture_output=True, text=True, check=True)
            upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", init.stdout).group(1)
            cmd = curl + ["-o", "/dev/null", "-D", headers_file, "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
            for n, part in enumerate(part_files, 1):
                cmd += ["-T", part, f"{url}?partNumber={n}&uploadId={upload_id}"]
            _, peak, cpu = measure(cmd)
            with open(headers_file) as h:
                etags = re.findall(r"(?im)^etag:\s*(\S+)", h.read())
            if len(etags) != len(part_files):
                sys.exit(f"curl multipart: {len(etags)} ETags for {len(part_files)} parts")
            body = "<CompleteMultipartUpload>" + "".join(
                f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1)
            ) + "</CompleteMultipartUpload>"
            with open(complete_file, "w") as c:
                c.write(body)
            subprocess.run(curl + ["-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/xml",
                                   "-H", "x-amz-content-sha256: " + hashlib.sha256(body.encode()).hexdigest(),
                                   "--data-binary", "@" + complete_file, f"{url}?uploadId={upload_id}"],
                           check=True, stdout=subprocess.DEVNULL)
            os.unlink(headers_file)
            return time.monotonic() - start, peak, cpu  # CPU: the parts' curl (initiate/complete are tiny)

        single = str(1 << 40)  # a threshold no file reaches: one PUT
        load_before = os.getloadavg()
        dest = os.path.join(work, "fetched")

        def aqe_get(tool, label):
            record(label + "aqe get", "get", measure([tool, "get", endpoint, "bench", "one.bin", out], env))
            check(out)

        def aqe_store_fetch(tool, label, key):
            record(label + "aqe store_artifact (none, multipart)", "put multipart",
                   measure([tool, "store", endpoint, "bench", key, src], env))
            record(label + "aqe fetch_artifact (sha256 checked)", "get",
                   measure([tool, "fetch", endpoint, "bench", key, dest], env))
            check(os.path.join(dest, "payload.bin"))
            drop(dest)

        def both(run, step):
            pair = [lambda: step(args.tool, "")]
            if args.baseline:
                pair.append(lambda: step(args.baseline, "before: "))
                if run % 2:
                    pair.reverse()
            for go in pair:
                go()

        for run in range(args.runs):
            record("curl PUT", "put", measure(curl + ["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-T", src,
                                                      f"{endpoint}/bench/curl.bin"]))
            record("curl GET", "get", measure(curl + ["-H", f"x-amz-content-sha256: {EMPTY_SHA256}", "-o", out,
                                                      f"{endpoint}/bench/curl.bin"]))
            check(out)
            record("aqe put (one PUT)", "put", measure([args.tool, "put", endpoint, "bench", "one.bin", src, single], env))
            both(run, aqe_get)
            record(f"curl PUT (multipart, {args.part_mib} MiB parts, one connection)", "put multipart",
                   curl_multipart("curl-multi.bin"))
            record("aqe put (multipart, default parts)", "put multipart",
                   measure([args.tool, "put", endpoint, "bench", "multi.bin", src], env))
            record("aqe get (of the multipart object)", "get",
                   measure([args.tool, "get", endpoint, "bench", "multi.bin", out], env))
            check(out)
            both(run, lambda tool, label: aqe_store_fetch(tool, label, "build-0" if label else "build-1"))

        load_after = os.getloadavg()
        base = {}
        for name in order:
            direction, results = rows[name]
            if name.startswith("curl"):
                base[direction] = statistics.median(r[0] for r in results)
        base.setdefault("put multipart", base["put"])
        print(f"{size_mb:.0f} MB of random bytes, {args.runs} runs interleaved (each run: every row once, in this"
              f" order), median wall; peak RSS = the client process alone; load average"
              f" {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs")
        print()
        print("| client | median wall | min–max | MB/s | median CPU (user+sys) | peak RSS | vs curl's plain PUT/GET |"
              " vs curl, same requests |")
        print("|---|---|---|---|---|---|---|---|")
        for name in order:
            direction, results = rows[name]
            walls = [r[0] for r in results]
            wall = statistics.median(walls)
            peak = max(r[1] for r in results) / 1024
            plain = base["get" if direction == "get" else "put"]
            cpu = statistics.median(r[2] for r in results)
            print(f"| {name} | {wall:.2f} s | {min(walls):.2f}–{max(walls):.2f} s | {size_mb / wall:.0f} |"
                  f" {cpu:.2f} s | {peak:.1f} MB | {plain / wall:.0%} | {base[direction] / wall:.0%} |")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
