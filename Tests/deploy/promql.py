"""Metric names and label matchers used by the PromQL in deploy/ (dashboard and rules).

Not a PromQL parser: promtool checks syntax (check_dashboard.py feeds it every panel query).
This only finds which series names and which label names a query relies on, so the live test
can compare them with what the server exports.
"""
import json
import re

import yaml

# Names of the service's own series; recording-rule names contain ':' and are skipped.
SERVICE_PREFIXES = ("hkt_", "process_")
# Series that Prometheus itself makes, not the server.
SYNTHETIC = {"up"}
# Labels that Prometheus attaches at scrape time (target labels), not the exporter.
TARGET_LABELS = {"instance", "job", "namespace", "pod", "service", "container", "endpoint"}

_NAME = re.compile(r"(?<![\w:$.])([a-zA-Z_][a-zA-Z0-9_]*)(?![\w:])\s*(\{[^}]*\})?")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def grafana_to_promql(expr: str) -> str:
    """Replaces Grafana's variables with values promtool accepts."""
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?([a-zA-Z_]\w*)\}?", ".*", expr)


def selectors(expr: str):
    """Yields (metric name, [label names in its {…} matcher]) for service metrics in `expr`."""
    expr = grafana_to_promql(expr)
    # Blank out string literals outside selectors' braces would hide names like "route"; keep
    # braces intact but drop quoted values so regexes in them are not read as names.
    for m in _NAME.finditer(expr):
        name, braces = m.group(1), m.group(2) or ""
        if name in SYNTHETIC or name.startswith(SERVICE_PREFIXES):
            labels = _MATCHER.findall(braces)
            yield name, [label for label, _ in labels]


def grouping_labels(expr: str):
    """Label names in by (…) / without (…) clauses."""
    out = []
    for m in _GROUPING.finditer(_STRING.sub('""', grafana_to_promql(expr))):
        out += [x.strip() for x in m.group(1).split(",") if x.strip()]
    return out


def dashboard_queries(path: str):
    """(where, expr) for every panel target and query variable of a Grafana dashboard."""
    dash = json.load(open(path, encoding="utf-8"))
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((f"panel {p.get('id')} '{p.get('title')}' {t.get('refId')}", t["expr"]))
            walk(p.get("panels", []))

    walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            m = re.match(r"label_values\((\w+)\s*,\s*(\w+)\)", q)
            if m:
                out.append((f"variable ${v['name']}", f"{m.group(1)}{{{m.group(2)}=~\".+\"}}"))
    return out


def rule_queries(path: str):
    """(where, expr) for every recording and alerting rule."""
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    out = []
    for g in doc.get("groups", []):
        for r in g.get("rules", []):
            out.append((f"rule {r.get('alert') or r.get('record')}", r["expr"]))
    return out


def recorded_names(path: str):
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    return {r["record"] for g in doc.get("groups", []) for r in g.get("rules", []) if "record" in r}
