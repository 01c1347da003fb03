/* kg site map: draws window.KG_MAP (assets/map-data.js, positions computed when the site was written) with
 * sigma.js (WebGL) over a graphology graph. Names are drawn as canvas text by sigma, never as HTML; a click
 * on a node opens its page. window.kgMap reports readiness for tests and the benchmark. */
(function () {
  "use strict";

  function start() {
    var container = document.getElementById("kg-map");
    var data = window.KG_MAP;
    var state = { ready: false, readyAt: null, nodeCount: 0, error: null };
    window.kgMap = state;
    if (!container || !data || typeof graphology === "undefined" || typeof Sigma === "undefined") { return; }
    var root = container.getAttribute("data-root") || "";
    var graph = new graphology.Graph({ multi: false, type: "undirected" });
    var colors = data.types.map(function (t) { return t.color; });
    var urls = [];
    data.nodes.forEach(function (n, i) {
      urls.push(n[5]);
      graph.addNode(String(i), { label: String(n[0]), x: n[1], y: -n[2], size: n[3], color: colors[n[4]] || "#64748b",
                                 kgType: data.types[n[4]] ? data.types[n[4]].type : "" });
    });
    // The site writes each pair once, never a node with itself: no lookups before adding, and keys given,
    // so graphology neither searches nor generates keys (a third of the load time at 50,000 edges).
    var count = data.nodes.length;
    for (var e = 0; e + 1 < data.edges.length; e += 2) {
      var a = data.edges[e], b = data.edges[e + 1];
      if (a !== b && a < count && b < count) {
        graph.addUndirectedEdgeWithKey(String(e >> 1), String(a), String(b), { size: 0.4, color: "#e3e8ee" });
      }
    }
    var renderer;
    try {
      renderer = new Sigma(graph, container, { settings: {
        labelRenderedSizeThreshold: 7, labelDensity: 0.7, labelGridCellSize: 110, hideEdgesOnMove: true,
        itemSizesReference: "screen",
        gestureTarget: "graph"
      } });
    } catch (err) {
      state.error = String(err);
      container.textContent = "The map needs WebGL, which this browser does not offer.";
      return;
    }
    state.sigma = renderer;
    state.graph = graph;
    state.nodeCount = graph.order;
    state.urls = urls;
    renderer.on("clickNode", function (event) {
      var url = state.urls[Number(event.node)];
      if (url) { window.location.href = root + url; }
    });
    renderer.on("enterNode", function () { container.style.cursor = "pointer"; });
    renderer.on("leaveNode", function () { container.style.cursor = ""; });
    function ready() {
      if (state.ready) { return; }
      state.ready = true;
      state.readyAt = performance.now();
      document.body.setAttribute("data-map-ready", "1");
    }
    renderer.once("afterRender", ready);
    renderer.refresh();
    window.requestAnimationFrame(function () { window.requestAnimationFrame(ready); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
