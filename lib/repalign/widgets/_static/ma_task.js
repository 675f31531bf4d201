// The Multiple Arrangements task logic in the browser: the JavaScript twin of repalign.arrangement.
// Used by the arena when no Python kernel is there (the published website). No DOM, no dependencies.
// tests/widgets/test_ma_task_js.py runs it in Chromium and checks it against the Python implementation
// (evidence, lift-the-weakest, the "average" inverse-MDS estimator, Spearman's rho, the Meadows export).
// Positions are arena coordinates: radius 1, origin at the centre, y up; distances are in diameters.

export const WEIGHT_FLOOR = 0.2;

// Condensed on-screen distances of one trial (diameters), pairs (i < j) in row order.
export function trialDistances(positions) {
  const out = [];
  for (let i = 0; i < positions.length; i++) {
    for (let j = i + 1; j < positions.length; j++) {
      out.push(Math.hypot(positions[i][0] - positions[j][0], positions[i][1] - positions[j][1]) / 2);
    }
  }
  return out;
}

// Flat pair indices a * n + b (a < b in item order) of a trial's pairs, in condensed trial order.
function trialPairs(items, n) {
  const out = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = Math.min(items[i], items[j]);
      const b = Math.max(items[i], items[j]);
      out.push(a * n + b);
    }
  }
  return out;
}

// Per-pair evidence (n x n, symmetric): the summed squared on-screen distances (diameters).
export function evidenceMatrix(trials, n) {
  const ev = Array.from({ length: n }, () => new Array(n).fill(0));
  for (const [items, positions] of trials) {
    addEvidence(ev, items, positions);
  }
  return ev;
}

function addEvidence(ev, items, positions) {
  const n = ev.length;
  const d = trialDistances(positions);
  trialPairs(items, n).forEach((p, r) => {
    const a = Math.floor(p / n);
    const b = p % n;
    ev[a][b] += d[r] * d[r];
    ev[b][a] = ev[a][b];
  });
}

const utility = (w, scale) => 1 - Math.exp(-scale * w);

// The next trial's items where the evidence is weakest (sorted), or null when every pair's utility
// reaches the criterion. Same rule and defaults as repalign.arrangement.lift_the_weakest.
export function liftTheWeakest(evidence, opts = {}) {
  const { criterion = 0.5, utilityScale = 10, increment = 0.1, costExponent = 1.5, minItems = 3 } = opts;
  const n = evidence.length;
  const maxItems = opts.maxItems == null ? n : opts.maxItems;
  let minUtil = Infinity;
  let start = null;
  let weakest = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      minUtil = Math.min(minUtil, utility(evidence[i][j], utilityScale));
      if (evidence[i][j] < weakest) {
        weakest = evidence[i][j];
        start = [i, j];
      }
    }
  }
  if (minUtil >= criterion) return null;
  const gain = (i, j) =>
    i === j ? 0 : utility(evidence[i][j] + increment, utilityScale) - utility(evidence[i][j], utilityScale);
  const chosen = [start[0], start[1]];
  const inSet = new Array(n).fill(false);
  inSet[start[0]] = inSet[start[1]] = true;
  const toSet = Array.from({ length: n }, (_, k) => gain(k, start[0]) + gain(k, start[1]));
  let total = gain(start[0], start[1]);
  let ratio = total / Math.pow(chosen.length, costExponent);
  while (chosen.length < maxItems) {
    let c = -1;
    for (let k = 0; k < n; k++) if (!inSet[k] && (c < 0 || toSet[k] > toSet[c])) c = k;
    const newRatio = (total + toSet[c]) / Math.pow(chosen.length + 1, costExponent);
    if (newRatio <= ratio && chosen.length >= minItems) break;
    chosen.push(c);
    inSet[c] = true;
    total += toSet[c];
    ratio = newRatio;
    for (let k = 0; k < n; k++) toSet[k] += gain(k, c);
  }
  return chosen.sort((a, b) => a - b);
}

// The "average" inverse-MDS estimate (n x n; NaN for pairs never shown together), RMS 1 over the
// estimable pairs: each trial scaled to the current estimate, evidence-weighted averages, iterated
// (repalign.arrangement.inverse_mds(..., estimator="average")).
export function inverseMdsAverage(trials, n, { tol = 1e-10, maxIter = 500 } = {}) {
  const rows = []; // one per (trial, pair): [trial, pair, dist, weight]
  trials.forEach(([items, positions], t) => {
    const d = trialDistances(positions);
    trialPairs(items, n).forEach((p, r) => rows.push([t, p, d[r], Math.pow(Math.max(d[r], WEIGHT_FLOOR), 2)]));
  });
  const nt = trials.length;
  const ss = new Array(nt).fill(0);
  for (const [t, , d] of rows) ss[t] += d * d;
  const unit = rows.map(([t, , d]) => d / Math.sqrt(Math.max(ss[t], 1e-300)));
  const mean = (values, weights) => {
    const num = new Map();
    const den = new Map();
    rows.forEach(([, p], r) => {
      num.set(p, (num.get(p) || 0) + weights[r] * values[r]);
      den.set(p, (den.get(p) || 0) + weights[r]);
    });
    const est = new Map();
    for (const [p, w] of den) if (w > 0) est.set(p, num.get(p) / w);
    return est;
  };
  const normalise = (est) => {
    let s = 0;
    for (const v of est.values()) s += v * v;
    const norm = Math.sqrt(s);
    for (const [p, v] of est) est.set(p, v / norm);
    return est;
  };
  let est = normalise(mean(unit, unit.map(() => 1)));
  const weight = rows.map((row) => row[3]);
  for (let it = 0; it < maxIter; it++) {
    const target = new Array(nt).fill(0);
    for (const [t, p] of rows) target[t] += est.get(p) ** 2;
    const aligned = rows.map(([t], r) => unit[r] * Math.sqrt(target[t]));
    const next = normalise(mean(aligned, weight));
    let delta = 0;
    for (const [p, v] of next) delta += (v - est.get(p)) ** 2;
    est = next;
    if (delta < tol) break;
  }
  let s = 0;
  for (const v of est.values()) s += v * v;
  const rms = Math.sqrt(s / Math.max(est.size, 1));
  const rdm = Array.from({ length: n }, () => new Array(n).fill(NaN));
  for (let i = 0; i < n; i++) rdm[i][i] = 0;
  for (const [p, v] of est) {
    const a = Math.floor(p / n);
    const b = p % n;
    rdm[a][b] = rdm[b][a] = rms > 0 ? v / rms : v;
  }
  return rdm;
}

