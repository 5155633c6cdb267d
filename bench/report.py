#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Print bench/run.sh's results (JSON lines) as tables: latency + ratios,
peak memory, MLP GFLOP/s against the oneDNN peak of the same run, and
ResNet-18 compile time cold vs warm."""
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


if __name__ == "__main__":
    main()
