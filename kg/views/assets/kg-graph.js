/* kg graph views: draws the graph described by <script type="application/json" id="kg-graph-data"> with
 * vis-network. Every untrusted string (names, titles, aliases, evidence) reaches the page only through
 * textContent or canvas text; tooltips are DOM elements built here, never HTML strings. */
(function () {
  "use strict";

  function norm(text) {
    return String(text || "").toLowerCase().replace(/[\s\-_\u2010-\u2015/]+/g, " ").trim();
  }

  function tooltip(lines) {
    var box = document.createElement("div");
    box.className = "kg-tip";
    (lines || []).forEach(function (line, i) {
      var row = document.createElement("div");
      row.className = i === 0 ? "kg-tip-head" : "kg-tip-line";
      row.textContent = String(line);
      box.appendChild(row);
    });
    return box;
  }

  function swatch(style) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("viewBox", "0 0 14 14");
    var shape;
    var points = {
      diamond: "7,1 13,7 7,13 1,7", triangle: "7,1 13,13 1,13", triangleDown: "1,1 13,1 7,13",
      star: "7,1 8.8,5.2 13,5.5 9.8,8.4 10.8,13 7,10.6 3.2,13 4.2,8.4 1,5.5 5.2,5.2",
      hexagon: "4,1 10,1 13,7 10,13 4,13 1,7"
    };
    if (style.shape === "dot") {
      shape = document.createElementNS(ns, "circle");
      shape.setAttribute("cx", "7"); shape.setAttribute("cy", "7"); shape.setAttribute("r", "6");
    } else if (points[style.shape]) {
      shape = document.createElementNS(ns, "polygon");
      shape.setAttribute("points", points[style.shape]);
    } else {
      shape = document.createElementNS(ns, "rect");
      shape.setAttribute("x", "1"); shape.setAttribute("y", "1");
      shape.setAttribute("width", "12"); shape.setAttribute("height", "12");
    }
    shape.setAttribute("fill", style.color);
    svg.appendChild(shape);
    return svg;
  }

  function start() {
    var holder = document.getElementById("kg-graph-data");
    var container = document.getElementById("kg-graph");
    if (!holder || !container || typeof vis === "undefined") { return; }
    var data = JSON.parse(holder.textContent);
    var root = data.root || "";
    var names = {};
    data.nodes.forEach(function (n) {
      n.name = n.name || n.label;
      names[n.id] = n.name;
      if (n.hideLabel) { delete n.label; }
      if (n.tip) { n.title = tooltip(n.tip); }
    });
    data.edges.forEach(function (e, i) {
      var head = e.kgEdge ? (names[e.from] || e.from) + " \u2014 " + (names[e.to] || e.to)
        : (names[e.from] || e.from) + " \u2014" + (e.label || e.relation || "") + "\u2192 " + (names[e.to] || e.to);
      e.head = head;
      if (e.id === undefined) { e.id = "e" + i; }
      var tip = e.tip || (e.kgEdge === "SHARES_PAPERS" ? [e.weight + " shared paper" + (e.weight === 1 ? "" : "s") +
        " (click the edge to list them)"] : []);
      e.title = tooltip([head].concat(tip));
    });
    var nodes = new vis.DataSet(data.nodes);
    var edges = new vis.DataSet(data.edges);
    var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
    var state = { network: network, nodes: nodes, edges: edges, ready: false, readyAt: null,
                  nodeCount: data.nodes.length, center: data.center };
    window.kgView = state;

    function markReady() {
      if (state.ready) { return; }
      state.ready = true;
      state.readyAt = performance.now();
      document.body.setAttribute("data-graph-ready", "1");
    }
    if (data.options.physics && data.options.physics.enabled) {
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
        network.fit({ animation: false });
        markReady();
      });
      network.once("stabilized", markReady);
    } else {
      network.once("afterDrawing", markReady);
    }
    // The papers behind an edge of an entity graph, listed under the canvas when the edge is clicked.
    var panel = document.createElement("div");
    panel.id = "kg-edge-papers";
    panel.className = "kg-edge-papers";
    panel.hidden = true;
    container.parentNode.insertBefore(panel, container.nextSibling);
    function showPapers(edge) {
      panel.textContent = "";
      var head = document.createElement("div");
      head.className = "kg-edge-head";
      head.textContent = edge.head + ": " + (edge.weight || edge.papers.length) + " shared paper" +
        ((edge.weight || edge.papers.length) === 1 ? "" : "s") +
        (edge.weight > edge.papers.length ? " (first " + edge.papers.length + " listed)" : "");
      panel.appendChild(head);
      var list = document.createElement("ul");
      edge.papers.forEach(function (ref) {
        var row = (data.papers || [])[ref[0]] || ["?", "", ""];
        var p = { title: row[0], date: row[1], url: row[2],
                  sentences: (ref[1] || []).map(function (i) { return (data.sentences || [])[i]; }) };
        var item = document.createElement("li");
        var title;
        if (p.url && data.linkNodes) {
          title = document.createElement("a");
          title.setAttribute("href", root + p.url);
        } else {
          title = document.createElement("span");
        }
        title.className = "kg-edge-title";
        title.textContent = p.title + (p.date ? " (" + p.date + ")" : "");
        item.appendChild(title);
        (p.sentences || []).forEach(function (s) {
          var q = document.createElement("div");
          q.className = "kg-evidence";
          q.textContent = "\u201c" + s + "\u201d";
          item.appendChild(q);
        });
        list.appendChild(item);
      });
      panel.appendChild(list);
      panel.hidden = false;
    }
    state.showPapers = showPapers;
    network.on("click", function (params) {
      if (params.nodes.length === 0 && params.edges.length === 1) {
        var edge = edges.get(params.edges[0]);
        if (edge && edge.papers && edge.papers.length) { showPapers(edge); }
        return;
      }
      if (params.nodes.length !== 1) { return; }
      var node = nodes.get(params.nodes[0]);
      if (node && node.url && data.linkNodes) { window.location.href = root + node.url; }
    });

    // Legend with one checkbox per type: unticking hides that type's nodes.
    var legend = document.getElementById("kg-legend");
    if (legend) {
      (data.types || []).forEach(function (entry) {
        var label = document.createElement("label");
        label.className = "kg-legend-item";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.checked = true;
        box.setAttribute("data-type", entry.type);
        box.addEventListener("change", function () {
          var hidden = !box.checked;
          nodes.update(nodes.get({ filter: function (n) { return n.kgType === entry.type; } })
            .map(function (n) { return { id: n.id, hidden: hidden }; }));
        });
        label.appendChild(box);
        label.appendChild(swatch(entry));
        var text = document.createElement("span");
        text.textContent = entry.type + " (" + entry.count + ")";
        label.appendChild(text);
        legend.appendChild(label);
      });
    }

    // Search box: matches names and aliases; Enter or a click on a match selects and centres the node.
    var input = document.getElementById("kg-find");
    var list = document.getElementById("kg-find-results");
    function focusNode(id) {
      network.selectNodes([id]);
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    }
    function matches(query) {
      var q = norm(query);
      if (!q) { return []; }
      var found = nodes.get({ filter: function (n) { return n.find && n.find.indexOf(q) >= 0; } });
      found.sort(function (a, b) {
        var ea = norm(a.name) === q ? 0 : 1, eb = norm(b.name) === q ? 0 : 1;
        return ea - eb || (b.value || 0) - (a.value || 0);
      });
      return found.slice(0, 12);
    }
    if (input && list) {
      input.addEventListener("input", function () {
        list.textContent = "";
        matches(input.value).forEach(function (n) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = n.name + " \u2014 " + n.kgType;
          button.setAttribute("data-node", n.id);
          button.addEventListener("click", function () { focusNode(n.id); });
          item.appendChild(button);
          list.appendChild(item);
        });
      });
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        var first = matches(input.value)[0];
        if (first) { focusNode(first.id); }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
