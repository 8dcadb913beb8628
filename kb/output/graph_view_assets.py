"""The static parts of the HTML graph page: template, style sheet and script.

They are Python strings rather than package files so that the page is assembled from the
installed module alone. ``kb.output.graph.to_html`` fills the template, and allows exactly
this script and style sheet through the page's Content-Security-Policy (by hash), so the
page can load nothing from the network and run nothing else.

The script lays the graph out itself (a Fruchterman-Reingold force simulation, seeded, so a
page looks the same every time it is opened), draws it as SVG, and refines the layout in
small time slices so that a large graph shows at once and settles within a few seconds. The
default layout is a timeline, as Litmaps draws one: a paper's year fixes its x position and
the forces only spread papers up and down; the "network" layout lets them move freely. The
best-ranked papers carry labels (a label that would overlap a better one is left out), the
search box dims every paper whose title or authors do not match, and a click on a theme in the
legend hides or shows its papers. ``#<paper id>``, ``#search=words`` and ``#theme=Name`` in the
address open the page focused, searched or filtered. Every
text from the data is put on screen with ``textContent``; no data string is ever parsed as
HTML or used as a URL unless it is a Semantic Scholar paper address.
"""

PAGE_CSS = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
html, body { margin: 0; height: 100%; background: #fbfbfa; color: #1f2328; }
body { display: flex; flex-direction: column; }
header { display: flex; align-items: baseline; gap: 1em; padding: 8px 14px;
         border-bottom: 1px solid #e4e4e0; background: #fff; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header span { font-size: 13px; color: #59636e; }
header input { margin-left: auto; font: inherit; font-size: 13px; padding: 3px 8px; width: 16em;
               border: 1px solid #d0d7de; border-radius: 6px; }
header button { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid #d0d7de;
                border-radius: 6px; background: #f6f8fa; cursor: pointer; }
#kb-axis text { font-size: 11px; fill: #59636e; text-anchor: middle; }
#kb-axis line { stroke: #d8dee4; stroke-width: 1; }
#kb-nodes .node.off, #kb-labels text.off, #kb-edges line.off { display: none; }
#kb-graph.searching #kb-nodes .node:not(.match) { opacity: 0.12; }
#kb-graph.searching #kb-labels text:not(.match) { opacity: 0.12; }
#kb-nodes .node.match { stroke: #d1242f; stroke-width: 2.4; }
#kb-legend div.theme { cursor: pointer; border-radius: 4px; padding: 0 3px; }
#kb-legend div.theme:hover { background: #eef1f4; }
#kb-legend div.theme.off { opacity: 0.35; text-decoration: line-through; }
main { position: relative; flex: 1; min-height: 0; }
#kb-graph { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
#kb-graph.panning { cursor: grabbing; }
#kb-edges line { stroke: #8b949e; stroke-opacity: 0.35; stroke-width: 0.8; }
#kb-edges line.hot { stroke: #1f2328; stroke-opacity: 0.8; stroke-width: 1.4; }
#kb-nodes .node { stroke: #fff; stroke-width: 1.2; cursor: pointer; vector-effect: non-scaling-stroke; }
#kb-nodes .node.seed { stroke: #1f2328; stroke-width: 2.4; }
#kb-nodes .node:focus { outline: none; stroke: #d1242f; stroke-width: 3; }
#kb-graph.focus #kb-nodes .node.dim, #kb-graph.focus #kb-labels text.dim { opacity: 0.15; }
#kb-graph.focus #kb-edges line:not(.hot) { stroke-opacity: 0.06; }
#kb-labels text { font-size: 11px; fill: #1f2328; paint-order: stroke; stroke: #fbfbfa;
                  stroke-width: 3px; pointer-events: none; }
#kb-legend { position: absolute; top: 10px; right: 10px; background: rgba(255,255,255,0.92);
             border: 1px solid #e4e4e0; border-radius: 6px; padding: 8px 10px; font-size: 12px;
             max-height: 70%; overflow: auto; }
#kb-legend div { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
#kb-legend i { display: inline-block; width: 11px; height: 11px; border-radius: 50%; }
#kb-legend i.square { border-radius: 0; }
#kb-legend i.diamond { border-radius: 0; transform: scale(0.8) rotate(45deg); }
#kb-legend i.triangle { border-radius: 0; clip-path: polygon(50% 0, 100% 100%, 0 100%); }
#kb-help { position: absolute; bottom: 8px; left: 12px; font-size: 12px; color: #59636e; }
#kb-tooltip { position: absolute; pointer-events: none; max-width: 380px; background: #fff;
              border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; font-size: 12px;
              box-shadow: 0 4px 14px rgba(0,0,0,0.12); }
#kb-tooltip b { display: block; font-size: 13px; margin-bottom: 3px; }
#kb-tooltip div { color: #59636e; }
#kb-empty { position: absolute; top: 40%; width: 100%; text-align: center; color: #59636e; }
"""

PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%%CSP%%">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kb">
<title>%%TITLE%%</title>
<style>%%CSS%%</style>
</head>
<body>
<header><h1 id="kb-title"></h1><span id="kb-stats"></span>
<input id="kb-search" type="search" placeholder="Find a paper (title, author)" aria-label="Find a paper">
<button id="kb-layout" type="button">Network layout</button></header>
<main>
<svg id="kb-graph" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="kb-title">
<defs><marker id="kb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="5"
 markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8b949e"/></marker></defs>
<g id="kb-view"><g id="kb-axis"></g><g id="kb-edges"></g><g id="kb-nodes"></g><g id="kb-labels"></g></g>
</svg>
<div id="kb-legend" aria-label="themes"></div>
<div id="kb-help">Left to right: year. Size: rank. Colour: theme (click one to hide or show it).
 Dark ring: seed. Arrows point from citing to cited. Hover for details, click to open on
 Semantic Scholar, scroll to zoom, drag to pan. Add #paper-id to the address to focus one paper.</div>
<div id="kb-tooltip" hidden></div>
</main>
<script type="application/json" id="kb-data">%%DATA%%</script>
<script>%%JS%%</script>
</body>
</html>
"""

PAGE_JS = r"""
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var SHAPES = { square: "M-0.9,-0.9H0.9V0.9H-0.9Z", diamond: "M0,-1.25L1.25,0L0,1.25L-1.25,0Z",
                 triangle: "M0,-1.2L1.1,0.8H-1.1Z" };
  var S2 = /^https:\/\/www\.semanticscholar\.org\/paper\/[0-9a-f]{40}$/;
  var data = JSON.parse(document.getElementById("kb-data").textContent);
  var nodes = data.nodes || [], edges = data.edges || [];
  var n = nodes.length;
  var svg = document.getElementById("kb-graph");
  var view = document.getElementById("kb-view");
  var tip = document.getElementById("kb-tooltip");

  document.getElementById("kb-title").textContent = data.title || "kb citation graph";
  document.getElementById("kb-stats").textContent =
    n + (n === 1 ? " paper" : " papers") + " \u00b7 " + edges.length +
    (edges.length === 1 ? " citation" : " citations");

  var legend = document.getElementById("kb-legend");
  var hiddenThemes = {}, legendRows = {};
  (data.legend || []).forEach(function (g) {
    var row = document.createElement("div");
    row.className = "theme";
    row.setAttribute("role", "button");
    row.setAttribute("tabindex", "0");
    row.title = "Click to hide or show these papers";
    var dot = document.createElement("i");
    dot.style.background = safeColor(g.color);
    if (SHAPES[g.shape]) dot.className = g.shape;
    var label = document.createElement("span");
    label.textContent = g.name + " (" + g.count + ")";
    row.appendChild(dot); row.appendChild(label); legend.appendChild(row);
    legendRows[g.name] = row;
    row.addEventListener("click", function () { toggleTheme(g.name); });
    row.addEventListener("keydown", function (ev) { if (ev.key === "Enter") toggleTheme(g.name); });
  });
  if (!(data.legend || []).length) legend.hidden = true;

  function safeColor(c) { return /^#[0-9a-fA-F]{6}$/.test(c || "") ? c : "#9aa0a6"; }

  // Seeded PRNG (mulberry32): the same data gives the same picture.
  var seed = 0x9e3779b9;
  function rand() {
    seed |= 0; seed = seed + 0x6D2B79F5 | 0;
    var t = Math.imul(seed ^ seed >>> 15, 1 | seed);
    t = t + Math.imul(t ^ t >>> 7, 61 | t) ^ t;
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  }

  var k = 60;                                    // ideal edge length
  var spread = Math.sqrt(Math.max(n, 1)) * k * 0.6;
  var x = new Float64Array(n), y = new Float64Array(n);
  var dx = new Float64Array(n), dy = new Float64Array(n);
  for (var i = 0; i < n; i++) {
    var d = nodes[i].distance;                   // seeds start near the centre
    var r = spread * (d === null || d === undefined ? 1 : Math.min(1, 0.25 + 0.3 * d));
    var a = rand() * 2 * Math.PI, rr = r * Math.sqrt(rand());
    x[i] = Math.cos(a) * rr; y[i] = Math.sin(a) * rr;
  }
  // Timeline: a paper's year fixes x (papers without a year stand in a column on the left).
  var years = nodes.map(function (node) { return typeof node.year === "number" ? node.year : null; });
  var known = years.filter(function (v) { return v !== null; });
  var minYear = known.length ? Math.min.apply(null, known) : 0;
  var maxYear = known.length ? Math.max.apply(null, known) : 0;
  var span = Math.max(spread * 2.4, 300), perYear = span / Math.max(1, maxYear - minYear);
  function yearX(v) { return v === null ? -span / 2 - Math.max(60, perYear) : -span / 2 + (v - minYear) * perYear; }
  var tx = new Float64Array(n);
  // Within its year a paper keeps a little room of its own, so one year's papers do not
  // stack on one vertical line.
  for (i = 0; i < n; i++) tx[i] = yearX(years[i]) + (rand() - 0.5) * Math.min(perYear, 80) * 0.6;
  var mode = "timeline";
  function pin() { if (mode === "timeline") for (var i = 0; i < n; i++) x[i] = tx[i]; }
  pin();
  var neighbours = [];
  for (i = 0; i < n; i++) neighbours.push([]);
  var goodEdges = edges.filter(function (e) {
    return e[0] >= 0 && e[0] < n && e[1] >= 0 && e[1] < n && e[0] !== e[1];
  });
  goodEdges.forEach(function (e, j) { neighbours[e[0]].push(j); neighbours[e[1]].push(j); });

  var maxIter = n > 1000 ? 150 : 300, iter = 0, temp0 = k * 2;   // big graphs settle sooner
  function step() {
    var k2 = k * k, temp = temp0 * (1 - iter / maxIter) + 0.5, i, j;
    for (i = 0; i < n; i++) { dx[i] = 0; dy[i] = 0; }
    for (i = 0; i < n; i++) {
      var xi = x[i], yi = y[i];
      for (j = i + 1; j < n; j++) {
        var ex = xi - x[j], ey = yi - y[j], d2 = ex * ex + ey * ey + 0.01;
        if (d2 > 250000) continue;                // ignore far pairs: ~500 units
        var f = k2 / d2;
        dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
      }
    }
    for (j = 0; j < goodEdges.length; j++) {
      var s = goodEdges[j][0], t = goodEdges[j][1];
      var ux = x[s] - x[t], uy = y[s] - y[t], dist = Math.sqrt(ux * ux + uy * uy) + 0.01;
      var g = dist / k;
      dx[s] -= ux * g; dy[s] -= uy * g; dx[t] += ux * g; dy[t] += uy * g;
    }
    for (i = 0; i < n; i++) {
      dx[i] -= x[i] * 0.02; dy[i] -= y[i] * 0.02;   // gravity keeps components together
      var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
      if (len > 0) { var m = Math.min(len, temp) / len; x[i] += dx[i] * m; y[i] += dy[i] * m; }
    }
    pin();
    iter++;
  }

  // -- drawing ---------------------------------------------------------------------------
  var edgeG = document.getElementById("kb-edges"), nodeG = document.getElementById("kb-nodes");
  var labelG = document.getElementById("kb-labels");
  var lines = goodEdges.map(function () {
    var l = document.createElementNS(SVG, "line");
    l.setAttribute("marker-end", "url(#kb-arrow)");
    edgeG.appendChild(l);
    return l;
  });
  // Beyond the palette's 20 themes a node's shape tells themes apart: a circle of radius r, or
  // one of these unit paths scaled by r.
  var radii = nodes.map(function (node) { return Math.max(2, Math.min(40, +node.size || 5)); });
  var circles = nodes.map(function (node, i) {
    var path = SHAPES[node.shape];
    var c = document.createElementNS(SVG, path ? "path" : "circle");
    if (path) c.setAttribute("d", path); else c.setAttribute("r", String(radii[i]));
    c.setAttribute("fill", safeColor(node.color));
    c.setAttribute("tabindex", "0");
    c.setAttribute("data-index", String(i));
    c.setAttribute("class", node.seed ? "node seed" : "node");
    var t = document.createElementNS(SVG, "title");
    t.textContent = node.title + (node.year ? " (" + node.year + ")" : "");
    c.appendChild(t);
    c.addEventListener("mouseenter", function (ev) { focusNode(i, ev); });
    c.addEventListener("mousemove", moveTip);
    c.addEventListener("mouseleave", unfocus);
    c.addEventListener("focus", function () { focusNode(i, null); });
    c.addEventListener("blur", unfocus);
    c.addEventListener("click", function () { openNode(i); });
    c.addEventListener("keydown", function (ev) { if (ev.key === "Enter") openNode(i); });
    nodeG.appendChild(c);
    return c;
  });
  // Label the best-ranked papers so the picture can be read without hovering.
  var order = nodes.map(function (_, i) { return i; }).sort(function (a, b) {
    return (nodes[b].rank || 0) - (nodes[a].rank || 0) || a - b;
  });
  var labelled = order.filter(function (i) { return nodes[i].rank > 0; }).slice(0, 40);
  var labels = labelled.map(function (i) {
    var t = document.createElementNS(SVG, "text");
    var title = String(nodes[i].title || "");
    t.textContent = title.length > 48 ? title.slice(0, 47) + "\u2026" : title;
    labelG.appendChild(t);
    return t;
  });

  function radius(i) { return radii[i]; }
  function draw() {
    for (var j = 0; j < goodEdges.length; j++) {
      var s = goodEdges[j][0], t = goodEdges[j][1];
      var ux = x[t] - x[s], uy = y[t] - y[s], d = Math.sqrt(ux * ux + uy * uy) || 1;
      var rs = radius(s), rt = radius(t) + 1.5;
      lines[j].setAttribute("x1", (x[s] + ux / d * rs).toFixed(1));
      lines[j].setAttribute("y1", (y[s] + uy / d * rs).toFixed(1));
      lines[j].setAttribute("x2", (x[t] - ux / d * rt).toFixed(1));
      lines[j].setAttribute("y2", (y[t] - uy / d * rt).toFixed(1));
    }
    for (var i = 0; i < n; i++) {
      if (circles[i].tagName === "circle") {
        circles[i].setAttribute("cx", x[i].toFixed(1));
        circles[i].setAttribute("cy", y[i].toFixed(1));
      } else {
        circles[i].setAttribute("transform", "translate(" + x[i].toFixed(1) + "," + y[i].toFixed(1) +
                                ") scale(" + radii[i] + ")");
      }
    }
    // Labels in rank order; one that would overlap a better one (or its circle) is left out.
    var rect = svg.getBoundingClientRect(), unit = rect.width > 0 ? box.w / rect.width : 1;
    var placed = [], shown = 0;
    labelled.forEach(function (i, m) {
      var lx = x[i] + radius(i) + 3, ly = y[i] + 4;
      labels[m].setAttribute("x", lx.toFixed(1));
      labels[m].setAttribute("y", ly.toFixed(1));
      var w = labels[m].textContent.length * 6.2 * unit, h = 13 * unit;
      var b = { x0: lx, y0: ly - h, x1: lx + w, y1: ly + 3 * unit };
      var free = !circles[i].classList.contains("off") && placed.every(function (o) {
        return b.x1 < o.x0 || b.x0 > o.x1 || b.y1 < o.y0 || b.y0 > o.y1;
      });
      labels[m].setAttribute("visibility", free ? "visible" : "hidden");
      if (free) { placed.push(b); shown++; }
    });
    document.body.setAttribute("data-labels-shown", String(shown));
    drawAxis();
  }

  // -- the year axis of the timeline -----------------------------------------------------
  var axisG = document.getElementById("kb-axis");
  function drawAxis() {
    while (axisG.firstChild) axisG.removeChild(axisG.firstChild);
    if (mode !== "timeline" || !known.length || !n) return;
    var top = Infinity, bottom = -Infinity;
    for (var i = 0; i < n; i++) { top = Math.min(top, y[i] - radius(i)); bottom = Math.max(bottom, y[i] + radius(i)); }
    var every = Math.max(1, Math.ceil(36 / perYear));          // a tick at least ~36 units apart
    for (var v = minYear; v <= maxYear; v += every) {
      var gx = yearX(v).toFixed(1);
      var l = document.createElementNS(SVG, "line");
      l.setAttribute("x1", gx); l.setAttribute("x2", gx);
      l.setAttribute("y1", (top - 14).toFixed(1)); l.setAttribute("y2", bottom.toFixed(1));
      axisG.appendChild(l);
      var t = document.createElementNS(SVG, "text");
      t.setAttribute("x", gx); t.setAttribute("y", (top - 20).toFixed(1));
      t.textContent = String(v);
      axisG.appendChild(t);
    }
    if (years.indexOf(null) >= 0) {
      var nd = document.createElementNS(SVG, "text");
      nd.setAttribute("x", yearX(null).toFixed(1)); nd.setAttribute("y", (top - 20).toFixed(1));
      nd.textContent = "n.d.";
      axisG.appendChild(nd);
    }
  }

  // -- view box: fit, zoom, pan ----------------------------------------------------------
  var box = { x: -100, y: -100, w: 200, h: 200 }, userMoved = false;
  function applyBox() {
    svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].map(function (v) {
      return v.toFixed(1); }).join(" "));
    // Labels keep the same size on screen whatever the zoom.
    var rect = svg.getBoundingClientRect();
    var unit = rect.width > 0 ? box.w / rect.width : 1;
    labels.forEach(function (t) {
      t.style.fontSize = (11 * unit).toFixed(2) + "px";
      t.style.strokeWidth = (3 * unit).toFixed(2) + "px";
    });
    Array.prototype.forEach.call(axisG.querySelectorAll("text"), function (t) {
      t.style.fontSize = (11 * unit).toFixed(2) + "px";
    });
  }
  function fit() {
    if (!n) { applyBox(); return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (var i = 0; i < n; i++) {
      var r = radius(i);
      minX = Math.min(minX, x[i] - r); maxX = Math.max(maxX, x[i] + r + (labelled.indexOf(i) >= 0 ? 160 : 0));
      minY = Math.min(minY, y[i] - r - (mode === "timeline" ? 40 : 0)); maxY = Math.max(maxY, y[i] + r);
    }
    var pad = 30, rect = svg.getBoundingClientRect();
    var w = maxX - minX + 2 * pad, h = maxY - minY + 2 * pad;
    var aspect = rect.width > 0 && rect.height > 0 ? rect.width / rect.height : 1.5;
    if (w / h < aspect) { var nw = h * aspect; minX -= (nw - w) / 2; w = nw; }
    else { var nh = w / aspect; minY -= (nh - h) / 2; h = nh; }
    var least = rect.width > 0 ? rect.width / 1.4 : 0;   // do not blow a small graph up
    if (w < least) { var grow = least / w; minX -= (w * grow - w) / 2; minY -= (h * grow - h) / 2;
                     w *= grow; h *= grow; }
    box = { x: minX - pad, y: minY - pad, w: w, h: h };
    applyBox();
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault(); userMoved = true;
    var rect = svg.getBoundingClientRect();
    var fx = (ev.clientX - rect.left) / rect.width, fy = (ev.clientY - rect.top) / rect.height;
    var z = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    var px = box.x + fx * box.w, py = box.y + fy * box.h;
    box.w *= z; box.h *= z; box.x = px - fx * box.w; box.y = py - fy * box.h;
    applyBox();
  }, { passive: false });
  var pan = null;
  svg.addEventListener("pointerdown", function (ev) {
    if (ev.target.classList && ev.target.classList.contains("node")) return;
    pan = { x: ev.clientX, y: ev.clientY, bx: box.x, by: box.y };
    svg.classList.add("panning"); userMoved = true;
  });
  window.addEventListener("pointermove", function (ev) {
    if (!pan) return;
    var rect = svg.getBoundingClientRect();
    box.x = pan.bx - (ev.clientX - pan.x) * box.w / rect.width;
    box.y = pan.by - (ev.clientY - pan.y) * box.h / rect.height;
    applyBox();
  });
  window.addEventListener("pointerup", function () { pan = null; svg.classList.remove("panning"); });

  // -- hover and click -------------------------------------------------------------------
  function line(parent, tag, text) {
    if (!text) return;
    var el = document.createElement(tag); el.textContent = text; parent.appendChild(el);
  }
  function focusNode(i, ev) {
    var node = nodes[i];
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    line(tip, "b", node.title);
    line(tip, "div", node.authors);
    line(tip, "div", [node.year, node.venue].filter(Boolean).join(" \u00b7 "));
    line(tip, "div", "Theme: " + node.theme);
    var facts = [];
    if (node.seed) facts.push("seed");
    else if (node.distance !== null && node.distance !== undefined) facts.push(node.distance + " hops from a seed");
    if (node.citations !== null && node.citations !== undefined) facts.push(node.citations + " citations");
    if (node.rank) facts.push("rank " + Number(node.rank).toExponential(2));
    line(tip, "div", facts.join(" \u00b7 "));
    tip.hidden = false;
    if (ev) moveTip(ev); else placeTip(circles[i].getBoundingClientRect());
    var hot = {}; hot[i] = true;
    neighbours[i].forEach(function (j) {
      lines[j].classList.add("hot"); hot[goodEdges[j][0]] = true; hot[goodEdges[j][1]] = true;
    });
    circles.forEach(function (c, m) { c.classList.toggle("dim", !hot[m]); });
    labels.forEach(function (t, m) { t.classList.toggle("dim", !hot[labelled[m]]); });
    svg.classList.add("focus");
  }
  function placeTip(rect) {
    var host = tip.parentNode.getBoundingClientRect();
    var left = rect.right - host.left + 12, top = rect.top - host.top + 12;
    if (left + tip.offsetWidth > host.width) left = Math.max(0, rect.left - host.left - tip.offsetWidth - 12);
    if (top + tip.offsetHeight > host.height) top = Math.max(0, host.height - tip.offsetHeight - 4);
    tip.style.left = left + "px"; tip.style.top = top + "px";
  }
  function moveTip(ev) {
    placeTip({ left: ev.clientX, right: ev.clientX, top: ev.clientY });
  }
  function unfocus() {
    tip.hidden = true;
    svg.classList.remove("focus");
    lines.forEach(function (l) { l.classList.remove("hot"); });
  }
  function openNode(i) {
    var url = nodes[i].url;
    if (typeof url === "string" && S2.test(url)) window.open(url, "_blank", "noopener,noreferrer");
  }

  // -- search, theme filter, layout -------------------------------------------------------
  var search = document.getElementById("kb-search");
  var haystack = nodes.map(function (node) {
    return (String(node.title || "") + " " + String(node.authors || "")).toLowerCase();
  });
  function setSearch(text) {
    var words = String(text || "").toLowerCase().split(/\s+/).filter(Boolean), hits = [];
    circles.forEach(function (c, i) {
      var match = words.length > 0 && words.every(function (w) { return haystack[i].indexOf(w) >= 0; });
      c.classList.toggle("match", match);
      if (match) hits.push(i);
    });
    labels.forEach(function (t, m) { t.classList.toggle("match", circles[labelled[m]].classList.contains("match")); });
    svg.classList.toggle("searching", words.length > 0);
    document.body.setAttribute("data-search-matches", String(hits.length));
    return hits;
  }
  search.addEventListener("input", function () { setSearch(search.value); });
  search.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter") return;
    var hits = setSearch(search.value);
    if (hits.length) { circles[hits[0]].focus(); }
  });
  function applyThemes() {
    var shown = 0;
    circles.forEach(function (c, i) {
      var off = !!hiddenThemes[nodes[i].theme];
      c.classList.toggle("off", off);
      if (!off) shown++;
    });
    lines.forEach(function (l, j) {
      l.classList.toggle("off", circles[goodEdges[j][0]].classList.contains("off") ||
                                circles[goodEdges[j][1]].classList.contains("off"));
    });
    labels.forEach(function (t, m) { t.classList.toggle("off", circles[labelled[m]].classList.contains("off")); });
    Object.keys(legendRows).forEach(function (name) { legendRows[name].classList.toggle("off", !!hiddenThemes[name]); });
    document.body.setAttribute("data-visible-nodes", String(shown));
    draw();
  }
  function toggleTheme(name) { hiddenThemes[name] = !hiddenThemes[name]; applyThemes(); }
  function onlyTheme(name) {
    Object.keys(legendRows).forEach(function (other) { hiddenThemes[other] = other !== name; });
    applyThemes();
  }
  var layoutButton = document.getElementById("kb-layout");
  layoutButton.addEventListener("click", function () {
    mode = mode === "timeline" ? "network" : "timeline";
    layoutButton.textContent = mode === "timeline" ? "Network layout" : "Timeline layout";
    document.body.setAttribute("data-layout", mode);
    pin(); iter = 0; userMoved = false;
    if (!running) { running = true; setTimeout(tick, 0); }
  });
  document.body.setAttribute("data-layout", mode);

  // -- run -------------------------------------------------------------------------------
  if (!n) {
    var empty = document.createElement("div");
    empty.id = "kb-empty"; empty.textContent = "No papers match this selection.";
    svg.parentNode.appendChild(empty);
  }
  var warmStart = Date.now();
  while (iter < maxIter && Date.now() - warmStart < 150) step();
  fit(); draw();
  document.body.setAttribute("data-rendered-nodes", String(nodeG.querySelectorAll(".node").length));
  document.body.setAttribute("data-rendered-edges", String(edgeG.querySelectorAll("line").length));
  // graph.html#<paper id> opens with that paper focused (a link to one paper in the graph);
  // #search=words with those words searched; #theme=Name with only that theme shown.
  function focusFromHash() {
    var wanted = decodeURIComponent((location.hash || "").slice(1));
    if (wanted.indexOf("search=") === 0) { search.value = wanted.slice(7); setSearch(search.value); return; }
    if (wanted.indexOf("theme=") === 0) { onlyTheme(wanted.slice(6)); return; }
    for (var i = 0; i < n; i++) {
      if (wanted && nodes[i].id === wanted) { focusNode(i, null); return; }
    }
  }
  window.addEventListener("hashchange", focusFromHash);
  var running = false;
  function tick() {
    var start = Date.now();
    while (iter < maxIter && Date.now() - start < 14) step();
    if (!userMoved) fit();
    draw();
    if (iter < maxIter) setTimeout(tick, 0);
    else done();
  }
  function done() {
    running = false;
    document.body.setAttribute("data-layout-done", "1");
    focusFromHash();
  }
  if (iter < maxIter) { running = true; setTimeout(tick, 0); }
  else done();
})();
"""
