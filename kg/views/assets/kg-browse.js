/* kg browse pages: filter the rows of table#kg-browse by name as the user types, and sort by any column
 * (click its header; again to reverse). Sort keys come from data-key attributes, never from cell HTML. */
(function () {
  "use strict";

  function norm(text) {
    return String(text || "").toLowerCase().replace(/[\s\-_\u2010-\u2015/]+/g, " ").trim();
  }

  function start() {
    var table = document.getElementById("kg-browse");
    if (!table) { return; }
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keys = rows.map(function (row) { return norm(row.cells[0].getAttribute("data-key")); });
    var input = document.getElementById("kg-filter");
    var status = document.getElementById("kg-filter-status");
    function filter() {
      var q = norm(input ? input.value : "");
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = !q || keys[i].indexOf(q) >= 0;
        rows[i].hidden = !hit;
        if (hit) { shown++; }
      }
      if (status) { status.textContent = q ? shown + " of " + rows.length + " shown" : rows.length + " in all"; }
      document.body.setAttribute("data-filtered", q ? "1" : "0");
    }
    if (input) { input.addEventListener("input", filter); }
    filter();
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, column) {
      th.tabIndex = 0;
      function sort() {
        var descending = th.getAttribute("aria-sort") !== "descending";
        if (th.getAttribute("aria-sort") === null && th.getAttribute("data-sort") === "text") { descending = false; }
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var numeric = th.getAttribute("data-sort") === "num";
        var order = rows.map(function (row, i) {
          var key = row.cells[column].getAttribute("data-key") || "";
          return [numeric ? parseFloat(key) || 0 : key, i];
        });
        order.sort(function (a, b) {
          var c = a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
          if (a[0] === "" && b[0] !== "") { return 1; }
          if (b[0] === "" && a[0] !== "") { return -1; }
          return descending ? -c : c;
        });
        var fragment = document.createDocumentFragment();
        order.forEach(function (item) { fragment.appendChild(rows[item[1]]); });
        body.appendChild(fragment);
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
