"""Static checks of the Grafana dashboard (no Grafana here): structure Grafana needs to import
it, the panels issue 9 asks for, and every PromQL query's syntax through promtool.

Usage: python3 Tests/deploy/check_dashboard.py [DASHBOARD.json]
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import promql  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "deploy/grafana/hkt-serve.json")
failures = 0


def check(cond, msg):
    global failures
    print(f"  {'ok   ' if cond else 'FAIL '} {msg}")
    failures += 0 if cond else 1


try:
    dash = json.load(open(path, encoding="utf-8"))
except ValueError as e:
    check(False, f"{path} is JSON: {e}")
    sys.exit(1)
check(True, "dashboard is valid JSON")
check(all(k in dash for k in ("title", "uid", "panels", "schemaVersion", "templating")),
      "has title, uid, panels, schemaVersion, templating")
check(isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] >= 36, "schemaVersion ≥ 36 (Grafana 9+)")

panels = []


def walk(ps):
    for p in ps:
        panels.append(p)
        walk(p.get("panels", []))


walk(dash.get("panels", []))
ids = [p.get("id") for p in panels]
check(len(ids) == len(set(ids)) and None not in ids, f"{len(ids)} panels, unique ids")
KNOWN = {"row", "timeseries", "stat", "table", "heatmap", "gauge", "bargauge", "text", "histogram"}
check(all(p.get("type") in KNOWN for p in panels), "known panel types")

# Layout: inside the 24-column grid, no two panels overlapping.
cells, overlap, outside = {}, [], []
for p in panels:
    g = p.get("gridPos", {})
    x, y, w, h = g.get("x", -1), g.get("y", -1), g.get("w", 0), g.get("h", 0)
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 24:
        outside.append(p.get("id"))
    for cx in range(max(x, 0), x + w):
        for cy in range(max(y, 0), y + h):
            if (cx, cy) in cells:
                overlap.append((cells[(cx, cy)], p.get("id")))
            cells[(cx, cy)] = p.get("id")
check(not outside, f"every gridPos inside the 24-column grid {outside or ''}")
check(not overlap, f"no overlapping panels {sorted(set(overlap))[:5] or ''}")

# Variables and data sources: every query goes to the ${datasource} variable.
names = [v.get("name") for v in dash["templating"].get("list", [])]
check({"datasource", "instance", "model"} <= set(names), "variables datasource, instance, model")
bad_ds = [p.get("id") for p in panels if p.get("type") != "row"
          and (p.get("datasource", {}).get("uid") != "${datasource}"
               or any(t.get("datasource", {}).get("uid") != "${datasource}" for t in p.get("targets", [])))]
check(not bad_ds, f"every panel and target uses the ${{datasource}} variable {bad_ds or ''}")
bad_ref = [p.get("id") for p in panels if len({t.get("refId") for t in p.get("targets", [])}) != len(p.get("targets", []))]
check(not bad_ref, "refIds unique within each panel")
empty = [p.get("id") for p in panels if p.get("type") != "row" and not p.get("targets")]
check(not empty, f"every non-row panel has a query {empty or ''}")

# Issue 9's list of what the dashboard shows.
exprs = " ".join(t.get("expr", "") for p in panels for t in p.get("targets", []))
for what, needle in [("request rate", "rate(hkt_http_requests_total"),
                     ("latency percentiles", "histogram_quantile(0.99, sum by (le) (rate(hkt_http_request_duration_seconds_bucket"),
                     ("per-stage latency", "hkt_stage_duration_seconds_bucket"),
                     ("queue depth", "hkt_queue_depth"), ("rejections", "hkt_rejections_total"),
                     ("score distribution", "hkt_anomaly_score_bucket"), ("RSS", "process_resident_memory_bytes")]:
    check(needle in exprs, f"shows {what}")
check(any(p.get("type") == "heatmap" and "hkt_anomaly_score_bucket" in json.dumps(p.get("targets")) and
          all(t.get("format") == "heatmap" for t in p["targets"]) for p in panels),
      "score distribution is a heatmap of buckets (format heatmap)")

# Every query parses: wrap them as recording rules and let promtool check them.
queries = promql.dashboard_queries(path)
rules = {"groups": [{"name": "dashboard", "rules": [
    {"record": f"dashboard:q{i}", "expr": promql.grafana_to_promql(e)} for i, (_, e) in enumerate(queries)]}]}
with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
    json.dump(rules, f)
r = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
os.unlink(f.name)
check(r.returncode == 0, f"all {len(queries)} PromQL queries parse (promtool){'' if r.returncode == 0 else ': ' + (r.stdout + r.stderr)[-800:]}")
sys.exit(1 if failures else 0)
