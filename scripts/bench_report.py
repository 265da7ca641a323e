#!/usr/bin/env python3
"""Collects and reports AsyncIO echo-server benchmark results (stdlib only).

Used by scripts/bench in two steps:

  bench_report.py cell --results R.jsonl --server S --mode M --case C ...
      Turns one measured cell (the load generator's JSON plus the server
      figures the driver sampled) into a record, appends it to R.jsonl and
      prints a one-line progress summary.

  bench_report.py report --results R.jsonl --meta META --out DIR
      Prints the results table and the Swift-vs-uvloop/asyncio ratios, and
      writes DIR/results.json, DIR/chart.svg and DIR/table.md (a Markdown
      section meant to be pasted into BENCHMARKS.md).

`report` can be re-run on an existing results folder at any time.
"""

import argparse
import datetime
import html
import json
import math
import os
import sys

IMPL_ORDER = ["swift", "uvloop", "asyncio"]
MODE_ORDER = ["protocol", "buffered", "streams", "sockets"]
CASE_ORDER = ["rr1k10", "rr10k10", "rr100k10", "rr1k100", "stream64k4"]
COLORS = {"swift": "#F05138", "uvloop": "#3572A5", "asyncio": "#8A8F98"}
# A cell is flagged client-bound when the load generator used at least this
# much of its core while the server was below SERVER_BUSY_PCT of its own:
# then the server was waiting for the client, not the other way round.
CLIENT_BOUND_PCT = 85.0
SERVER_BUSY_PCT = 90.0
# Runnable-but-waiting time (other processes held the CPU) above this share of
# the measured interval marks a cell as disturbed by machine load.
CONTENTION_PCT = 10.0


# --------------------------------------------------------------------------
# cell


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def build_cell(a):
    rec = {
        "server": a.server,
        "mode": a.mode,
        "case": a.case,
        "kind": a.kind,
        "size": a.size,
        "connections": a.connections,
        "status": a.status,
        "notes": [n for n in (a.note or []) if n],
    }
    lg = None
    if a.loadgen_json:
        text = _read(a.loadgen_json).strip()
        for line in reversed(text.splitlines()):  # the JSON object is the last line
            try:
                lg = json.loads(line)
                break
            except ValueError:
                continue
    err_text = _read(a.loadgen_err).strip() if a.loadgen_err else ""
    if rec["status"] == "ok":
        if a.loadgen_rc != 0 or lg is None or "error" in lg:
            rec["status"] = "failed"
            if a.loadgen_rc == 124:  # exit status of timeout(1)
                msg = "load generator timed out"
            elif lg and lg.get("error"):
                msg = lg["error"]
            elif err_text:
                msg = err_text.splitlines()[-1]
            else:
                msg = f"load generator exit {a.loadgen_rc}"
            rec["notes"].append(msg)
    rec["loadgen"] = lg
    rec["loadgen_rc"] = a.loadgen_rc

    # Server-side figures sampled by the driver.
    rec["server_exit"] = a.server_exit
    if a.server_exit not in (None, 0):
        rec["notes"].append(f"server exit {a.server_exit}")
    rec["rss_mib"] = a.rss_kib / 1024.0 if a.rss_kib is not None and a.rss_kib >= 0 else None
    rec["anon_mib"] = a.anon_kib / 1024.0 if a.anon_kib is not None and a.anon_kib > 0 else None
    rec["server_cpu_s_total"] = a.server_cpu_s

    if rec["status"] == "ok" and lg:
        rec["rps"] = _num(lg.get("requests_per_s"))
        rec["mibps"] = _num(lg.get("mib_per_s"))
        lat = lg.get("latency_us") or {}
        rec["p50_us"] = _num(lat.get("p50"))
        rec["p99_us"] = _num(lat.get("p99"))
        rec["max_us"] = _num(lat.get("max"))
        rec["loadgen_cpu_pct"] = _num(lg.get("loadgen_cpu_pct"))
        rec["server_cpu_pct"] = _num(lg.get("server_cpu_pct"))
        # Server CPU per unit of work. Prefer the loadgen's sample, taken at
        # exactly the edges of the measured interval; fall back to the
        # driver's start-to-stop sample over all traffic including warm-up.
        cpu_s = _num(lg.get("server_cpu_s"))
        if a.kind == "rr":
            ops = lg.get("requests") or 0
            if cpu_s is None and a.server_cpu_s is not None and a.size:
                cpu_s, ops = a.server_cpu_s, (lg.get("bytes_verified_total") or 0) / a.size
            rec["server_cpu_per_op"] = cpu_s * 1e6 / ops if cpu_s is not None and ops else None
            rec["server_cpu_unit"] = "µs/req"
        else:
            mib = (lg.get("bytes_verified") or 0) / 1048576.0
            if cpu_s is None and a.server_cpu_s is not None:
                cpu_s, mib = a.server_cpu_s, (lg.get("bytes_verified_total") or 0) / 1048576.0
            rec["server_cpu_per_op"] = cpu_s * 1e6 / mib if cpu_s is not None and mib else None
            rec["server_cpu_unit"] = "µs/MiB"
        rec["server_cpu_wait_pct"] = _num(lg.get("server_cpu_wait_pct"))
        rec["loadgen_cpu_wait_pct"] = _num(lg.get("loadgen_cpu_wait_pct"))
        waits = [(who, rec[f"{who}_cpu_wait_pct"]) for who in ("server", "loadgen")]
        waits = [f"{who} {pct:.0f}%" for who, pct in waits if pct is not None and pct >= CONTENTION_PCT]
        lg_busy = (rec["loadgen_cpu_pct"] or 0) >= CLIENT_BOUND_PCT
        srv_busy = (rec["server_cpu_pct"] or 0) >= SERVER_BUSY_PCT
        if lg_busy and not srv_busy and not waits:
            rec["notes"].append("client-bound")
        if waits:
            rec["notes"].append("contended: waited for CPU " + ", ".join(waits))
    return rec


