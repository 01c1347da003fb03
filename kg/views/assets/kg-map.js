/* kg site map: draws window.KG_MAP (assets/map-data.js: columns of names, positions computed when the site
 * was written, paper counts, types, pages, and the links drawn) with one small WebGL program: every node is
 * one point, every link one line, two draw calls a frame. Software WebGL (no GPU) pays per draw and per
 * instance, so this draws a 17,000-node map in a tenth of the time an instanced renderer does.
 * Picking is done here from a grid of the positions, labels are canvas text on an overlay (names are never
 * HTML), a click on a node opens its page. window.kgMap reports readiness for tests and the benchmark. */
(function () {
  "use strict";

  var VERTEX = [
    "attribute vec2 a_pos; attribute float a_size; attribute vec4 a_color;",
    "uniform vec2 u_center; uniform vec2 u_scale; uniform float u_grow; uniform float u_max;",
    "varying vec4 v_color;",
    "void main() {",
    "  gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);",
    "  gl_PointSize = min(a_size * u_grow, u_max);",
    "  v_color = a_color;",
    "}"].join("\n");
  var FRAGMENT = [
    "precision mediump float; varying vec4 v_color; uniform float u_points;",
    "void main() {",
    "  float a = 1.0;",
    "  if (u_points > 0.5) {",
    "    vec2 d = gl_PointCoord * 2.0 - 1.0;",
    "    float r = dot(d, d);",
    "    if (r > 1.0) { discard; }",
    "    a = 1.0 - smoothstep(0.7, 1.0, r);",
    "  }",
    "  gl_FragColor = vec4(v_color.rgb * v_color.a * a, v_color.a * a);",
    "}"].join("\n");
  var EDGE_COLOR = [0xe3, 0xe8, 0xee];
  var LABEL_MIN_RADIUS = 6, LABEL_ALWAYS = 40;  // px; beyond the 40 most used, smaller nodes are named on hover
  var LABEL_MAX = 120, LABEL_BUCKET = 64, LABEL_FONT = "12px system-ui, sans-serif";
  var ZOOM_STEP = 1.7;

  function hexColor(hex) {
    var v = parseInt(String(hex).replace("#", ""), 16) || 0x64748b;
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  function compile(gl) {
    var program = gl.createProgram();
    [[gl.VERTEX_SHADER, VERTEX], [gl.FRAGMENT_SHADER, FRAGMENT]].forEach(function (pair) {
      var shader = gl.createShader(pair[0]);
      gl.shaderSource(shader, pair[1]);
      gl.compileShader(shader);
      gl.attachShader(program, shader);
    });
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) { throw new Error(gl.getProgramInfoLog(program)); }
    return program;
  }

  function buffer(gl, array) {
    var b = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.bufferData(gl.ARRAY_BUFFER, array, gl.STATIC_DRAW);
    return b;
  }

  function start() {
    var container = document.getElementById("kg-map");
    var data = window.KG_MAP;
    var state = { ready: false, readyAt: null, nodeCount: 0, edgeCount: 0, error: null, hovered: -1 };
    window.kgMap = state;
    if (!container || !data) { return; }
    var root = container.getAttribute("data-root") || "";
    var n = data.names.length;
    var xs = new Float32Array(n), ys = new Float32Array(n), radius = new Float32Array(n);
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, maxRadius = 1;
    for (var i = 0; i < n; i++) {
      xs[i] = data.x[i];
      ys[i] = -data.y[i];
      radius[i] = 1.5 + 1.3 * Math.log(Math.max(data.papers[i], 1)) / Math.LN2;
      if (radius[i] > maxRadius) { maxRadius = radius[i]; }
      if (xs[i] < minX) { minX = xs[i]; } if (xs[i] > maxX) { maxX = xs[i]; }
      if (ys[i] < minY) { minY = ys[i]; } if (ys[i] > maxY) { maxY = ys[i]; }
    }
    if (!n) { minX = minY = -1; maxX = maxY = 1; }

    var canvas = document.createElement("canvas"), overlay = document.createElement("canvas");
    canvas.className = "kg-map-gl";
    overlay.className = "kg-map-labels";
    container.appendChild(canvas);
    container.appendChild(overlay);
    var gl = canvas.getContext("webgl", { antialias: false, alpha: true, premultipliedAlpha: true });
    if (!gl) {
      state.error = "no WebGL";
      container.textContent = "The map needs WebGL, which this browser does not offer.";
      return;
    }
    var program;
    try {
      program = compile(gl);
    } catch (err) {
      state.error = String(err);
      container.textContent = "The map needs WebGL, which this browser does not offer.";
      return;
    }
    var ctx = overlay.getContext("2d");

    // Nodes drawn most used last, so that they lie on top; one vertex each: x, y, diameter, colour.
    var colors = data.types.map(function (t) { return hexColor(t.color); });
    var pos = new Float32Array(2 * n), size = new Float32Array(n), rgba = new Uint8Array(4 * n);
    for (var k = 0; k < n; k++) {
      var j = n - 1 - k, c = colors[data.kind[j]] || [0x64, 0x74, 0x8b];
      pos[2 * k] = xs[j]; pos[2 * k + 1] = ys[j]; size[k] = 2 * radius[j];
      rgba[4 * k] = c[0]; rgba[4 * k + 1] = c[1]; rgba[4 * k + 2] = c[2]; rgba[4 * k + 3] = 255;
    }
    var links = [];
    for (var e = 0; e + 1 < data.edges.length; e += 2) {
      var a = data.edges[e], b = data.edges[e + 1];
      if (a !== b && a < n && b < n) { links.push(a, b); }
    }
    var m = links.length;
    var edgePos = new Float32Array(2 * m), edgeSize = new Float32Array(m), edgeRgba = new Uint8Array(4 * m);
    for (var v = 0; v < m; v++) {
      edgePos[2 * v] = xs[links[v]]; edgePos[2 * v + 1] = ys[links[v]]; edgeSize[v] = 1;
      edgeRgba[4 * v] = EDGE_COLOR[0]; edgeRgba[4 * v + 1] = EDGE_COLOR[1]; edgeRgba[4 * v + 2] = EDGE_COLOR[2];
      edgeRgba[4 * v + 3] = 255;
    }
    var nodeBuffers = [buffer(gl, pos), buffer(gl, size), buffer(gl, rgba)];
    var edgeBuffers = [buffer(gl, edgePos), buffer(gl, edgeSize), buffer(gl, edgeRgba)];
    var loc = { pos: gl.getAttribLocation(program, "a_pos"), size: gl.getAttribLocation(program, "a_size"),
                color: gl.getAttribLocation(program, "a_color"), center: gl.getUniformLocation(program, "u_center"),
                scale: gl.getUniformLocation(program, "u_scale"), grow: gl.getUniformLocation(program, "u_grow"),
                points: gl.getUniformLocation(program, "u_points"), max: gl.getUniformLocation(program, "u_max") };
    var maxPoint = (gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE) || [1, 64])[1];

    // A grid over graph positions, for picking: cell -> node indices.
    var cell = Math.max(maxX - minX, maxY - minY, 1e-6) / 256, grid = new Map();
    for (var g = 0; g < n; g++) {
      var key = Math.floor(xs[g] / cell) + "," + Math.floor(ys[g] / cell);
      var list = grid.get(key);
      if (list) { list.push(g); } else { grid.set(key, [g]); }
    }

    // Camera: the graph point at the middle of the canvas and pixels per graph unit.
    var cam = { x: (minX + maxX) / 2, y: (minY + maxY) / 2, zoom: 1 }, fitScale = 1, width = 0, height = 0, dpr = 1;

    function resize() {
      dpr = window.devicePixelRatio || 1;
      width = container.clientWidth;
      height = container.clientHeight;
      [canvas, overlay].forEach(function (el) {
        el.width = Math.max(1, Math.round(width * dpr));
        el.height = Math.max(1, Math.round(height * dpr));
      });
      var pad = 30 + maxRadius;
      fitScale = Math.min((width - 2 * pad) / Math.max(maxX - minX, 1e-6), (height - 2 * pad) / Math.max(maxY - minY, 1e-6));
      if (!(fitScale > 0)) { fitScale = 1; }
    }

    function scale() { return fitScale * cam.zoom; }
    function grow() { return Math.sqrt(cam.zoom); }  // nodes grow slower than the map when zooming in
    function drawnRadius(i) { return Math.min(radius[i] * grow(), maxPoint / 2 / dpr); }  // as the GPU draws it

    function toViewport(i) {
      return { x: (xs[i] - cam.x) * scale() + width / 2, y: (ys[i] - cam.y) * scale() + height / 2 };
    }

    function toGraph(px, py) {
      return { x: (px - width / 2) / scale() + cam.x, y: (py - height / 2) / scale() + cam.y };
    }

    function nodeAt(px, py) {
      var p = toGraph(px, py), s = scale(), reach = (Math.min(maxRadius * grow(), maxPoint / 2 / dpr) + 3) / s;
      var x0 = Math.floor((p.x - reach) / cell), x1 = Math.floor((p.x + reach) / cell);
      var y0 = Math.floor((p.y - reach) / cell), y1 = Math.floor((p.y + reach) / cell);
      var best = -1, bestFit = Infinity;
      for (var cx = x0; cx <= x1; cx++) {
        for (var cy = y0; cy <= y1; cy++) {
          var members = grid.get(cx + "," + cy);
          if (!members) { continue; }
          for (var q = 0; q < members.length; q++) {
            var node = members[q], dx = (xs[node] - p.x) * s, dy = (ys[node] - p.y) * s;
            var r = Math.max(drawnRadius(node), 3), fit = Math.sqrt(dx * dx + dy * dy) / r;
            if (fit <= 1 && (fit < bestFit || (fit === bestFit && node < best))) { best = node; bestFit = fit; }
          }
        }
      }
      return best;
    }

    function draw(buffers, count, mode, points) {
      if (!count) { return; }
      [[loc.pos, 2, gl.FLOAT, false], [loc.size, 1, gl.FLOAT, false], [loc.color, 4, gl.UNSIGNED_BYTE, true]]
        .forEach(function (spec, at) {
          gl.bindBuffer(gl.ARRAY_BUFFER, buffers[at]);
          gl.enableVertexAttribArray(spec[0]);
          gl.vertexAttribPointer(spec[0], spec[1], spec[2], spec[3], 0, 0);
        });
      gl.uniform1f(loc.points, points ? 1 : 0);
      gl.drawArrays(mode, 0, count);
    }

    function drawLabel(i, p, hovered) {
      var r = drawnRadius(i), text = String(data.names[i]);
      ctx.font = hovered ? "600 " + LABEL_FONT : LABEL_FONT;
      if (hovered) {
        var w = ctx.measureText(text).width;
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fillRect(p.x + r + 1, p.y - 9, w + 6, 18);
        ctx.strokeStyle = "#1f2937";
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.arc(p.x, p.y, r + 1.5, 0, 2 * Math.PI);
        ctx.stroke();
      }
      ctx.fillStyle = "#1f2937";
      ctx.fillText(text, p.x + r + 4, p.y);
    }

    function drawLabels() {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, width, height);
      ctx.textBaseline = "middle";
      ctx.font = LABEL_FONT;
      // Most used first; a name is drawn where it overlaps no name drawn before (boxes kept in grid buckets).
      var buckets = new Map(), placed = 0, tried = 0;
      function bucketKeys(box) {
        var keys = [];
        for (var bx = Math.floor(box[0] / LABEL_BUCKET); bx <= Math.floor(box[2] / LABEL_BUCKET); bx++) {
          for (var by = Math.floor(box[1] / LABEL_BUCKET); by <= Math.floor(box[3] / LABEL_BUCKET); by++) {
            keys.push(bx + "," + by);
          }
        }
        return keys;
      }
      for (var i = 0; i < n && placed < LABEL_MAX && tried < 4 * LABEL_MAX; i++) {
        var r = drawnRadius(i);
        if (r < LABEL_MIN_RADIUS && i >= LABEL_ALWAYS) { break; }
        var p = toViewport(i);
        if (p.x < -r || p.y < -r || p.x > width + r || p.y > height + r) { continue; }
        tried++;
        var x = p.x + r + 4, box = [x - 2, p.y - 8, x + ctx.measureText(String(data.names[i])).width + 2, p.y + 8];
        var keys = bucketKeys(box), free = true;
        for (var k = 0; k < keys.length && free; k++) {
          var near = buckets.get(keys[k]) || [];
          for (var q = 0; q < near.length; q++) {
            var o = near[q];
            if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) { free = false; break; }
          }
        }
        if (!free) { continue; }
        keys.forEach(function (key) { var list = buckets.get(key); if (list) { list.push(box); } else { buckets.set(key, [box]); } });
        placed++;
        drawLabel(i, p, false);
      }
      if (state.hovered >= 0) { drawLabel(state.hovered, toViewport(state.hovered), true); }
    }

    var glDirty = true;

    function render() {
      state.frame = null;
      drawLabels();
      if (!glDirty) { return; }
      glDirty = false;
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.useProgram(program);
      var s = scale();
      gl.uniform2f(loc.center, cam.x, cam.y);
      gl.uniform2f(loc.scale, 2 * s / width, -2 * s / height);
      gl.uniform1f(loc.grow, grow() * dpr);
      gl.uniform1f(loc.max, maxPoint);
      draw(edgeBuffers, m, gl.LINES, false);
      draw(nodeBuffers, n, gl.POINTS, true);
      state.renderedAt = performance.now();
    }

    function schedule(moved) {
      if (moved) { glDirty = true; }
      if (!state.frame) { state.frame = window.requestAnimationFrame(render); }
    }

    function zoomAt(factor, px, py) {
      var before = toGraph(px, py);
      cam.zoom = Math.min(Math.max(cam.zoom * factor, 0.5), 200);
      var after = toGraph(px, py);
      cam.x += before.x - after.x;
      cam.y += before.y - after.y;
      schedule(true);
    }

    function local(event) {
      var box = container.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    function hover(node) {
      if (node === state.hovered) { return; }
      state.hovered = node;
      overlay.style.cursor = node >= 0 ? "pointer" : "";
      schedule(false);  // the names only: the WebGL frame stays
    }

    var drag = null;
    overlay.addEventListener("wheel", function (event) {
      event.preventDefault();
      var p = local(event);
      zoomAt(event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, p.x, p.y);
    }, { passive: false });
    overlay.addEventListener("dblclick", function (event) {
      var p = local(event);
      zoomAt(2.2, p.x, p.y);
    });
    overlay.addEventListener("pointerdown", function (event) {
      var p = local(event);
      drag = { x: p.x, y: p.y, camX: cam.x, camY: cam.y, moved: false };
      overlay.setPointerCapture(event.pointerId);
    });
    overlay.addEventListener("pointermove", function (event) {
      var p = local(event);
      if (drag) {
        if (Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) > 3) { drag.moved = true; }
        if (drag.moved) {
          cam.x = drag.camX - (p.x - drag.x) / scale();
          cam.y = drag.camY - (p.y - drag.y) / scale();
          schedule(true);
          return;
        }
      }
      hover(nodeAt(p.x, p.y));
    });
    overlay.addEventListener("pointerup", function (event) {
      var p = local(event), moved = drag && drag.moved;
      drag = null;
      if (moved) { return; }
      var node = nodeAt(p.x, p.y);
      if (node < 0) { return; }
      state.clicked = node;
      if (state.onClick) { state.onClick(node); }
      var url = state.urls[node];
      if (url) { window.location.href = root + url; }
    });
    overlay.addEventListener("pointerleave", function () { if (!drag) { hover(-1); } });
    window.addEventListener("resize", function () { resize(); schedule(true); });

    state.canvas = canvas;
    state.gl = gl;
    state.nodeCount = n;
    state.edgeCount = m / 2;
    state.urls = data.urls.slice();
    state.labels = data.names;
    state.camera = cam;
    state.toViewport = toViewport;
    state.nodeAt = nodeAt;
    state.zoomAt = zoomAt;
    state.render = function () { glDirty = true; render(); };
    resize();
    render();
    state.ready = true;
    state.readyAt = performance.now();
    document.body.setAttribute("data-map-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
