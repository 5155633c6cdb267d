#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print bench/run.sh's results (JSON lines) as tables: latency + ratios,
peak memory, MLP GFLOP/s against the oneDNN peak of the same run, and
ResNet-18 compile time cold vs warm.

    report.py RESULTS.jsonl            bench/run.sh's tables
    report.py --zoo ZOO.jsonl          bench/zoo.sh's table: one row per model
    report.py --contention C.jsonl     bench/contention.sh's table"""
import json
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    print("report: unparsable line: " + line, file=sys.stderr)
    return rows


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def main():
    rows = load(sys.argv[1])
    models = []
    by = {}
    rounds = {}
    for r in rows:
        m = r.get("model")
        if m and m != "all" and not r["runtime"].startswith("tcc_compile"):
            if m not in models:
                models.append(m)
            key = r["runtime"] + ("/" + r["config"] if r.get("config") else "")
            # Several rounds: keep the quietest (lowest median); an error
            # only when no round succeeded.
            old = by.get((m, key))
            if old is None or ("error" in old and "error" not in r) or \
                    ("error" not in r and "error" not in old and r["median_ms"] < old["median_ms"]):
                by[(m, key)] = r
            rounds[(m, key)] = rounds.get((m, key), 0) + ("error" not in r)

    def lat(m, key):
        r = by.get((m, key))
        return r.get("median_ms") if r and "error" not in r else None

    print()
    print("Latency, ms: median (min) of %s timed runs after warm-up; per runtime the round with the "
          "lowest median of %d interleaved rounds" %
          (next((r["iters"] for r in rows if r.get("runtime") == "ort" and "iters" in r), "?"),
           max(rounds.values() or [1])))
    hdr = "| model | tcc | ORT | torch (OpenBLAS-omp) | torch (ref BLAS) | tcc/ORT | tcc/torch |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for m in models:
        cells = []
        for key in ("tcc", "ort", "torch/openblas-openmp", "torch/reference-blas"):
            r = by.get((m, key))
            if r is None:
                cells.append("-")
            elif "error" in r:
                cells.append("FAILED")
            else:
                cells.append("%.2f (%.2f)" % (r["median_ms"], r["min_ms"]))
        t, o, p = lat(m, "tcc"), lat(m, "ort"), lat(m, "torch/openblas-openmp")
        cells.append(fmt(t / o) if t and o else "-")
        cells.append(fmt(t / p) if t and p else "-")
        print("| %s | %s |" % (m, " | ".join(cells)))

    for m in models:
        k = by.get((m, "tcc_dnnl_kernels"))
        o = lat(m, "ort")
        if k and "error" not in k:
            print("  %s, tcc's oneDNN kernels alone with layouts propagated (bench/dnnl_resnet18, the "
                  "ceiling once the graph compiler propagates layouts): %.2f (%.2f) ms%s" %
                  (m, k["median_ms"], k["min_ms"], ", %.2f of ORT" % (k["median_ms"] / o) if o else ""))

    print()
    print("Peak memory (max RSS), MB")
    print("| model | tcc-run | ORT (node process) | ORT above node's baseline | tcc / ORT-above-baseline |")
    print("|---|---|---|---|---|")
    for m in models:
        t, o = by.get((m, "tcc")), by.get((m, "ort"))
        trss = t.get("max_rss_kb") / 1024 if t and "max_rss_kb" in t else None
        orss = o.get("max_rss_kb") / 1024 if o and "max_rss_kb" in o else None
        oabove = o.get("rss_above_node_kb") / 1024 if o and "rss_above_node_kb" in o else None
        print("| %s | %s | %s | %s | %s |" % (m, fmt(trss, "%.0f"), fmt(orss, "%.0f"), fmt(oabove, "%.0f"),
                                             fmt(trss / oabove) if trss and oabove else "-"))

    print()
    print("Achieved GFLOP/s (model GFLOP / median latency)")
    peaks = [r["shape"] for r in rows if r.get("runtime") == "dnnl_peak" and "shape" in r]
    for m in models:
        g = next((r.get("gflop") for (mm, _), r in by.items() if mm == m and r.get("gflop")), None)
        if not g:
            continue
        parts = []
        for key, label in (("tcc", "tcc"), ("ort", "ORT"), ("torch/openblas-openmp", "torch")):
            v = lat(m, key)
            parts.append("%s %s" % (label, fmt(g / (v / 1e3) if v else None, "%.0f")))
        print("  %-9s (%.2f GFLOP): %s" % (m, g, ", ".join(parts)))
    for p in peaks:
        bf = p.get("bf16_matmul_gflops") or 0
        print("  oneDNN %dx%dx%d: sgemm %.0f, matmul (prepacked) %.0f GFLOP/s best; median %.0f / %.0f [%s]%s" %
              (p["M"], p["K"], p["N"], p["sgemm_gflops"], p["matmul_gflops"], p.get("sgemm_gflops_median", 0),
               p.get("matmul_gflops_median", 0), p.get("matmul_impl", ""),
               "; bf16 matmul %.0f" % bf if bf else ""))

    comp = [r for r in rows if r.get("runtime", "").startswith("tcc_compile")]
    if comp:
        print()
        print("ResNet-18 compile: tcc-run wall time (load + compile + 1 run + exit) and its load+compile figure")
        for r in comp:
            if "error" in r:
                print("  %s: FAILED: %s" % (r["runtime"], r["error"]))
            else:
                print("  %-4s cache: %.3f s wall, load+compile %s ms" % (r["phase"], r["wall_s"],
                                                                  fmt(r.get("compile_ms"), "%.1f")))
    errors = [r for r in rows if "error" in r]
    for r in errors:
        print("error: %s %s: %s" % (r.get("model"), r.get("runtime"), r["error"]), file=sys.stderr)