def cmd_cell(a):
    rec = build_cell(a)
    with open(a.results, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    label = f"{rec['server']}:{rec['mode']}"
    prefix = f"[{a.progress}] " if a.progress else ""
    if rec["status"] == "ok":
        line = (
            f"{prefix}{label:<17} {rec['case']:<11} {throughput_text(rec):>15}"
            f"  p99 {fmt(rec.get('p99_us'), 0):>6} µs"
            f"  srv {fmt(rec.get('server_cpu_per_op'), 1):>7} {rec.get('server_cpu_unit', '')}"
            f"  RSS {fmt(rec.get('rss_mib'), 1):>5} MiB"
            f"  lg CPU {fmt(rec.get('loadgen_cpu_pct'), 0):>3}%"
        )
    else:
        line = f"{prefix}{label:<17} {rec['case']:<11} {rec['status'].upper()}"
    if rec["notes"]:
        line += "  (" + "; ".join(rec["notes"]) + ")"
    print(line, flush=True)


# --------------------------------------------------------------------------
# formatting helpers


def fmt(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float) and math.isnan(v):
        return "-"
    return f"{v:,.{digits}f}"


def throughput(rec):
    """(value, unit) of the cell's headline number."""
    if rec.get("kind") == "stream":
        return rec.get("mibps"), "MiB/s"
    return rec.get("rps"), "req/s"


def throughput_text(rec):
    v, unit = throughput(rec)
    return f"{fmt(v, 1 if unit == 'MiB/s' else 0)} {unit}"


def sort_key(rec):
    def idx(seq, v):
        return seq.index(v) if v in seq else len(seq)

    return (idx(CASE_ORDER, rec["case"]), rec["case"], idx(IMPL_ORDER, rec["server"]),
            idx(MODE_ORDER, rec["mode"]), rec["mode"])


def load_results(path):
    cells = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                cells.append(json.loads(line))
    cells.sort(key=sort_key)
    return cells


def load_meta(path):
    meta = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line:
                    k, v = line.split("=", 1)
                    meta[k.strip()] = v.strip()
    return meta


# --------------------------------------------------------------------------
# ratios


def compute_ratios(cells):
    """Swift throughput divided by uvloop's and asyncio's in the same mode.

    The Swift `buffered` mode has no Python twin; it is compared with the
    Python `protocol` servers (BufferedProtocol is a variant of Protocol).
    """
    ok = {(c["server"], c["mode"], c["case"]): c for c in cells if c["status"] == "ok"}
    ratios = []
    for (server, mode, case), c in sorted(ok.items(), key=lambda kv: sort_key(kv[1])):
        if server != "swift":
            continue
        ref_mode = "protocol" if mode == "buffered" else mode
        row = {"mode": mode, "case": case, "compared_mode": ref_mode}
        mine = throughput(c)[0]
        involved = [c]
        for ref in ("uvloop", "asyncio"):
            other = ok.get((ref, ref_mode, case))
            theirs = throughput(other)[0] if other else None
            row[f"vs_{ref}"] = mine / theirs if mine and theirs else None
            if other:
                involved.append(other)
            # CPU: theirs / ours (>1 = Swift spends less per request or MiB);
            # memory: ours / theirs (<1 = Swift uses less).
            my_cpu, their_cpu = c.get("server_cpu_per_op"), other.get("server_cpu_per_op") if other else None
            row[f"cpu_vs_{ref}"] = their_cpu / my_cpu if my_cpu and their_cpu else None
            for key in ("rss_mib", "anon_mib"):
                mine_m, theirs_m = c.get(key), other.get(key) if other else None
                row[f"{key}_vs_{ref}"] = mine_m / theirs_m if mine_m and theirs_m else None
        row["caveats"] = caveats(involved)
        ratios.append(row)
    return ratios


def caveats(cells):
    """Why a comparison between these cells may be off."""
    out = []
    if any("client-bound" in c["notes"] for c in cells):
        out.append("client-bound")
    if any(n.startswith("contended") for c in cells for n in c["notes"]):
        out.append("disturbed")
    return out


def python_ratios(cells):
    """uvloop throughput / asyncio throughput, same mode and case."""
    ok = {(c["server"], c["mode"], c["case"]): c for c in cells if c["status"] == "ok"}
    rows = []
    for (server, mode, case), c in sorted(ok.items(), key=lambda kv: sort_key(kv[1])):
        if server != "uvloop":
            continue
        other = ok.get(("asyncio", mode, case))
        if other:
            a, b = throughput(c)[0], throughput(other)[0]
            rows.append({"mode": mode, "case": case, "uvloop_vs_asyncio": a / b if a and b else None,
                         "caveats": caveats([c, other])})
    return rows


def skipped_summary(cells):
    """One line per reason: the server:mode pairs that were skipped for it."""
    by_reason = {}
    for c in cells:
        if c["status"] == "skipped":
            label = f"{c['server']}:{c['mode']}"
            labels = by_reason.setdefault("; ".join(c["notes"]) or "skipped", [])
            if label not in labels:
                labels.append(label)
    return [f"{', '.join(labels)}: {reason}" for reason, labels in by_reason.items()]


def ratio_text(r):
    return "-" if r is None else f"{r:.2f}×"


# --------------------------------------------------------------------------
# tables


COLUMNS = ["server", "mode", "case", "throughput", "p99 µs", "server CPU", "srv CPU %",
           "peak RSS MiB", "anon MiB", "loadgen CPU %", "notes"]


def table_rows(cells):
    """Rows for measured and failed cells; skipped ones are summarised separately."""
    rows = []
    for c in cells:
        if c["status"] == "skipped":
            continue
        if c["status"] != "ok":
            rows.append([c["server"], c["mode"], c["case"], c["status"].upper(), "-", "-", "-",
                         fmt(c.get("rss_mib")), fmt(c.get("anon_mib")), "-", "; ".join(c["notes"])])
            continue
        rows.append([
            c["server"], c["mode"], c["case"], throughput_text(c),
            fmt(c.get("p99_us"), 0) if c["kind"] == "rr" else "-",
            f"{fmt(c.get('server_cpu_per_op'), 1)} {c.get('server_cpu_unit', '')}",
            fmt(c.get("server_cpu_pct"), 0),
            fmt(c.get("rss_mib")),
            fmt(c.get("anon_mib")),
            fmt(c.get("loadgen_cpu_pct"), 0),
            "; ".join(c["notes"]),
        ])
    return rows


def text_table(header, rows, right=()):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    def line(vals):
        out = []
        for i, v in enumerate(vals):
            out.append(str(v).rjust(widths[i]) if i in right else str(v).ljust(widths[i]))
        return "  ".join(out).rstrip()
    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def md_table(header, rows, right=()):
    def esc(v):
        return str(v).replace("|", "\\|")
    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


RATIO_COLUMNS = ["swift mode", "case", "vs uvloop", "vs asyncio", "CPU/op vs uvloop",
                 "RSS vs uvloop", "anon vs uvloop", "caveats"]


def ratio_rows(ratios):
    return [[r["mode"] + (" (vs protocol)" if r["mode"] != r["compared_mode"] else ""), r["case"],
             ratio_text(r["vs_uvloop"]), ratio_text(r["vs_asyncio"]), ratio_text(r.get("cpu_vs_uvloop")),
             ratio_text(r.get("rss_mib_vs_uvloop")), ratio_text(r.get("anon_mib_vs_uvloop")),
             ", ".join(r["caveats"])] for r in ratios]


def py_ratio_rows(rows):
    return [[r["mode"], r["case"], ratio_text(r["uvloop_vs_asyncio"]), ", ".join(r["caveats"])] for r in rows]


def meta_lines(meta):
    keys = [("date", "date"), ("commit", "commit"), ("cpu", "CPU"), ("kernel", "kernel"),
            ("pinning", "pinning"), ("python", "Python"), ("uvloop", "uvloop"), ("swift", "Swift"),
            ("swift_options", "Swift server options"), ("loadgen", "load generator"), ("timing", "timing")]
    return [f"{label}: {meta[k]}" for k, label in keys if meta.get(k)]


# --------------------------------------------------------------------------
# SVG chart (hand-written SVG, no dependencies)


def svg_chart(cells, meta):
    ok = [c for c in cells if c["status"] == "ok"]
    cases = []
    for c in ok:
        if c["case"] not in cases:
            cases.append(c["case"])
    width, label_w, left, right_pad = 960, 150, 20, 140
    bar_h, gap, panel_gap = 18, 4, 26
    bar_area = width - left - label_w - right_pad
    parts = []
    y = 80
    for case in cases:
        rows = [c for c in ok if c["case"] == case]
        vmax = max((throughput(c)[0] or 0) for c in rows) or 1
        unit = throughput(rows[0])[1]
        desc = f"{rows[0]['connections']} conn × {human_size(rows[0]['size'])}"
        parts.append(f'<text x="{left}" y="{y}" class="h">{esc(case)} — {esc(desc)} ({unit}, higher is better)</text>')
        y += 10
        for c in rows:
            v = throughput(c)[0] or 0
            w = max(1.0, bar_area * v / vmax)
            label = f"{c['server']}:{c['mode']}"
            parts.append(f'<text x="{left + label_w - 8}" y="{y + bar_h - 5}" class="l">{esc(label)}</text>')
            parts.append(f'<rect x="{left + label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{COLORS.get(c["server"], "#666")}"><title>{esc(label)}: '
                         f'{esc(throughput_text(c))}</title></rect>')
            mark = " *" if "client-bound" in c["notes"] else ""
            mark += " †" if any(n.startswith("contended") for n in c["notes"]) else ""
            parts.append(f'<text x="{left + label_w + w + 6:.1f}" y="{y + bar_h - 5}" class="v">'
                         f'{esc(throughput_text(c) + mark)}</text>')
            y += bar_h + gap
        y += panel_gap
    if not cases:
        parts.append(f'<text x="{left}" y="{y}" class="h">no successful measurements</text>')
        y += 30
    # Legend
    lx = left
    for impl in IMPL_ORDER:
        parts.append(f'<rect x="{lx}" y="{y}" width="14" height="14" fill="{COLORS[impl]}"/>')
        parts.append(f'<text x="{lx + 20}" y="{y + 12}" class="v">{impl}</text>')
        lx += 110
    footnotes = []
    if any("client-bound" in c["notes"] for c in ok):
        footnotes.append("* client-bound: a lower bound for the server")
    if any(n.startswith("contended") for c in ok for n in c["notes"]):
        footnotes.append("† disturbed by other load on the machine")
    if footnotes:
        parts.append(f'<text x="{lx + 20}" y="{y + 12}" class="s">{esc("  ·  ".join(footnotes))}</text>')
    y += 34
    sub = " · ".join(x for x in [meta.get("date"), meta.get("python"), meta.get("uvloop") and "uvloop " + meta["uvloop"],
                                 meta.get("timing")] if x)
    head = (f'<text x="{left}" y="28" class="t">AsyncIO echo benchmarks</text>'
            f'<text x="{left}" y="48" class="s">{esc(sub)}</text>')
    style = ("<style>text{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;fill:#222}"
             ".t{font-size:18px;font-weight:600}.s{font-size:12px;fill:#555}.h{font-size:13px;font-weight:600}"
             ".l{font-size:12px;text-anchor:end}.v{font-size:12px}</style>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" viewBox="0 0 {width} {y}">'
            f'<rect width="100%" height="100%" fill="#fff"/>{style}{head}{"".join(parts)}</svg>\n')


def esc(s):
    return html.escape(str(s), quote=True)


def human_size(n):
    if n and n % 1048576 == 0:
        return f"{n // 1048576} MiB"
    if n and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} B"


