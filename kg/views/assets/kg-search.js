/* kg site search: filters window.KG_INDEX (assets/search-index.js) as the user types. Entries are
 * [label, type, url, searchable text, papers]; results are built with textContent only.
 * The index is large on a large site (tens of MB), so it is loaded only when the search box is first
 * focused or typed into (a <script> added then, which works from file:// too): the map and the rest of
 * the index page never wait for it. */
(function () {
  "use strict";

  function norm(text) {
    return String(text || "").toLowerCase().replace(/[\s\-_\u2010-\u2015/]+/g, " ").trim();
  }

  function start() {
    var input = document.getElementById("kg-search");
    var list = document.getElementById("kg-search-results");
    var status = document.getElementById("kg-search-status");
    if (!input || !list) { return; }
    var root = input.getAttribute("data-root") || "";
    var source = input.getAttribute("data-index");
    var state = { loaded: !!window.KG_INDEX, loading: false, failed: false };
    window.kgSearch = state;

    function say(text) { if (status) { status.textContent = text; } }

    function run() {
      var q = norm(input.value);
      list.textContent = "";
      if (!q) { say(""); return; }
      if (!state.loaded) { say(state.failed ? "the search index could not be loaded" : "loading the index\u2026"); return; }
      var index = (window.KG_INDEX && window.KG_INDEX.entries) || [];
      var hits = [];
      for (var i = 0; i < index.length && hits.length < 500; i++) {
        var where = index[i][3].indexOf(q);
        if (where >= 0) { hits.push([norm(index[i][0]) === q ? 0 : (where === 0 ? 1 : 2), i]); }
      }
      hits.sort(function (a, b) { return a[0] - b[0] || index[b[1]][4] - index[a[1]][4] || a[1] - b[1]; });
      hits.slice(0, 50).forEach(function (hit) {
        var entry = index[hit[1]];
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.setAttribute("href", root + entry[2]);
        link.textContent = entry[0];
        var kind = document.createElement("span");
        kind.className = "kg-type kg-type-" + String(entry[1]).replace(/[^A-Za-z]/g, "");
        kind.textContent = entry[1];
        item.appendChild(link);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(kind);
        list.appendChild(item);
      });
      say(hits.length ? hits.length + (hits.length >= 500 ? "+" : "") + (hits.length === 1 ? " match" : " matches") : "no matches");
      state.query = q;
    }

    function load() {
      if (state.loaded || state.loading || !source) { return; }
      state.loading = true;
      var tag = document.createElement("script");
      tag.src = root + source;
      tag.onload = function () { state.loading = false; state.loaded = !!window.KG_INDEX; state.failed = !state.loaded; run(); };
      tag.onerror = function () { state.loading = false; state.failed = true; run(); };
      document.body.appendChild(tag);
    }

    input.addEventListener("focus", load);
    input.addEventListener("input", function () { load(); run(); });
    if (input.value) { load(); }
    run();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
