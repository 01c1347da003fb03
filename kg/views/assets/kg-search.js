/* kg site search: filters window.KG_INDEX (assets/search-index.js) as the user types. Entries are
 * [label, type, url, searchable text, papers]; results are built with textContent only. */
(function () {
  "use strict";

  function norm(text) {
    return String(text || "").toLowerCase().replace(/[\s\-_\u2010-\u2015/]+/g, " ").trim();
  }

  function start() {
    var input = document.getElementById("kg-search");
    var list = document.getElementById("kg-search-results");
    var index = (window.KG_INDEX && window.KG_INDEX.entries) || [];
    if (!input || !list) { return; }
    var root = input.getAttribute("data-root") || "";
    function run() {
      var q = norm(input.value);
      list.textContent = "";
      if (!q) { return; }
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
      var status = document.getElementById("kg-search-status");
      if (status) { status.textContent = hits.length ? hits.length + (hits.length >= 500 ? "+" : "") + (hits.length === 1 ? " match" : " matches") : "no matches"; }
    }
    input.addEventListener("input", run);
    run();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
