#!/usr/bin/python3
"""A small S3 server for aqe's tests: objects in memory, SigV4 verified exactly, faults on request.

Every request must carry a SigV4 Authorization header; the signature is recomputed with
botocore's own signer (Debian's python3-botocore) over the headers the client says it signed,
so a signing bug in aqe gets 403 SignatureDoesNotMatch as it would from S3. Supports PUT, GET,
HEAD and DELETE of objects, ListObjectsV2 (max-keys, continuation-token), multipart uploads
(initiate, upload part, complete, abort), If-None-Match: * on PUT and complete, and both
path-style (/<bucket>/<key>) and virtual-host-style (<bucket>.<host>/<key>) addressing.

Control endpoints (unsigned, for the test only):
  POST /__fault__   {"method": "PUT", "path_contains": "", "kind": K, "times": N, ...}
      K: "slowdown" (503 SlowDown), "error500", "stall" (no answer for "seconds"),
         "short_body" (GET: half the body, then close), "wrong_etag" (PUT: a bogus ETag),
         "hold" (no answer until POST /__release__, or "seconds", 60 default, then close),
         "trickle" (GET: the whole Content-Length, then one byte every "interval" s, 0.2 default),
         "error_in_200" (CompleteMultipartUpload: 200 with an Error document)
  GET  /__state__   {"objects": {key: size}, "uploads": [ids], "requests": n, "last_auth": {...},
                     "log": [{"method", "path", "headers": [[name, value], ...]}, ...]}
  POST /__release__ ends every "hold" (the held requests get no answer, as after a stall)
  POST /__reset__   drops faults, objects and uploads; zeroes the request count
  POST /__corrupt__ {"key": k}: flips one byte of the stored object
  GET  /__object__?key=K   the stored object's bytes (404 when absent)
  POST /__object__ {"key": k, "text": t}: stores t (UTF-8) under k, e.g. an edited manifest

Usage: s3_fault_server.py --port-file F --bucket B --access-key A --secret-key S [--region R]
Binds 127.0.0.1 on a free port and writes the port to F (atomically) once listening.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$"
)
# S3 insists on these being signed.
REQUIRED_SIGNED = {"host", "x-amz-date", "x-amz-content-sha256"}


class State:
    def __init__(self, bucket, access_key, secret_key, region):
        self.lock = threading.Lock()
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.objects = {}  # key -> (bytes, etag)
        self.uploads = {}  # upload id -> {"key": k, "parts": {n: (bytes, etag)}}
        self.faults = []
        self.requests = 0
        self.last_auth = {}
        self.log = []  # every S3 request's method, path and headers, in arrival order
        self.released = threading.Event()

    def take_fault(self, method, path):
        with self.lock:
            for f in self.faults:
                if f["times"] > 0 and f.get("method", method) == method and f.get("path_contains", "") in path:
                    f["times"] -= 1
                    return f
        return None


def s3_error(code, message):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main()

    def log_message(self, fmt, *args):  # quiet: the test's output is what matters
        pass

    # -- plumbing -----------------------------------------------------------------------------

    def send(self, status, body=b"", headers=None, content_type="application/xml"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def fail(self, status, code, message):
        self.send(status, s3_error(code, message))

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- SigV4 --------------------------------------------------------------------------------

    def verify(self, body):
        """None when the signature is right, else (status, code, message)."""
        st = self.state
        auth = self.headers.get("Authorization", "")
        m = AUTH_RE.match(auth)
        if not m:
            return 403, "AccessDenied", "missing or malformed Authorization header"
        key_id, date, region, service, signed, signature = m.groups()
        if key_id != st.access_key:
            return 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        names = signed.split(";")
        missing = REQUIRED_SIGNED - set(names)
        if missing:
            return 403, "AccessDenied", "headers not signed: " + ", ".join(sorted(missing))
        amz_date = self.headers.get("x-amz-date", "")
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            return 403, "AccessDenied", "bad x-amz-date"
        if abs((datetime.now(timezone.utc) - when).total_seconds()) > 900:
            return 403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."
        if date != amz_date[:8] or region != st.region or service != "s3":
            return 403, "SignatureDoesNotMatch", "credential scope does not match"
        content_sha = self.headers.get("x-amz-content-sha256", "")
        if content_sha not in ("UNSIGNED-PAYLOAD",) and content_sha != hashlib.sha256(body).hexdigest():
            return 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."

        # botocore's signer over exactly the headers the client signed, with their received values.
        headers = {}
        for name in names:
            values = self.headers.get_all(name)
            if values is None:
                return 403, "SignatureDoesNotMatch", f"signed header {name} is absent"
            headers[name] = ",".join(values)
        url = "http://" + self.headers.get("Host", "") + self.path
        request = AWSRequest(method=self.command, url=url, headers=headers)
        request.context["timestamp"] = amz_date
        signer = S3SigV4Auth(Credentials(st.access_key, st.secret_key, self.headers.get("x-amz-security-token")), "s3", st.region)
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request)
        expected_auth = (
            f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
            f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, Signature={expected}"
        )
        with st.lock:
            st.last_auth = {"received": auth, "botocore": expected_auth, "canonical_request": canonical}
        if not hmac.compare_digest(expected, signature):
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
        return None

    # -- dispatch -----------------------------------------------------------------------------

    def handle_any(self):
        st = self.state
        split = urlsplit(self.path)
        if split.path.startswith("/__"):
            return self.control(split.path)
        body = self.read_body() if self.command in ("PUT", "POST") else b""
        with st.lock:
            st.requests += 1
            st.log.append({"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()]})
        fault = st.take_fault(self.command, self.path)
        if fault and fault["kind"] == "stall":
            time.sleep(float(fault.get("seconds", 30)))
            self.close_connection = True
            return
        if fault and fault["kind"] == "hold":
            st.released.wait(float(fault.get("seconds", 60)))
            self.close_connection = True
            return
        if fault and fault["kind"] == "slowdown":
            return self.fail(503, "SlowDown", "Please reduce your request rate.")
        if fault and fault["kind"] == "error500":
            return self.fail(500, "InternalError", "We encountered an internal error. Please try again.")
        problem = self.verify(body)
        if problem:
            return self.fail(*problem)

        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        if host.startswith(st.bucket + "."):  # virtual-host style: <bucket>.<host>/<key>
            bucket, key = st.bucket, unquote(split.path[1:])
        else:  # path style: /<bucket>/<key>
            parts = split.path.lstrip("/").split("/", 1)
            bucket = unquote(parts[0])
            key = unquote(parts[1]) if len(parts) > 1 else ""
        if bucket != st.bucket:
            return self.fail(404, "NoSuchBucket", "The specified bucket does not exist")
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        if not key:
            if self.command == "GET" and query.get("list-type") == "2":
                return self.list_objects(query)
            return self.fail(400, "InvalidRequest", "unsupported bucket operation")
        if self.command == "POST" and "uploads" in query:
            return self.initiate(key)
        if self.command == "PUT" and "uploadId" in query:
            return self.upload_part(query, body, fault)
        if self.command == "POST" and "uploadId" in query:
            if fault and fault["kind"] == "error_in_200":  # S3 may fail a completion this way
                return self.send(200, s3_error("InternalError", "We encountered an internal error."))
            return self.complete(key, query["uploadId"], body)
        if self.command == "DELETE" and "uploadId" in query:
            with st.lock:
                st.uploads.pop(query["uploadId"], None)
            return self.send(204)
        if self.command == "PUT":
            return self.put_object(key, body, fault)
        if self.command in ("GET", "HEAD"):
            return self.get_object(key, fault)
        if self.command == "DELETE":
            with st.lock:
                st.objects.pop(key, None)
            return self.send(204)
        return self.fail(405, "MethodNotAllowed", "The specified method is not allowed")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    # -- operations ---------------------------------------------------------------------------

    def if_none_match_fails(self, key):
        return self.headers.get("If-None-Match") == "*" and key in self.state.objects

    def put_object(self, key, body, fault):
        st = self.state
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        with st.lock:
            if self.if_none_match_fails(key):
                return self.fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
            st.objects[key] = (body, etag)
        if fault and fault["kind"] == "wrong_etag":
            etag = '"' + "0" * 32 + '"'
        self.send(200, headers={"ETag": etag})

    def get_object(self, key, fault):
        st = self.state
        with st.lock:
            entry = st.objects.get(key)
        if entry is None:
            if self.command == "HEAD":
                return self.send(404)
            return self.fail(404, "NoSuchKey", "The specified key does not exist.")
        data, etag = entry
        if fault and fault["kind"] == "trickle" and self.command == "GET":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.end_headers()
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(float(fault.get("interval", 0.2)))
            except OSError:  # the client gave up
                pass
            self.close_connection = True
            return
        if fault and fault["kind"] == "short_body" and self.command == "GET":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, data, headers={"ETag": etag}, content_type="application/octet-stream")

    def list_objects(self, query):
        st = self.state
        prefix = query.get("prefix", "")
        max_keys = min(int(query.get("max-keys", "1000")), 1000)
        after = ""
        if query.get("continuation-token"):
            after = base64.urlsafe_b64decode(query["continuation-token"].encode()).decode()
        elif query.get("start-after"):
            after = query["start-after"]
        with st.lock:
            keys = sorted(k for k in st.objects if k.startswith(prefix) and k > after)
            page = [(k, len(st.objects[k][0]), st.objects[k][1]) for k in keys[:max_keys]]
        truncated = len(keys) > max_keys
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
               f"<Name>{escape(st.bucket)}</Name><Prefix>{escape(prefix)}</Prefix>",
               f"<KeyCount>{len(page)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
               f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
        if truncated:
            token = base64.urlsafe_b64encode(page[-1][0].encode()).decode()
            out.append(f"<NextContinuationToken>{escape(token)}</NextContinuationToken>")
        for k, size, etag in page:
            out.append(f"<Contents><Key>{escape(k)}</Key><Size>{size}</Size><ETag>{escape(etag)}</ETag>"
                       "<StorageClass>STANDARD</StorageClass></Contents>")
        out.append("</ListBucketResult>")
        self.send(200, "".join(out).encode())

    def initiate(self, key):
        st = self.state
        upload_id = uuid.uuid4().hex
        with st.lock:
            st.uploads[upload_id] = {"key": key, "parts": {}}
        self.send(200, (
            '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult>'
            f"<Bucket>{escape(st.bucket)}</Bucket><Key>{escape(key)}</Key><UploadId>{upload_id}</UploadId>"
            "</InitiateMultipartUploadResult>").encode())

    def upload_part(self, query, body, fault):
        st = self.state
        number = int(query.get("partNumber", "0"))
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        with st.lock:
            upload = st.uploads.get(query["uploadId"])
            if upload is None:
                return self.fail(404, "NoSuchUpload", "The specified upload does not exist.")
            upload["parts"][number] = (body, etag)
        if fault and fault["kind"] == "wrong_etag":
            etag = '"' + "0" * 32 + '"'
        self.send(200, headers={"ETag": etag})

    def complete(self, key, upload_id, body):
        st = self.state
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return self.fail(400, "MalformedXML", "The XML you provided was not well-formed")
        ns = ""
        if root.tag.startswith("{"):
            ns = root.tag[: root.tag.index("}") + 1]
        listed = [(int(p.find(ns + "PartNumber").text), p.find(ns + "ETag").text) for p in root.findall(ns + "Part")]
        with st.lock:
            upload = st.uploads.get(upload_id)
            if upload is None:
                return self.fail(404, "NoSuchUpload", "The specified upload does not exist.")
            data = b""
            digests = b""
            for number, etag in listed:
                part = upload["parts"].get(number)
                if part is None or part[1] != etag:
                    return self.fail(400, "InvalidPart", f"part {number} was not uploaded or its ETag does not match")
                data += part[0]
                digests += bytes.fromhex(part[1].strip('"'))
            if self.if_none_match_fails(key):
                return self.fail(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
            etag = '"' + hashlib.md5(digests).hexdigest() + f'-{len(listed)}"'
            st.objects[key] = (data, etag)
            del st.uploads[upload_id]
        self.send(200, (
            '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult>'
            f"<Bucket>{escape(st.bucket)}</Bucket><Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag>"
            "</CompleteMultipartUploadResult>").encode())

    def control(self, path):
        st = self.state
        if path == "/__fault__" and self.command == "POST":
            fault = json.loads(self.read_body() or b"{}")
            fault.setdefault("times", 1)
            with st.lock:
                st.faults.append(fault)
            return self.send(200, b"{}", content_type="application/json")
        if path == "/__state__":
            with st.lock:
                doc = {"objects": {k: len(v[0]) for k, v in st.objects.items()},
                       "uploads": sorted(st.uploads), "requests": st.requests, "last_auth": st.last_auth,
                       "log": st.log}
            return self.send(200, json.dumps(doc).encode(), content_type="application/json")
        if path == "/__corrupt__" and self.command == "POST":
            # Flips one byte of the named object, as a disk or a bad proxy might.
            key = json.loads(self.read_body() or b"{}")["key"]
            with st.lock:
                data, etag = st.objects[key]
                flipped = bytearray(data)
                flipped[len(flipped) // 2] ^= 0xFF
                st.objects[key] = (bytes(flipped), etag)
            return self.send(200, b"{}", content_type="application/json")
        if path == "/__object__" and self.command == "GET":
            key = dict(parse_qsl(urlsplit(self.path).query)).get("key", "")
            with st.lock:
                entry = st.objects.get(key)
            if entry is None:
                return self.send(404, b"{}", content_type="application/json")
            return self.send(200, entry[0], content_type="application/octet-stream")
        if path == "/__object__" and self.command == "POST":
            doc = json.loads(self.read_body() or b"{}")
            data = doc["text"].encode()
            with st.lock:
                st.objects[doc["key"]] = (data, '"' + hashlib.md5(data).hexdigest() + '"')
            return self.send(200, b"{}", content_type="application/json")
        if path == "/__release__" and self.command == "POST":
            st.released.set()
            return self.send(200, b"{}", content_type="application/json")
        if path == "/__reset__" and self.command == "POST":
            with st.lock:
                st.faults.clear()
                st.objects.clear()
                st.uploads.clear()
                st.requests = 0
                st.last_auth = {}
                st.log = []
                st.released = threading.Event()
            return self.send(200, b"{}", content_type="application/json")
        self.send(404, b"{}", content_type="application/json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    Handler.state = State(args.bucket, args.access_key, args.secret_key, args.region)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
