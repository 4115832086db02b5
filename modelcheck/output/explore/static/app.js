// paxraft explore: the page. Plain JS, no build step, no network beyond this server.
// Every state is addressed by its path from the initial state (?path=...), so the URL in the
// address bar always reopens what is on screen.
"use strict";

let view = null;   // the server's view of the current state
let trail = "";    // the longest path seen that extends the current one: what Forward follows
let lasso = null;  // a loaded liveness counterexample: {end: its path, loop: the step its last state is again, property}

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};
const pageUrl = (path) => "/" + (path ? "?path=" + encodeURIComponent(path) : "");

function link(text, path) {
  const a = el("a", { href: pageUrl(path), text });
  a.addEventListener("click", (ev) => { ev.preventDefault(); go(path); });
  return a;
}

function showMessage(text) {
  const m = $("message");
  m.textContent = text || "";
  m.hidden = !text;
}

async function getJson(url, opts) {
  const r = await fetch(url, opts);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function go(path, push = true) {
  try {
    view = await getJson("/api/state?path=" + encodeURIComponent(path));
  } catch (err) {
    showMessage(err.message);
    return;
  }
  showMessage("");
  if (!(trail === path || trail.startsWith(path + "/"))) trail = path;
  if (push) history.pushState({ path }, "", pageUrl(path));
  render();
}

function render() {
  $("model").textContent = view.spec;
  $("depth").textContent = view.depth ? `step ${view.depth}` : "initial state";
  document.title = `paxraft explore: ${view.spec}`;
  renderState(view.state);
  renderInvariants();
  renderEnabled();
  renderHistory();
  renderInits();
  $("msc").replaceChildren(msc(view));
  $("back").disabled = view.depth === 0;
  $("forward").disabled = trail === view.path && !atLassoEnd();
  renderLasso();
  const sel = $("goal");
  if (!sel.options.length) {
    sel.append(el("option", { value: "invariants", text: "a violation of an invariant" }));
    for (const w of view.witnesses) sel.append(el("option", { value: w, text: `witness ${w}` }));
  }
}

function renderState(st) {
  const box = $("state");
  box.replaceChildren();
  if (st.rows.length) {
    const head = el("tr", {}, el("th", { text: "variable" }), ...st.processes.map((p) => el("th", { text: p })));
    const rows = st.rows.map((r) =>
      el("tr", {}, el("th", { text: r.var }),
        ...r.cells.map((c) => el("td", { class: c.changed ? "changed" : "", text: c.text }))));
    box.append(el("table", { id: "processes" }, head, ...rows));
  }
  const others = el("ul", { class: "others" });
  for (const o of st.others) {
    const li = el("li", {}, el("b", { class: o.changed ? "changed" : "", text: o.var + ": " }));
    if (o.items) {
      if (!o.items.length) li.append("{}");
      const ul = el("ul");
      for (const it of o.items) ul.append(el("li", { class: it.added ? "added" : "", text: it.text }));
      li.append(ul);
    } else {
      li.append(o.text);
    }
    others.append(li);
  }
  box.append(others);
}

function renderInvariants() {
  $("invariants").replaceChildren(...view.invariants.map((inv) => {
    const li = el("li", { class: inv.holds ? "holds" : "broken", "data-name": inv.name });
    li.append(inv.holds ? `${inv.name} holds` : `${inv.name} is violated`);
    if (!inv.holds) li.append(el("span", { class: "why", text: inv.why }));
    return li;
  }));
  if (view.outside) {  // the checker checks such a state but never expands it: the steps below leave the model
    $("invariants").append(el("li", { class: "outside", text: "This state is outside the state constraint: " +
      "the checker checks it but never expands it, so the steps below are not part of the model checked." }));
  }
}

function renderEnabled() {
  const items = view.enabled.map((a) => {
    const li = el("li", { class: a.violates ? "bad" : "" }, link(a.label, a.path));
    if (a.violates) li.append(el("span", { class: "note", text: `breaks ${a.violates}` }));
    if (a.stutter) li.append(el("span", { class: "stutter", text: "(changes nothing)" }));
    if (a.outside) li.append(el("span", { class: "stutter", text: "(leaves the state constraint)" }));
    return li;
  });
  const none = view.deadlock ? "none: a deadlock" : "none (outside the state constraint: not a deadlock, the checker " +
    "never expands this state)";
  $("enabled").replaceChildren(...(items.length ? items : [el("li", { text: none })]));
}

function renderHistory() {
  const onLasso = lasso && (lasso.end === view.path || lasso.end.startsWith(view.path + "/"));
  $("history").replaceChildren(...view.history.map((h, i) => {
    const li = el("li", { class: i === view.depth ? "current" : "" }, h.path === null ? h.label : link(h.label, h.path));
    if (onLasso && i === lasso.loop) li.append(el("span", { class: "loop", text: "the loop starts here" }));
    return li;
  }));
}

// A lasso's last state is state `loop` again: the behaviour goes round the loop for ever, and Forward goes on
// round it (to the state after `loop`), as the checker's text says "loop ends: back to state ...".
function atLassoEnd() {
  return lasso !== null && view.path === lasso.end && lasso.loop < view.depth;
}

function renderLasso() {
  const box = $("lasso");
  box.hidden = !atLassoEnd();
  if (box.hidden) return;
  const what = lasso.property ? `, and ${lasso.property} is violated: ` : ": ";
  box.textContent = `The loop closes: this state is state ${lasso.loop} again${what}the behaviour repeats steps ` +
    `${lasso.loop + 1}-${view.depth} for ever. Forward goes round the loop.`;
}

// A spec with several initial states: each one a link (the path "Init(k)"), the current one marked.
function renderInits() {
  const inits = view.inits;
  $("inits").hidden = inits.count < 2;
  $("initial").setAttribute("href", pageUrl(view.history[0].path));
  if (inits.count < 2) return;
  const more = inits.count > inits.listed.length ? `, the first ${inits.listed.length} listed (type Init(k) for the others)` : "";
  $("inits-summary").textContent = `${inits.count} initial states; this path starts from Init(${inits.current})${more}`;
  $("inits-list").replaceChildren(...inits.listed.map((it, k) => {
    const li = el("li", { class: k === inits.current ? "current" : "" }, link(it.label, it.path));
    li.append(" ", it.text);
    return li;
  }));
}

// The message-sequence chart: one lane per process, a dot per step, an arrow per message received.
function msc(v) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, val] of Object.entries(attrs)) e.setAttribute(k, val);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const lanes = v.lanes, W = 110, left = 40, top = 30, H = 26;
  const width = left + Math.max(lanes.length, 1) * W + 20, height = top + (v.events.length + 1) * H;
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, id: "msc-svg" });
  const defs = svg("defs", {});
  const marker = svg("marker", { id: "arrow", markerWidth: 8, markerHeight: 8, refX: 7, refY: 4, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L8,4 L0,8 z", fill: "#2c6fbb" }));
  defs.append(marker);
  root.append(defs);
  const x = (node) => left + lanes.indexOf(node) * W + W / 2;
  const y = (r) => top + (r + 1) * H;
  lanes.forEach((n) => {
    root.append(svg("text", { x: x(n), y: 16, "text-anchor": "middle", "font-size": 12, "font-weight": "bold" }, n));
    root.append(svg("line", { x1: x(n), y1: 22, x2: x(n), y2: height - 6, stroke: "#9aa7b8" }));
  });
  // Paired and bent by the server (render.chart_arrows), as paxraft check --out draws them: an arrow that would
  // run through other steps' dots is a curve whose control point is `bend` px off its middle (on its left).
  const toward = (p, q, d) => {
    const dx = q[0] - p[0], dy = q[1] - p[1], n = Math.hypot(dx, dy) || 1;
    return [p[0] + dx / n * d, p[1] + dy / n * d];
  };
  for (const a of v.arrows) {
    const p0 = [x(v.events[a.from].node), y(a.from)], p1 = [x(v.events[a.to].node), y(a.to)];
    const dx = p1[0] - p0[0], dy = p1[1] - p0[1], n = Math.hypot(dx, dy) || 1;
    const q = [(p0[0] + p1[0]) / 2 - dy / n * a.bend, (p0[1] + p1[1]) / 2 + dx / n * a.bend];
    const s = toward(p0, q, 4), e = toward(p1, q, 5);
    root.append(svg("path", { d: `M${s[0]},${s[1]} Q${q[0]},${q[1]} ${e[0]},${e[1]}`, fill: "none",
      stroke: "#2c6fbb", "stroke-width": 1.2, "marker-end": "url(#arrow)" }));
  }
  v.events.forEach((ev, r) => {
    const current = r === v.events.length - 1;
    root.append(svg("text", { x: 4, y: y(r) + 4, "font-size": 11, fill: "#5b6776" }, String(r + 1)));
    const dot = svg("circle", { cx: x(ev.node), cy: y(r), r: current ? 6 : 4, fill: current ? "#b00020" : "black" });
    dot.append(svg("title", {}, v.history[r + 1].label));
    root.append(dot);
    const name = v.history[r + 1].label.split("(")[0];
    root.append(svg("text", { x: x(ev.node) + 8, y: y(r) + 4, "font-size": 10 }, name));
  });
  return root;
}

async function runSearch() {
  const expr = $("expr").value.trim();
  const goal = expr || $("goal").value;
  const out = $("progress");
  out.textContent = "starting...";
  let job;
  try {
    job = (await getJson(`/api/search?path=${encodeURIComponent(view.path)}&goal=${encodeURIComponent(goal)}`)).job;
  } catch (err) {
    out.textContent = err.message;
    return;
  }
  for (;;) {
    const j = await getJson(`/api/job?id=${job}`);
    if (j.status === "running") {
      out.textContent = `searching: ${j.distinct.toLocaleString()} states, depth ${j.depth}`;
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    if (j.status === "error") { out.textContent = j.error; return; }
    out.replaceChildren(j.text);
    if (j.path !== undefined) {
      trail = j.path;
      out.append(" ", link("show the end of that path", j.path));
      $("forward").disabled = false;
    }
    return;
  }
}

async function loadTrace(file) {
  const text = await file.text();
  try {
    const { path, loop, property } = await getJson("/api/load", { method: "POST", body: text });
    lasso = loop === undefined ? null : { end: path, loop, property };
    await go("");
    trail = path;
    $("forward").disabled = !path;
    const round = lasso ? `, then round its loop (from step ${loop})` : "";
    $("loaded").textContent = `loaded ${file.name}: ${path ? path.split("/").length : 0} steps; Forward steps through it${round}`;
  } catch (err) {
    $("loaded").textContent = err.message;
  }
}

// The first step of a path: up to the first "/" outside a parameter's quotes and brackets (session.split_path).
function firstStep(path) {
  let depth = 0, quote = "", escaped = false;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (quote) { [escaped, quote] = [!escaped && ch === "\\", ch === quote && !escaped ? "" : quote]; }
    else if (ch === "'" || ch === '"') quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "/" && depth <= 0) return path.slice(0, i);
  }
  return path;
}