# --------------------------------------------------------------------------
# report


def cmd_report(a):
    cells = load_results(a.results)
    meta = load_meta(a.meta)
    ratios = compute_ratios(cells)
    pyratios = python_ratios(cells)
    rows = table_rows(cells)
    right = {3, 4, 5, 6, 7, 8, 9}

    out = []
    out.append("")
    out.append("AsyncIO echo benchmarks")
    out += ["  " + l for l in meta_lines(meta)]
    out.append("")
    out.append(text_table(COLUMNS, rows, right))
    out.append("")
    if ratios:
        out.append("Swift relative to Python (same mode). Throughput: >1 = Swift faster; CPU/op: uvloop's")
        out.append("server CPU per request (or MiB) over Swift's, >1 = Swift cheaper; RSS and anon: Swift's")
        out.append("over uvloop's, <1 = Swift smaller:")
        out.append(text_table(RATIO_COLUMNS, ratio_rows(ratios), {2, 3, 4, 5, 6}))
    else:
        out.append("No Swift results, so no Swift-vs-Python ratios.")
    if pyratios:
        out.append("")
        out.append("uvloop throughput relative to asyncio (same mode):")
        out.append(text_table(["mode", "case", "uvloop/asyncio", "caveats"], py_ratio_rows(pyratios), {2}))
    bound = [c for c in cells if "client-bound" in c["notes"]]
    contended = [c for c in cells if any(n.startswith("contended") for n in c["notes"])]
    if bound or contended:
        out.append("")
    if bound:
        out.append(f"Note: {len(bound)} cell(s) are client-bound (load generator ≥{CLIENT_BOUND_PCT:.0f}% of its core, "
                   f"server <{SERVER_BUSY_PCT:.0f}% of its own): their throughput is a lower bound for the server.")
    if contended:
        out.append(f"Note: {len(contended)} cell(s) were disturbed by other load on the machine (server or load "
                   f"generator runnable but waiting for a CPU ≥{CONTENTION_PCT:.0f}% of the time); rerun them on a quiet machine.")
    skipped = skipped_summary(cells)
    if skipped:
        out.append("")
        out.append("Not measured:")
        out += [f"  {line}" for line in skipped]
    failed = [c for c in cells if c["status"] == "failed"]
    if failed:
        out.append(f"{len(failed)} cell(s) FAILED (see the notes column and the logs/ folder).")
    print("\n".join(out))

    os.makedirs(a.out, exist_ok=True)
    results = {"meta": meta, "cells": cells, "ratios": ratios, "uvloop_vs_asyncio": pyratios}
    with open(os.path.join(a.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(a.out, "chart.svg"), "w", encoding="utf-8") as f:
        f.write(svg_chart(cells, meta))
    md = []
    md.append(f"### Echo benchmarks ({meta.get('date', datetime.date.today().isoformat())})")
    md.append("")
    md += [f"- {l}" for l in meta_lines(meta)]
    md.append("")
    md.append(md_table(COLUMNS, rows, right))
    md.append("")
    md.append("Throughput is verified echoed data after warm-up; p99 is request latency as seen by the "
              "load generator; server CPU is user+system time per request (µs/req) or per MiB echoed; "
              "cells marked client-bound had the load generator near a full core while the server was not busy, "
              "so their throughput is a lower bound; cells marked contended lost CPU time to other processes.")
    skipped = skipped_summary(cells)
    if skipped:
        md.append("")
        md.append("Not measured: " + "; ".join(skipped))
    if ratios:
        md.append("")
        md.append("Swift relative to Python in the same mode (`buffered` is compared with `protocol`). Throughput: >1 = Swift faster; CPU/op: uvloop's server CPU per request or MiB over Swift's, >1 = Swift cheaper; RSS and anon (peak private memory): Swift's over uvloop's, <1 = Swift smaller:")
        md.append("")
        md.append(md_table(RATIO_COLUMNS, ratio_rows(ratios), {2, 3, 4, 5, 6}))
    if pyratios:
        md.append("")
        md.append("uvloop relative to asyncio:")
        md.append("")
        md.append(md_table(["mode", "case", "uvloop / asyncio", "caveats"], py_ratio_rows(pyratios), {2}))
    with open(os.path.join(a.out, "table.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    print("")
    print(f"Wrote {os.path.join(a.out, 'results.json')}, chart.svg and table.md")
    return 0


# --------------------------------------------------------------------------


def main(argv):
    p = argparse.ArgumentParser(description="AsyncIO benchmark results")
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("cell", help="record one measured cell")
    c.add_argument("--results", required=True)
    c.add_argument("--server", required=True)
    c.add_argument("--mode", required=True)
    c.add_argument("--case", required=True)
    c.add_argument("--kind", choices=["rr", "stream"], required=True)
    c.add_argument("--size", type=int, required=True)
    c.add_argument("--connections", type=int, required=True)
    c.add_argument("--status", choices=["ok", "failed", "skipped"], default="ok")
    c.add_argument("--note", action="append")
    c.add_argument("--loadgen-json")
    c.add_argument("--loadgen-err")
    c.add_argument("--loadgen-rc", type=int, default=0)
    c.add_argument("--server-exit", type=int)
    c.add_argument("--server-cpu-s", type=float)
    c.add_argument("--rss-kib", type=int)
    c.add_argument("--anon-kib", type=int)
    c.add_argument("--progress")

    r = sub.add_parser("report", help="print the table, write results.json, chart.svg, table.md")
    r.add_argument("--results", required=True)
    r.add_argument("--meta")
    r.add_argument("--out", required=True)

    a = p.parse_args(argv)
    return cmd_cell(a) if a.cmd == "cell" else cmd_report(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
