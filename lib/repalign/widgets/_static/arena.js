// The Multiple Arrangements arena: one front end, two hosts.
//  - In Jupyter, JupyterLab and Colab it is the anywidget front end of repalign.widgets.ArenaWidget
//    (`render`): trial order, evidence and the estimate come from Python (ArrangementSession).
//  - On the published website, with no kernel, `mount` runs the whole task in the page with the
//    JavaScript twin of the task logic (ma_task.js): nothing is sent anywhere.
// Positions are arena coordinates: radius 1, origin at the centre, y up.
// Hooks for tests and assistive tools: data-testid = ma-arena, ma-item (data-item = scene id), ma-next,
// ma-result, ma-export; items are focusable and move with the arrow keys (Shift: finer steps).
import { MASession, spearmanRdm, toMeadows } from "./ma_task.js";

const KEY_STEP = 0.04;

function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") Object.assign(node.style, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// Thumbnail edge (px) for k items in an arena of `size` px: smaller when more items share the circle.
function thumbFor(size, k, largest) {
  return Math.round(Math.max(32, Math.min(largest, (0.5 * size) / Math.sqrt(Math.max(k, 1)))));
}

function clampToArena(p) {
  const r = Math.hypot(p[0], p[1]);
  return r > 1 ? [p[0] / r, p[1] / r] : p;
}

// Viridis-like colour for t in [0, 1].
function colour(t) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// One RDM as a labelled heatmap (rank-transformed colours, rows in `order`, hover names the pair).
function heatmap(rdm, labels, order, title) {
  const n = order.length;
  const cell = Math.max(4, Math.floor(180 / n));
  const canvas = element("canvas", { width: n * cell, height: n * cell, role: "img" });
  canvas.setAttribute("aria-label", `${title}: a ${n} by ${n} dissimilarity matrix`);
  const values = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) values.push(rdm[order[a]][order[b]]);
  const finite = values.filter((v) => v !== null && Number.isFinite(v)).sort((x, y) => x - y);
  // ties share their average rank (a category RDM is mostly ties)
  const rank = (v) =>
    finite.length < 2 ? 0.5 : (lowerBound(finite, v) + upperBound(finite, v) - 1) / 2 / (finite.length - 1);
  const ctx = canvas.getContext("2d");
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = a === b ? 0 : rdm[order[a]][order[b]];
      ctx.fillStyle = v === null || !Number.isFinite(v) ? "#ddd" : a === b ? colour(0) : colour(rank(v));
      ctx.fillRect(b * cell, a * cell, cell, cell);
    }
  }
  canvas.addEventListener("mousemove", (event) => {
    const box = canvas.getBoundingClientRect();
    const a = Math.floor((event.clientY - box.top) / cell);
    const b = Math.floor((event.clientX - box.left) / cell);
    if (a >= 0 && b >= 0 && a < n && b < n) {
      const v = rdm[order[a]][order[b]];
      canvas.title = `${labels[order[a]]}\n↔ ${labels[order[b]]}\n${v === null ? "not shown together" : v.toFixed(3)}`;
    }
  });
  return element("figure", { className: "repalign-arena-heatmap" }, canvas, element("figcaption", {}, title));
}

function upperBound(sorted, v) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(sorted, v) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const fmt = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2));