$("back").addEventListener("click", () => go(view.history[view.depth - 1].path));
$("forward").addEventListener("click", () => {
  if (atLassoEnd()) { go(view.history[lasso.loop + 1].path); return; }
  const rest = trail.slice(view.path.length).replace(/^\//, "");
  if (rest) go((view.path ? view.path + "/" : "") + firstStep(rest));
});
$("initial").addEventListener("click", (ev) => { ev.preventDefault(); go(view ? view.history[0].path : ""); });
$("run").addEventListener("click", runSearch);
$("itf").addEventListener("change", (ev) => { if (ev.target.files[0]) loadTrace(ev.target.files[0]); });
window.addEventListener("popstate", (ev) => go(ev.state ? ev.state.path : new URLSearchParams(location.search).get("path") || "", false));

// ?path=P opens the state P reaches; ?trail=T (what `explore --trace` prints) opens the initial state
// with Forward stepping along T (and round its loop from step L with &loop=L, for a lasso).
const query = new URLSearchParams(location.search);
const start = query.get("path") || "";
go(start, false).then(() => {
  history.replaceState({ path: start }, "", pageUrl(start));
  const loaded = query.get("trail");
  const loop = parseInt(query.get("loop"), 10);
  if (loaded && Number.isInteger(loop) && loop >= 0) lasso = { end: loaded, loop, property: null };
  if (loaded && view && loaded.startsWith(view.path)) { trail = loaded; render(); }
});
