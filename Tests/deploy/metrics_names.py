"""Fails when the dashboard or the alert rules use a metric (or a label of it) that the real
server does not export.

Starts the hkt-serve binary on a free loopback port (with the smallest weights file when there
are any, else --no-model), sends the requests that make labelled series appear (healthz, readyz, a 404, a 415,
an undecodable PNG, a predict), scrapes /metrics and compares. Histograms count as exported through their _bucket,
_sum and _count series only (the bare family name has no samples).

Usage: python3 Tests/deploy/metrics_names.py BIN [WEIGHTS_DIR] [--save FILE]
       python3 Tests/deploy/metrics_names.py --scrape FILE   (compare with a saved /metrics)
Prints "  ok    …" / "  FAIL  …" / "  skip  …" lines; exit status 1 on any FAIL.
"""
import glob
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import promql  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD = os.environ.get("HKT_DASHBOARD", os.path.join(ROOT, "deploy/grafana/hkt-serve.json"))
RULES = os.environ.get("HKT_RULES", os.path.join(ROOT, "deploy/prometheus/alerts.yaml"))
failures = 0


def ok(msg):
    print(f"  ok    {msg}")


def fail(msg):
    global failures
    failures += 1
    print(f"  FAIL  {msg}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def png(width=96, height=96):
    rows = b"".join(b"\x00" + bytes(((x * 5 + y * 3) & 255) for x in range(width) for _ in range(3)) for y in range(height))

    def chunk(tag, body):
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def parse_exposition(text):
    """→ (types {family: type}, samples {sample name: set of label names})."""
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, fam, typ = line.split(None, 3)
            types[fam] = typ.strip()
        elif line and not line.startswith("#"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
            if m:
                labels = set(re.findall(r'([a-zA-Z_]\w*)="', m.group(3) or ""))
                samples.setdefault(m.group(1), set()).update(labels)
    return types, samples


def main():
    argv = sys.argv[1:]
    opts = {}
    for flag in ("--save", "--scrape"):
        if flag in argv:
            i = argv.index(flag)
            opts[flag] = argv[i + 1]
            del argv[i:i + 2]
    if "--scrape" in opts:
        text = open(opts["--scrape"], encoding="utf-8").read()
        types, samples = parse_exposition(text)
        print(f"  info  saved scrape {opts['--scrape']}: {len(types)} families, {len(samples)} sample names")
        return compare(types, samples, have_weights="hkt_model_info" in samples, weights=opts["--scrape"])
    if not argv:
        print(__doc__)
        return 2
    binary = argv[0]
    weights = argv[1] if len(argv) > 1 else os.path.join(ROOT, "weights")
    have_weights = bool(glob.glob(os.path.join(weights, "*.safetensors")))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [binary, "serve", "--host", "127.0.0.1", "--port", str(port)]
    # One model is enough to make every series appear: the smallest starts and predicts fastest.
    smallest = min(glob.glob(os.path.join(weights, "*.safetensors")), key=os.path.getsize) if have_weights else None
    args += ["--weights", smallest] if have_weights else ["--no-model"]
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if server.poll() is not None:
                log.seek(0)
                fail(f"server exited with {server.returncode}: {log.read()[-2000:].decode(errors='replace')}")
                return 1
            try:
                if request(base + "/readyz")[0] == 200 or not have_weights:
                    if request(base + "/healthz")[0] == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            fail("server not ready within 60 s")
            return 1
        print(f"  info  server on :{port} ({'weights ' + smallest if have_weights else '--no-model'})")
        # Requests that make labelled series exist.
        request(base + "/healthz")
        request(base + "/readyz")
        request(base + "/no-such-route")
        request(base + "/v1/predict", data=b"GIF89a\x01\x00\x01\x00", headers={"Content-Type": "image/gif"}, method="POST")
        # A PNG signature with garbage after it: 422, counted in hkt_rejections_total (the 415
        # above is refused before the queue and is not).
        request(base + "/v1/predict", data=b"\x89PNG\r\n\x1a\n" + b"x" * 64, headers={"Content-Type": "image/png"}, method="POST")
        if have_weights:
            status, body = request(base + "/v1/predict", data=png(), headers={"Content-Type": "image/png"}, method="POST")
            if status != 200:
                fail(f"predict → {status}: {body[:200]!r}")
        status, body = request(base + "/metrics")
        if status != 200:
            fail(f"GET /metrics → {status}")
            return 1
        types, samples = parse_exposition(body.decode())
        print(f"  info  scraped {len(types)} families, {len(samples)} sample names")
        if "--save" in opts:
            open(opts["--save"], "wb").write(body)
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
    return compare(types, samples, have_weights, weights)


def compare(types, samples, have_weights, weights):
    # Series that need a loaded model to appear (families).
    # hkt_rejections_total counts requests refused in the pipeline (422, 503 queue full, 504),
    # which a --no-model server never reaches.
    model_only = {"hkt_anomaly_score", "hkt_predictions_total", "hkt_model_info", "hkt_stage_duration_seconds",
                  "hkt_rejections_total"}
    histograms = {f for f, t in types.items() if t == "histogram"}

    def exported(name):
        """(ok, label set or None, why)"""
        if name in promql.SYNTHETIC:
            return True, None, "made by Prometheus"
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in histograms:
                return name in samples, samples.get(name, set()), "histogram series"
        if name in histograms:
            return False, None, f"'{name}' is a histogram: use {name}_bucket/_sum/_count"
        return name in samples, samples.get(name), ""

    used = {}
    recorded = promql.recorded_names(RULES)
    for source, queries in (("dashboard", promql.dashboard_queries(DASHBOARD)), ("rules", promql.rule_queries(RULES))):
        for where, expr in queries:
            # by (…)/without (…) labels must exist on a series the query reads (unless it reads
            # a recording rule, whose labels the rules check above already cover).
            names = [n for n, _ in promql.selectors(expr)]
            have = set(promql.TARGET_LABELS)
            for n in names:
                have |= samples.get(n, set())
            reads_recorded = any(r in expr for r in recorded)
            # (a name that is not exported at all is reported, or skipped, by the name check below)
            if names and not reads_recorded and all(n in samples or n in promql.SYNTHETIC for n in names):
                lost = sorted(set(promql.grouping_labels(expr)) - have)
                if lost:
                    fail(f"{source} {where}: groups by {lost}, which no series it reads carries")
            for name, labels in promql.selectors(expr):
                used.setdefault(name, {"where": set(), "labels": set()})
                used[name]["where"].add(source)
                used[name]["labels"].update(labels)
    if not used:
        fail("no metric names found in the dashboard and rules (extraction broken?)")
    for name in sorted(used):
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        good, labels, why = exported(name)
        where = "+".join(sorted(used[name]["where"]))
        if not good and not have_weights and family in model_only:
            print(f"  skip  {name} ({where}): appears only with a loaded model; no weights in {weights}")
            continue
        if not good:
            fail(f"{name} ({where}) is not exported by the server {('— ' + why) if why else ''}")
            continue
        wanted = used[name]["labels"] - promql.TARGET_LABELS
        missing = sorted(wanted - labels) if labels is not None else []
        if missing:
            fail(f"{name} ({where}) is exported without label(s) {missing}; it has {sorted(labels)}")
        else:
            ok(f"{name} ({where}) exported{' with ' + ','.join(sorted(wanted)) if wanted else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