// The end of a session: the reader's RDM beside the references, and a table that says what rho means.
export function renderResult(panel, result) {
  const { labels, order, reader, references } = result;
  const maps = element("div", { className: "repalign-arena-maps" }, heatmap(reader, labels, order, "your RDM"));
  for (const ref of references) {
    if (ref.rdm) maps.append(heatmap(ref.rdm, labels, order, `${ref.name} (ρ = ${fmt(ref.rho)})`));
  }
  const table = element("table", { className: "repalign-arena-table" });
  table.append(
    element(
      "tr",
      {},
      element("th", {}, "compared with"),
      element("th", {}, "your ρ"),
      element("th", {}, "simulated participants"),
      element("th", {}, "noise ceiling")
    )
  );
  for (const ref of references) {
    const bar = element("span", { className: "repalign-arena-bar" });
    bar.style.width = `${Math.max(0, Math.round(100 * (ref.rho || 0)))}px`;
    const spread = ref.spread ? `${fmt(ref.spread[0])} to ${fmt(ref.spread[1])}` : "–";
    const ceiling = ref.ceiling ? `${fmt(ref.ceiling[0])} to ${fmt(ref.ceiling[1])}` : "–";
    table.append(
      element(
        "tr",
        {},
        element("td", {}, ref.name),
        element("td", {}, bar, ` ${fmt(ref.rho)}`),
        element("td", {}, spread),
        element("td", {}, ceiling)
      )
    );
  }
  const guide = element(
    "p",
    {},
    "ρ is Spearman's rank correlation between your RDM and each reference, over every pair of scenes: 1 means " +
      "the same order of dissimilarities, 0 no relation. To judge yours, compare it with the simulated " +
      "participants' range on the same scenes (a value inside it is typical of them), and with the noise " +
      "ceiling, the band where the true model of a group of such participants would be expected to fall. " +
      "Hover a cell of a heatmap to see its two scenes."
  );
  const note = result.note ? element("p", { className: "repalign-arena-note" }, result.note) : "";
  panel.replaceChildren(element("h4", {}, "Your result"), maps, table, guide, note);
  panel.hidden = false;
}

