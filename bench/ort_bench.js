// SPDX-License-Identifier: MIT
// ONNX Runtime peer: node ort_bench.js MODEL.onnx INPUT_NAME DIMS(e.g. 32x1024) ITERS THREADS
// Prints one JSON line: median/min latency in ms over ITERS timed runs after
// warm-up, and the process's peak RSS (total, and above node's own baseline).
// Session options as in ../shared/notes/perf-anchors.md (the fair config).
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, inputName, dimsArg, itersArg, threadsArg] = process.argv.slice(2);
  if (!model || !inputName || !dimsArg) {
    console.error('usage: node ort_bench.js MODEL.onnx INPUT_NAME DIMS ITERS THREADS');
    process.exit(2);
  }
  const iters = parseInt(itersArg || '50', 10);
  const threads = parseInt(threadsArg || '2', 10);
  const baselineRssKb = process.resourceUsage().maxRSS;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const dims = dimsArg.split('x').map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;  // seeded LCG: the same input every run
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s / 4294967296) * 2 - 1;
  }
  const feeds = { [inputName]: new ort.Tensor('float32', data, dims) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const t = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  const median = iters % 2 ? t[(iters - 1) / 2] : (t[iters / 2 - 1] + t[iters / 2]) / 2;
  const rss = process.resourceUsage().maxRSS;
  console.log(JSON.stringify({
    runtime: 'ort', version: ort.env.versions ? ort.env.versions.common : undefined,
    median_ms: median, min_ms: t[0], iters, max_rss_kb: rss, rss_above_node_kb: rss - baselineRssKb,
  }));
}

main().catch((e) => { console.error('ort_bench: ' + (e && e.message ? e.message : e)); process.exit(1); });
