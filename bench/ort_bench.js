// SPDX-License-Identifier: MIT
// ONNX Runtime peer: node ort_bench.js MODEL.onnx INPUT_NAME DIMS(e.g. 32x1024) ITERS THREADS
// DIMS may instead name a float32 .npy file: that array is the input (the
// same bytes tcc-run reads with --input), its shape the dims.  An optional
// sixth argument, a float32 .npy of the expected first output, adds its
// max relative error (max|out - ref| / max|ref|) to the line: the check that
// every runtime of a bench row ran the same model on the same input.
// Prints one JSON line: median/min latency in ms over ITERS timed runs after
// warm-up, and the process's peak RSS (total, and above node's own baseline).
// Session options as in ../shared/notes/perf-anchors.md (the fair config).
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

// A little-endian float32, C-order .npy (format 1.0 to 3.0) -> {dims, data}.
function loadNpy(file) {
  const buf = require('fs').readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(file + ': not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(file + ': expected a C-order little-endian float32 array, header ' + header.trim());
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!shape) throw new Error(file + ': no shape in header ' + header.trim());
  const dims = shape[1].split(',').map((v) => v.trim()).filter((v) => v).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length - start < 4 * n) throw new Error(file + ': ' + (buf.length - start) + ' data bytes, expected ' + 4 * n);
  // Copied out: the data offset need not be 4-byte aligned in buf.
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(start + 4 * i);
  return { dims, data };
}

async function main() {
  const [model, inputName, dimsArg, itersArg, threadsArg, expectedArg] = process.argv.slice(2);
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
  let dims, data;
  if (dimsArg.endsWith('.npy')) {
    ({ dims, data } = loadNpy(dimsArg));
  } else {
    dims = dimsArg.split('x').map(Number);
    const n = dims.reduce((a, b) => a * b, 1);
    data = new Float32Array(n);
    let s = 12345;  // seeded LCG: the same input every run
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      data[i] = (s / 4294967296) * 2 - 1;
    }
  }
  const feeds = { [inputName]: new ort.Tensor('float32', data, dims) };
  let relErr;
  for (let i = 0; i < 5; i++) {
    const out = await session.run(feeds);
    if (i === 0 && expectedArg) {
      const ref = loadNpy(expectedArg).data;
      const got = out[session.outputNames[0]].data;
      if (got.length !== ref.length) throw new Error('output has ' + got.length + ' values, expected ' + ref.length);
      let err = 0, scale = 0;
      for (let j = 0; j < ref.length; j++) {
        err = Math.max(err, Math.abs(got[j] - ref[j]));
        scale = Math.max(scale, Math.abs(ref[j]));
      }
      relErr = err / Math.max(scale, 1.1754944e-38);
    }
  }
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
    ...(relErr === undefined ? {} : { max_rel_err: relErr }),
  }));
}

main().catch((e) => { console.error('ort_bench: ' + (e && e.message ? e.message : e)); process.exit(1); });