def quietest(rows):
    """{(model, runtime): row}: per model and runtime the round with the
    lowest median (an error only when no round succeeded), in first-seen
    model order."""
    models, by = [], {}
    for r in rows:
        m, rt = r.get("model"), r.get("runtime")
        if not m or not rt:
            continue
        if m not in models:
            models.append(m)
        old = by.get((m, rt))
        if old is None or ("error" in old and "error" not in r) or \
                ("error" not in r and "error" not in old and r["median_ms"] < old["median_ms"]):
            by[(m, rt)] = r
    return models, by


def zoo_main(path):
    rows = load(path)
    host = {}
    for r in rows:
        if r.get("runtime") == "host":
            host.update(r)
    models, by = quietest(rows)

    def lat(m, rt):
        r = by.get((m, rt))
        return r.get("median_ms") if r and "error" not in r else None

    def cell(m, rt):
        r = by.get((m, rt))
        if r is None:
            return "-"
        return "FAILED" if "error" in r else "%.2f" % r["median_ms"]

    def err(m, rt):
        r = by.get((m, rt))
        return "%.1e" % r["max_rel_err"] if r and r.get("max_rel_err") is not None else "-"

    print()
    print("cpu: %s, %s CPUs; flags: %s" % (host.get("cpu", "?"), host.get("cpus", "?"), host.get("flags", "?")))
    print("load average at start %s, at end %s; %s threads; median ms of %s runs, the quietest of %s "
          "interleaved rounds" % (host.get("loadavg_start", "?"), host.get("loadavg_end", "?"),
                                  host.get("threads", "?"), host.get("iters", "?"), host.get("rounds", "?")))
    hdr = ("| model | tcc fp32 | ORT fp32 | tcc/ORT | tcc bf16 | torch bf16 | tcc-bf16/torch-bf16 | "
           "tcc bf16/fp32 | rel err tcc fp32, ORT, tcc bf16, torch bf16 |")
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    ratios = {"tcc/ORT": [], "tcc-bf16/torch-bf16": []}
    for m in models:
        t, o, tb, pb = lat(m, "tcc_fp32"), lat(m, "ort_fp32"), lat(m, "tcc_bf16"), lat(m, "torch_bf16")
        if t and o:
            ratios["tcc/ORT"].append(t / o)
        if tb and pb:
            ratios["tcc-bf16/torch-bf16"].append(tb / pb)
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            m, cell(m, "tcc_fp32"), cell(m, "ort_fp32"), fmt(t / o) if t and o else "-",
            cell(m, "tcc_bf16"), cell(m, "torch_bf16"), fmt(tb / pb) if tb and pb else "-",
            fmt(tb / t) if tb and t else "-",
            ", ".join(err(m, rt) for rt in ("tcc_fp32", "ort_fp32", "tcc_bf16", "torch_bf16"))))
    for k, v in ratios.items():
        if v:
            v = sorted(v)
            print("  %s: median %.2f, range %.2f to %.2f over %d models; <= 0.8 on %d" %
                  (k, v[len(v) // 2], v[0], v[-1], len(v), sum(x <= 0.8 for x in v)))
    for (m, rt), r in by.items():
        if "error" in r:
            print("error: %s %s: %s" % (m, rt, r["error"]), file=sys.stderr)


def contention_main(path):
    rows = load(path)
    host = {}
    for r in rows:
        if r.get("runtime") == "host":
            host.update(r)
    print()
    print("cpu: %s, %s CPUs; load average at start %s, at end %s" % (
        host.get("cpu", "?"), host.get("cpus", "?"), host.get("loadavg_start", "?"), host.get("loadavg_end", "?")))
    print("N processes x %s threads each, same model; per N the median over processes of each process's "
          "median latency (ms), its slowest process, and the growth against N=1" % host.get("threads", "?"))
    cells = {}
    ns, models, rts = [], [], []
    for r in rows:
        if r.get("runtime") == "host" or "n" not in r:
            continue
        key = (r["model"], r["runtime"], r["n"])
        cells[key] = r
        for lst, v in ((ns, r["n"]), (models, r["model"]), (rts, r["runtime"])):
            if v not in lst:
                lst.append(v)
    hdr = "| model | runtime | " + " | ".join("N=%d" % n for n in ns) + " | " + \
        " | ".join("growth N=%d" % n for n in ns if n != 1) + " |"
    print(hdr)
    print("|" + "---|" * (hdr.count("|") - 1))
    for m in models:
        for rt in rts:
            base = cells.get((m, rt, 1), {}).get("median_ms")
            out = []
            for n in ns:
                c = cells.get((m, rt, n))
                if c is None:
                    out.append("-")
                elif c.get("median_ms") is None:
                    out.append("FAILED (%s)" % c.get("error", "")[-80:])
                else:
                    out.append("%.2f (max %.2f)%s" % (c["median_ms"], c["max_ms"],
                                                      " + FAILED: " + c["error"][-80:] if c.get("error") else ""))
            for n in ns:
                if n == 1:
                    continue
                c = cells.get((m, rt, n), {})
                out.append(fmt(c["median_ms"] / base) if base and c.get("median_ms") else "-")
            print("| %s | %s | %s |" % (m, rt, " | ".join(out)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zoo"]:
        zoo_main(sys.argv[2])
    elif sys.argv[1:2] == ["--contention"]:
        contention_main(sys.argv[2])
    else:
        main()