// Upper triangle (row by row) of a square matrix, optionally reordered by `order`.
export function condensed(square) {
  const out = [];
  for (let i = 0; i < square.length; i++) for (let j = i + 1; j < square.length; j++) out.push(square[i][j]);
  return out;
}

function ranks(values) {
  const idx = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Array(values.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && values[idx[e + 1]] === values[idx[s]]) e++;
    for (let k = s; k <= e; k++) r[idx[k]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

export function pearson(x, y) {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    sxy += (x[k] - mx) * (y[k] - my);
    sxx += (x[k] - mx) ** 2;
    syy += (y[k] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// Spearman's rho of two RDMs (square), over the pairs both define (ties get average ranks).
export function spearmanRdm(a, b) {
  const x = [];
  const y = [];
  condensed(a).forEach((v, k) => {
    const w = condensed(b)[k];
    if (Number.isFinite(v) && Number.isFinite(w)) {
      x.push(v);
      y.push(w);
    }
  });
  return pearson(ranks(x), ranks(y));
}

// A small seeded generator (mulberry32) for the starting rings: reproducible sessions in the page.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A Multiple Arrangements session: the first trial shows every item, later ones lift the weakest
// evidence, until the trial budget is spent or the evidence criterion is met (as ArrangementSession).
export class MASession {
  constructor(n, { maxTrials = 6, criterion = 0.5, maxItems = null, seed = 0 } = {}) {
    if (!Number.isInteger(n) || n < 3) throw new Error(`n must be an integer >= 3; got ${n}`);
    this.n = n;
    this.maxTrials = maxTrials;
    this.criterion = criterion;
    this.maxItems = maxItems;
    this.random = rng(seed);
    this.trials = [];
    this.evidence = Array.from({ length: n }, () => new Array(n).fill(0));
    this.current = Array.from({ length: n }, (_, k) => k);
  }

  get done() {
    return this.current === null;
  }

  // The current items evenly spaced on a ring of radius 0.8, rotated at random.
  startPositions() {
    const k = this.current.length;
    const phase = 2 * Math.PI * this.random();
    return this.current.map((_, i) => {
      const angle = (2 * Math.PI * i) / k + phase;
      return [0.8 * Math.cos(angle), 0.8 * Math.sin(angle)];
    });
  }

  // Record the arrangement of the current items; returns the next trial's items (null at the end).
  submit(positions) {
    if (this.done) throw new Error("the session is over; no trial to submit");
    if (positions.length !== this.current.length) {
      throw new Error(`positions holds ${positions.length} items; the trial shows ${this.current.length}`);
    }
    for (const p of positions) {
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1]) || Math.hypot(p[0], p[1]) > 1 + 1e-9) {
        throw new Error("positions must be finite and lie inside the arena (radius 1)");
      }
    }
    const items = this.current.slice();
    const pos = positions.map((p) => [p[0], p[1]]);
    this.trials.push([items, pos]);
    addEvidence(this.evidence, items, pos);
    this.current =
      this.trials.length >= this.maxTrials
        ? null
        : liftTheWeakest(this.evidence, { criterion: this.criterion, maxItems: this.maxItems });
    return this.current;
  }

  estimate() {
    if (!this.trials.length) throw new Error("no trial submitted yet");
    return inverseMdsAverage(this.trials, this.n);
  }
}

// The session as a Meadows-style "tree" JSON export (what repalign.arrangement.load_meadows reads):
// one multiarrange task, the stimuli as {id, name}, each trial's positions as {id, x, y} objects
// (arena coordinates, centre at the origin) and the estimated RDM's upper triangle as "rdm".
export function toMeadows(session, stimuli, { task = "shared_spaces_reader" } = {}) {
  const rdm = session.trials.length ? condensed(session.estimate()) : null;
  return {
    tasks: [
      {
        status: session.done ? "finished" : "started",
        task: { name: task, task_type: "multiarrange" },
        stimuli: stimuli.map((s) => ({ id: String(s.id), name: String(s.name) })),
        trials: session.trials.map(([items, positions]) => ({
          positions: items.map((k, i) => ({ id: String(stimuli[k].id), x: positions[i][0], y: positions[i][1] })),
        })),
        rdm: rdm && rdm.map((v) => (Number.isFinite(v) ? v : null)),
      },
    ],
  };
}