// The task's user interface over a host (Python kernel or in-page session).
function createArena(el, host) {
  const info = element("span", { className: "repalign-arena-info", role: "status" });
  info.setAttribute("aria-live", "polite");
  const next = element("button", { type: "button", textContent: "next trial" });
  next.dataset.testid = "ma-next";
  const exporter = element("button", { type: "button", textContent: "download my session (JSON)" });
  exporter.dataset.testid = "ma-export";
  const header = element("div", { className: "repalign-arena-header" }, info, next, exporter);
  const circle = element("div", { className: "repalign-arena-circle" });
  Object.assign(circle.style, { position: "relative", borderRadius: "50%", touchAction: "none" });
  const hint = element("div", { className: "repalign-arena-hint", hidden: true });
  const panel = element("div", { className: "repalign-arena-result", hidden: true });
  panel.dataset.testid = "ma-result";
  const root = element("div", { className: "repalign-arena" }, header, circle, hint, panel);
  root.dataset.testid = "ma-arena";
  el.appendChild(root);

  let items = [];
  let current = [];
  let touched = false;
  let busy = false;
  let top = 1;
  let shownTrial = -1;

  const geometry = () => {
    const size = host.size();
    return { size, thumb: thumbFor(size, items.length, host.largestThumb()) };
  };

  function place(k) {
    const { size } = geometry();
    items[k].style.left = `${((current[k][0] + 1) / 2) * size}px`;
    items[k].style.top = `${((1 - current[k][1]) / 2) * size}px`;
  }

  function toArena(event) {
    const box = circle.getBoundingClientRect();
    const size = circle.clientWidth;
    const x = ((event.clientX - box.left - circle.clientLeft) / size) * 2 - 1;
    const y = 1 - ((event.clientY - box.top - circle.clientTop) / size) * 2;
    return [x, y];
  }

  // Keep any two thumbnails from covering each other completely: push the moved one out to a minimum
  // centre distance (a partial overlap stays allowed; people do stack similar scenes closely).
  function separate(k) {
    const { size, thumb } = geometry();
    const minimum = (0.45 * thumb * 2) / size;
    for (let round = 0; round < 4; round++) {
      let movedAway = false;
      for (let j = 0; j < current.length; j++) {
        if (j === k) continue;
        const dx = current[k][0] - current[j][0];
        const dy = current[k][1] - current[j][1];
        const d = Math.hypot(dx, dy);
        if (d < minimum) {
          const [ux, uy] = d > 1e-9 ? [dx / d, dy / d] : [Math.cos(k + j), Math.sin(k + j)];
          current[k] = clampToArena([current[j][0] + ux * minimum, current[j][1] + uy * minimum]);
          movedAway = true;
        }
      }
      if (!movedAway) break;
    }
  }

  function moved(k) {
    touched = true;
    separate(k);
    place(k);
    host.moved(current.map((p) => [p[0], p[1]]));
  }

  function build() {
    const trial = host.trial();
    shownTrial = trial.number;
    touched = false;
    busy = false;
    circle.replaceChildren();
    const size = host.size();
    circle.style.width = `${size}px`;
    circle.style.height = `${size}px`;
    current = trial.positions.map((p) => [p[0], p[1]]);
    items = trial.items.map((item, k) => {
      const img = element("img", { src: item.thumb, alt: item.title, title: item.title, draggable: false });
      img.dataset.testid = "ma-item";
      img.dataset.item = String(item.id);
      img.tabIndex = 0;
      Object.assign(img.style, { position: "absolute", touchAction: "none" });
      let grab = null;
      img.addEventListener("pointerdown", (event) => {
        if (host.trial().done) return;
        const p = toArena(event);
        grab = [p[0] - current[k][0], p[1] - current[k][1]]; // keep the offset where it was grabbed
        top += 1;
        img.style.zIndex = String(top);
        img.classList.add("dragging");
        img.setPointerCapture(event.pointerId);
        event.preventDefault();
      });
      img.addEventListener("pointermove", (event) => {
        if (!grab) return;
        const p = toArena(event);
        current[k] = clampToArena([p[0] - grab[0], p[1] - grab[1]]);
        place(k);
      });
      const release = () => {
        if (!grab) return;
        grab = null;
        img.classList.remove("dragging");
        moved(k);
      };
      img.addEventListener("pointerup", release);
      img.addEventListener("pointercancel", release);
      img.addEventListener("keydown", (event) => {
        const step = event.shiftKey ? KEY_STEP / 4 : KEY_STEP;
        const delta = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[
          event.key
        ];
        if (!delta || host.trial().done) return;
        event.preventDefault();
        current[k] = clampToArena([current[k][0] + delta[0], current[k][1] + delta[1]]);
        moved(k);
      });
      circle.appendChild(img);
      return img;
    });
    const { thumb } = geometry();
    for (const img of items) {
      Object.assign(img.style, {
        width: `${thumb}px`,
        height: `${thumb}px`,
        marginLeft: `${-thumb / 2}px`,
        marginTop: `${-thumb / 2}px`,
      });
    }
    items.forEach((_, k) => place(k));
    refresh();
  }

  function refresh() {
    const trial = host.trial();
    if (trial.number !== shownTrial && !trial.done) return build();
    info.textContent = trial.message;
    next.disabled = busy || trial.done;
    exporter.disabled = !host.canExport();
    if (trial.done) {
      for (const img of items) {
        img.classList.add("locked");
        img.tabIndex = -1;
      }
      circle.classList.add("finished");
      const result = host.result();
      if (result) {
        renderResult(panel, result);
        hint.hidden = false;
        hint.textContent = "Done. Your result is just below the arena ↓";
        if (panel.scrollIntoView) panel.scrollIntoView({ behavior: "smooth", block: "nearest" });
      }
    }
  }

  next.addEventListener("click", () => {
    const trial = host.trial();
    if (busy || trial.done) return; // a double click submits one trial, never the next one's start
    if (!touched) {
      info.textContent = "Move at least one scene before pressing next: nothing was arranged in this trial.";
      return;
    }
    busy = true;
    next.disabled = true;
    host.next(current.map((p) => [p[0], p[1]]), trial.number);
  });

  exporter.addEventListener("click", () => {
    const data = host.exportJson();
    if (!data) return;
    const blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
    const link = element("a", { href: URL.createObjectURL(blob), download: "shared_spaces_ma_tree.json" });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  host.subscribe(refresh);
  build();
  return () => root.remove();
}

// ---------------------------------------------------------------- host 1: the Python kernel (anywidget)
function kernelHost(model) {
  return {
    size: () => model.get("size"),
    largestThumb: () => model.get("thumb_size"),
    trial: () => ({
      number: model.get("trial"),
      done: model.get("done"),
      message: model.get("message"),
      positions: model.get("positions"),
      items: model.get("thumbnails").map((thumb, k) => ({
        thumb,
        title: model.get("titles")[k] || `item ${k}`,
        id: (model.get("item_ids") || [])[k] ?? k,
      })),
    }),
    moved: (positions) => {
      model.set("positions", positions);
      model.save_changes();
    },
    next: (positions, number) => {
      model.set("positions", positions);
      model.save_changes();
      model.send({ event: "next", trial: number });
    },
    result: () => {
      const r = model.get("result");
      return r && r.reader ? r : null; // empty until the session ends (or without references)
    },
    canExport: () => Boolean(model.get("export")),
    exportJson: () => (model.get("export") ? JSON.parse(model.get("export")) : null),
    subscribe: (f) => {
      for (const name of ["trial", "done", "message", "result", "export"]) model.on(`change:${name}`, f);
      model.on("change:positions", () => {
        /* positions set from Python (tests, replays) are drawn at the next trial */
      });
    },
  };
}

function render({ model, el }) {
  return createArena(el, kernelHost(model));
}

// -------------------------------------------------------------- host 2: the page itself (no kernel)
function pageHost(payload, variant) {
  const chosen = variant.items;
  const session = new MASession(chosen.length, {
    maxTrials: variant.maxTrials,
    maxItems: variant.maxItems ?? null,
    seed: payload.seed ?? 0,
  });
  let positions = session.startPositions();
  let message = "";
  const listeners = [];
  const stimuli = chosen.map((i) => ({ id: payload.items[i].id, name: payload.items[i].id }));
  const status = () =>
    session.done
      ? `Done: ${session.trials.length} trials. Thank you!`
      : `Trial ${session.trials.length + 1} (at most ${session.maxTrials}): drag the ${session.current.length} ` +
        "scenes so that similar ones lie close together, then press next.";
  let finished = null;
  return {
    size: () => payload.size ?? 480,
    largestThumb: () => payload.thumb ?? 88,
    trial: () => ({
      number: session.trials.length + 1,
      done: session.done,
      message: message || status(),
      positions,
      items: (session.current || []).map((k) => ({
        thumb: payload.items[chosen[k]].thumb,
        title: payload.items[chosen[k]].name,
        id: payload.items[chosen[k]].id,
      })),
    }),
    moved: () => {},
    next: (arranged) => {
      session.submit(arranged);
      message = "";
      if (session.done) {
        const reader = session.estimate();
        finished = {
          labels: chosen.map((i) => payload.items[i].name),
          order: variant.order,
          reader,
          references: variant.references.map((ref) => ({ ...ref, rho: spearmanRdm(reader, ref.rdm) })),
          note: payload.note || "",
        };
      } else {
        positions = session.startPositions();
      }
      listeners.forEach((f) => f());
    },
    result: () => finished,
    canExport: () => session.trials.length > 0,
    exportJson: () => toMeadows(session, stimuli),
    subscribe: (f) => listeners.push(f),
    session,
  };
}

// Run the task in the page: `payload` (written by repalign.widgets.arena_page) holds the scenes, the
// session variants (short, long) and the reference RDMs; the reader picks a variant, then plays.
export function mount(el, payload) {
  const chooser = element("div", { className: "repalign-arena-chooser" });
  const stage = element("div");
  el.append(chooser, stage);
  const state = { host: null };
  payload.variants.forEach((variant, v) => {
    const button = element("button", { type: "button", textContent: variant.label });
    button.dataset.testid = `ma-start-${v}`;
    button.addEventListener("click", () => {
      stage.replaceChildren();
      state.host = pageHost(payload, variant);
      createArena(stage, state.host);
    });
    chooser.append(button);
  });
  el.maArena = state; // for tests: el.maArena.host.session
  return state;
}

export default { render };
