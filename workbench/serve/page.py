"""The search page served at `/`: one static HTML file whose script calls /search and
/entities (with the token typed into it, kept in the browser's localStorage)."""

from __future__ import annotations

HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PyRAG Workbench</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d232a; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  form { display: flex; gap: .5rem; flex-wrap: wrap; }
  input, select, button { font: inherit; padding: .35rem .5rem; }
  #q { flex: 1 1 24rem; }
  #token { width: 10rem; }
  ol { padding-left: 1.5rem; }
  li { margin: .7rem 0; }
  .path { font-family: ui-monospace, monospace; font-weight: 600; }
  .meta { color: #5b6570; font-size: .85rem; }
  .sig { font-family: ui-monospace, monospace; font-size: .85rem; color: #3b4a5a; white-space: pre-wrap; }
  #status { color: #5b6570; margin: .8rem 0; }
  #status.error { color: #b00020; }
</style>
</head>
<body>
<h1>PyRAG Workbench</h1>
<form id="search">
  <input id="q" name="q" placeholder="search the APIs, e.g. read timeout" autofocus>
  <select id="mode" name="mode">
    <option value="hybrid">hybrid</option><option value="vector">vector</option>
    <option value="bm25">bm25</option>
  </select>
  <input id="token" name="token" type="password" placeholder="token (if any)">
  <button type="submit">Search</button>
</form>
<div id="status"></div>
<ol id="results"></ol>
<script>
const $ = (id) => document.getElementById(id);
$("token").value = localStorage.getItem("workbench-token") || "";
function headers() {
  const token = $("token").value.trim();
  localStorage.setItem("workbench-token", token);
  return token ? { Authorization: "Bearer " + token } : {};
}
function item(hit) {
  const li = document.createElement("li");
  li.className = "hit";
  const path = document.createElement("div");
  path.className = "path";
  path.textContent = hit.path;
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = hit.kind + " · " + hit.library + " · score " + hit.score.toFixed(4);
  const sig = document.createElement("div");
  sig.className = "sig";
  sig.textContent = hit.signature || "";
  const summary = document.createElement("div");
  summary.textContent = hit.summary || "";
  li.append(path, meta, sig, summary);
  return li;
}
async function run(q, mode) {
  $("status").className = "";
  $("status").textContent = "searching…";
  $("results").replaceChildren();
  const url = "/search?" + new URLSearchParams({ q, mode, k: "10" });
  try {
    const response = await fetch(url, { headers: headers() });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    $("results").replaceChildren(...body.map(item));
    $("status").textContent = body.length + " result(s) for “" + q + "”";
  } catch (error) {
    $("status").className = "error";
    $("status").textContent = "error: " + error.message;
  }
  document.body.dataset.done = "1";
}
$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("q").value.trim();
  if (q) { history.replaceState(null, "", "?q=" + encodeURIComponent(q)); run(q, $("mode").value); }
});
const initial = new URLSearchParams(location.search).get("q");
const initialMode = new URLSearchParams(location.search).get("mode") || "hybrid";
if (initial) { $("q").value = initial; $("mode").value = initialMode; run(initial, initialMode); }
</script>
</body>
</html>
"""
