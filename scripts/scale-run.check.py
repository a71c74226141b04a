"""The scale run's verdict and figures (run by scripts/scale-run.sh, inside the
service harness, with what it did in the environment).

Checks the report the execution wrote to S3 (moto): every table compared, the
three injected differences found by key, nothing else. Prints wall time, rows
compared, rows/s, the children (Map items) and the largest state payload, and
writes them to .local/reports/<execution>.scale.json. Exit 0 when the report
is exactly what the injected differences call for, 1 otherwise.

Children and the largest state payload: the runner's own figures when its
--output has them (output.stats.childExecutions, output.stats.largestStatePayloadBytes;
`stats` beside `output` is accepted too). Otherwise they are computed here from
the recording proxy's log: children = validate-tables `table` invocations
answered 200 (and the Map iterations in the events file); the payload = the
state an inline Map leaves behind ({config, validation: {plan, results}} as
compact JSON), rebuilt from the exact documents the functions returned.
"""

import json
import os
import sys

import boto3

ENV = os.environ
RUN_DIR, REPORTS_DIR, EXECUTION = ENV["RUN_DIR"], ENV["REPORTS_DIR"], ENV["EXECUTION"]
TABLES, BIG_ROWS = int(ENV["SCALE_TABLES"]), int(ENV["SCALE_BIG_ROWS"])
SCHEMAS = "billing,sales,inventory,hr,crm,audit,ops,legacy".split(",")
KINDS = ["ref", "log", "map", "item", "hist"]
# What scale-run.sh injected on the target: table -> (key, kind, changed columns).
INJECTED = {
    ENV["BIG"]: ([ENV["BIG_KEY"]], "changed", ["amount"]),
    ENV["DEL_TABLE"]: ([ENV["DEL_KEY"]], "missing", None),
    ENV["EXTRA_TABLE"]: ([ENV["EXTRA_KEY"]], "extra", None),
}


def expected_tables():
    """Every table scale-run.sql creates, with its row count on the source."""
    tables = {ENV["BIG"]: BIG_ROWS}
    for i in range(TABLES):
        tables[f"{SCHEMAS[i % len(SCHEMAS)]}.{KINDS[i % 5]}_{i:04d}"] = 10 + (i * 7919) % 191
    return tables


def read_jsonl(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def fetch_report():
    s3 = boto3.client("s3", endpoint_url=ENV["AWS_ENDPOINT_URL"])
    key = f"reports/{EXECUTION}.json"
    try:
        body = s3.get_object(Bucket="dmsflow-scale-reports", Key=key)["Body"].read()
    except Exception as e:  # the execution may have broken before its report
        return None, f"no s3://dmsflow-scale-reports/{key}: {e}"
    path = os.path.join(REPORTS_DIR, f"{EXECUTION}.json")
    with open(path, "wb") as f:
        f.write(body)
    return json.loads(body), path


def check_report(report):
    """Problems with the report, as sentences (empty: exactly as expected)."""
    problems = []
    want = expected_tables()
    got = {t["table"]: t for t in report.get("tables", [])}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing:
        problems.append(f"{len(missing)} tables not in the report, e.g. {missing[:5]}")
    if extra:
        problems.append(f"{len(extra)} unexpected tables in the report, e.g. {extra[:5]}")
    if report.get("verdict") != "different":
        problems.append(f"verdict {report.get('verdict')!r}, expected 'different'")
    for name, t in sorted(got.items()):
        if name in want and t.get("source_rows") != want[name]:
            problems.append(f"{name}: {t.get('source_rows')} source rows compared, expected {want[name]}")
        if name not in INJECTED:
            if t.get("status") != "identical" or t.get("differences", {}).get("count"):
                problems.append(f"{name}: {t.get('status')} ({t.get('error') or t.get('differences')}), expected identical")
            continue
        key, kind, columns = INJECTED[name]
        sample = t.get("differences", {}).get("sample", [])
        found = [(d.get("key"), d.get("kind"), sorted(c["column"] for c in d.get("columns") or [])) for d in sample]
        if t.get("status") != "different" or t["differences"].get("count") != 1 or len(found) != 1:
            problems.append(f"{name}: {t.get('status')}, {t.get('differences', {}).get('count')} differences {found}; expected exactly one")
        elif found[0][0] != key or found[0][1] != kind or (columns is not None and found[0][2] != columns):
            problems.append(f"{name}: found {found[0]}, expected key {key} {kind} {columns or ''}")
    return problems


def runner_stats(execution):
    """The runner's own figures, when it reports them (see the module doc)."""
    for holder in (execution.get("output") or {}, execution):
        stats = holder.get("stats") if isinstance(holder, dict) else None
        if isinstance(stats, dict):
            return stats.get("childExecutions"), stats.get("largestStatePayloadBytes")
    return None, None


def rebuilt_state(invocations):
    """Children, the largest function answer and the inline Map's output state, from the proxy's log."""
    plans = [r["response"] for r in invocations if r.get("action") == "plan" and "response" in r]
    results = [r["response"] for r in invocations if r.get("action") == "table" and "response" in r]
    largest_answer = max((r["response_bytes"] for r in invocations), default=0)
    config = {"mode": "validate", "validation_concurrency": int(ENV["SCALE_CONCURRENCY"]), "tables": None, "sequences": "fail"}
    state = {"config": config, "validation": {"plan": plans[-1] if plans else None, "results": results}}
    return len(results), largest_answer, len(json.dumps(state, separators=(",", ":")).encode())


def item_figures(invocations):
    """Time per work item: at the proxy (what Lambda bills), inside the function, on its tables."""
    items = [r for r in invocations if r.get("action") == "table" and "response" in r]
    if not items:
        return None

    def quantiles(values):
        v = sorted(values)
        return {"median": round(v[len(v) // 2], 3), "p90": round(v[int(len(v) * 0.9)], 3), "max": round(v[-1], 3), "sum": round(sum(v), 1)}

    def tables_of(response):
        # A full result lists its tables; a Distributed Map child answers an
        # item summary (one table or chunk, its full result in S3).
        if "tables" in response:
            return response["tables"]
        return [{"table": response.get("table"), "seconds": response.get("seconds", 0), "chunk": response.get("chunk")}]

    big = [r for r in items if any(t["table"] == ENV["BIG"] for t in tables_of(r["response"]))]
    return {
        "invocation_seconds": quantiles([r["seconds"] for r in items]),
        "function_seconds": quantiles([r["response"]["seconds"] for r in items]),
        "table_seconds": quantiles([sum(t["seconds"] for t in tables_of(r["response"])) for r in items]),
        "big_table_items": [{"rows": r["response"]["rows_compared"], "seconds": r["seconds"],
                             "chunk": tables_of(r["response"])[0].get("chunk")} for r in big],
    }


def peak_connections():
    """The most client connections seen on (source, target) during the execution."""
    try:
        with open(os.path.join(RUN_DIR, "connections.txt")) as f:
            pairs = [tuple(int(x) for x in line.split()) for line in f if len(line.split()) == 2]
    except (FileNotFoundError, ValueError):
        return None
    return [max((p[0] for p in pairs), default=0), max((p[1] for p in pairs), default=0)]


def map_mode():
    """ProcessorConfig.Mode of the validation Map in the definition the runner ran."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(root, "statemachine", "dmsflow.asl.json")) as f:
            state = json.load(f)["States"]["Validate tables"]
        return state.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode", "INLINE")
    except (OSError, ValueError, KeyError):
        return "unknown"


def map_seconds(events):
    entered = [e["t"] for e in events if e.get("state") == "Validate tables" and e["type"] == "StateEntered" and "index" not in e]
    exited = [e["t"] for e in events if e.get("state") == "Validate tables" and e["type"] in ("StateExited", "StateFailed") and "index" not in e]
    return (max(exited) - min(entered)) / 1000 if entered and exited else None


def main():
    try:
        with open(os.path.join(RUN_DIR, "execution.json")) as f:
            execution = json.load(f)
    except (FileNotFoundError, ValueError):
        execution = {}
    report, where = fetch_report()
    problems = [where] if report is None else check_report(report)
    invocations = read_jsonl(os.path.join(RUN_DIR, "invocations.jsonl"))
    events = read_jsonl(os.path.join(RUN_DIR, "events.jsonl"))
    children_proxy, largest_answer, state_bytes = rebuilt_state(invocations)
    map_iterations = len({e["index"] for e in events if e.get("state") == "Validate one table" and "index" in e})
    children_runner, payload_runner = runner_stats(execution)
    rows = (report or {}).get("rows_compared") or 0
    run_s, map_s = float(ENV["RUN_SECONDS"]), map_seconds(events)
    figures = {
        "execution": EXECUTION,
        "status": execution.get("status"),
        "tables": TABLES + 1,
        "big_rows": BIG_ROWS,
        "load_seconds": float(ENV["LOAD_SECONDS"]),
        "execution_seconds": run_s,
        "validation_map_seconds": map_s,
        "total_seconds": float(ENV["TOTAL_SECONDS"]),
        "rows_compared": rows,
        "rows_per_second_execution": round(rows / run_s) if run_s else None,
        "rows_per_second_map": round(rows / map_s) if map_s else None,
        "children": children_runner if children_runner is not None else children_proxy,
        "children_source": "runner" if children_runner is not None else "recording proxy (validate-tables table invocations)",
        "map_iterations_in_events": map_iterations,
        "largest_state_payload_bytes": payload_runner if payload_runner is not None else state_bytes,
        "largest_state_payload_source": "runner" if payload_runner is not None else (
            "rebuilt inline-Map output state {config, validation:{plan, results}}" if map_mode() == "INLINE"
            else f"what an inline Map would hold (the Map is {map_mode()}; the runner reported no figure)"),
        "largest_function_answer_bytes": largest_answer,
        "validate_invocations": sum(1 for r in invocations if r["fn"] == "validate-tables"),
        "items": item_figures(invocations),
        "peak_client_connections": peak_connections(),
        "load_average_at_end": ENV.get("LOADAVG"),
        "cli": read_jsonl(os.path.join(RUN_DIR, "cli.jsonl")),
        "problems": problems,
    }
    out = os.path.join(REPORTS_DIR, f"{EXECUTION}.scale.json")
    with open(out, "w") as f:
        json.dump(figures, f, indent=2)
    print_figures(figures, where, out)
    return 0 if not problems else 1


def print_figures(f, report_path, out):
    kib = lambda b: f"{b:,} bytes ({b / 1024:.0f} KiB{', over the 256 KiB Step Functions limit' if b > 262144 else ''})"
    print(f"execution {f['execution']}: {f['status']} (expected FAILED: the target differs)")
    print(f"tables            {f['tables']:,} ({TABLES:,} small + {ENV['BIG']}, {BIG_ROWS:,} rows)")
    print(f"load              {f['load_seconds']:.1f} s (both sides in parallel)")
    print(f"execution wall    {f['execution_seconds']:.1f} s (validation Map {f['validation_map_seconds'] or 0:.1f} s); {f['total_seconds']:.1f} s in all")
    print(f"rows compared     {f['rows_compared']:,}")
    print(f"rows/s            {f['rows_per_second_execution'] or 0:,} over the execution, {f['rows_per_second_map'] or 0:,} over the Map")
    print(f"children          {f['children']:,} ({f['children_source']}; {f['map_iterations_in_events']:,} Map iterations in the events)")
    print(f"largest payload   {kib(f['largest_state_payload_bytes'])} — {f['largest_state_payload_source']}")
    print(f"largest answer    {kib(f['largest_function_answer_bytes'])} (one function result)")
    if f["items"]:
        i = f["items"]
        print(f"per item          invocation {i['invocation_seconds']}, inside the function {i['function_seconds']['median']} s median, "
              f"on its table {i['table_seconds']['median']} s median; big table: {i['big_table_items']}")
    print(f"connections       peak {f['peak_client_connections']} client connections (source, target), Map concurrency {ENV['SCALE_CONCURRENCY']}")
    print(f"load average      {f['load_average_at_end']} at the end (2-core machine, shared)")
    for c in f["cli"]:
        print(f"cli, {c['workers']} worker(s)   {c['rows']:,} rows in {c['wall_seconds']:.1f} s = {c['rows_per_second']:,} rows/s; "
              f"backend CPU source {c['source_cpu_seconds']} s, target {c['target_cpu_seconds']} s "
              f"= {c['rows_per_cpu_second_source'] or 0:,} / {c['rows_per_cpu_second_target'] or 0:,} rows per CPU-second")
    print(f"report            {report_path}")
    print(f"figures           {out}")
    print("what they mean at a billion rows in 5,000 tables: docs/scale.md")
    if f["problems"]:
        print(f"\nSCALE RUN FAILED: {len(f['problems'])} problem(s):")
        for p in f["problems"][:30]:
            print(f"  - {p}")
    else:
        print("\nscale run OK: every table compared, the three injected differences found by key, nothing else")


if __name__ == "__main__":
    sys.exit(main())
