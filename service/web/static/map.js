/* The choropleth: the service's own simplified GeoJSON, coloured by
   /map/statuses.json?as_of=&product=. Plain SVG; each region is a link to its page, so a click,
   Enter or a screen reader opens it. The product selector recolours without a reload; without
   JavaScript the form submits it and the table below shows that product's statuses. */
(function () {
  "use strict";
  var ui = window.KratomUI;
  var SVGNS = "http://www.w3.org/2000/svg";
  // viewBoxes in map units: x = lon + 180, y = 90 - lat (plate carree)
  var VIEWS = {
    world: "0 6 360 144", us: "53 38 64 31", europe: "155 16 70 42", asia: "268 60 44 42"
  };
  var fig = document.getElementById("map");
  var canvas = document.getElementById("map-canvas");
  var dateInput = document.getElementById("map-date");
  var slider = document.getElementById("map-slider");
  var viewSelect = document.getElementById("map-view");
  var productSelect = document.getElementById("map-product");
  var legend = document.getElementById("map-legend");
  var tableProduct = document.getElementById("table-product");
  var form = document.getElementById("map-controls");
  var statusEl = document.getElementById("map-status");
  var tableDay = document.getElementById("table-day");
  if (!fig || !canvas) { return; }
  var regions = [];
  var svg = null;
  var requestSeq = 0;
  var DAY_MS = 86400000;
  var minDay = Date.parse(slider.dataset.min + "T00:00:00Z");
  var maxDay = Date.parse(slider.dataset.max + "T00:00:00Z");

  function isoOf(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function indexOf(iso) { return Math.round((Date.parse(iso + "T00:00:00Z") - minDay) / DAY_MS); }

  slider.max = String(Math.round((maxDay - minDay) / DAY_MS));
  slider.value = String(indexOf(dateInput.value));
  slider.hidden = false;
  slider.setAttribute("aria-valuetext", dateInput.value);

  function ringPath(ring) {
    var d = "";
    var prevLon = null;
    for (var i = 0; i < ring.length; i++) {
      var lon = ring[i][0];
      var x = (lon + 180).toFixed(2);
      var y = (90 - ring[i][1]).toFixed(2);
      // a jump across the antimeridian starts a new sub-path instead of a line across the map
      d += (i === 0 || Math.abs(lon - prevLon) > 180 ? "M" : "L") + x + "," + y;
      prevLon = lon;
    }
    return d + "Z";
  }

  function pattern(defs, id, draw) {
    var p = document.createElementNS(SVGNS, "pattern");
    p.setAttribute("id", id);
    p.setAttribute("patternUnits", "userSpaceOnUse");
    p.setAttribute("width", "1.6");
    p.setAttribute("height", "1.6");
    draw(p);
    defs.appendChild(p);
  }

  function el(name, attrs) {
    var n = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    return n;
  }

  function build(geo) {
    svg = el("svg", { viewBox: VIEWS.world, role: "group", "aria-label": "Map of kratom status by country and US state" });
    var defs = el("defs", {});
    pattern(defs, "pat-banned", function (p) {
      p.setAttribute("patternTransform", "rotate(45)");
      p.appendChild(el("rect", { width: "1.6", height: "1.6", "class": "pat-banned-bg" }));
      p.appendChild(el("line", { x1: "0", y1: "0", x2: "0", y2: "1.6", "class": "pat-line" }));
    });
    pattern(defs, "pat-restricted", function (p) {
      p.appendChild(el("rect", { width: "1.6", height: "1.6", "class": "pat-restricted-bg" }));
      p.appendChild(el("circle", { cx: "0.8", cy: "0.8", r: "0.25", "class": "pat-ink" }));
    });
    svg.appendChild(defs);
    geo.features.forEach(function (f) {
      var code = f.properties.code;
      var d = "";
      f.geometry.coordinates.forEach(function (poly) { poly.forEach(function (ring) { d += ringPath(ring); }); });
      var a = el("a", { href: ui.jurisdictionUrl(code), "class": "region s-unknown", "data-code": code, "data-level": f.properties.level });
      var title = el("title", {});
      title.textContent = f.properties.name;
      a.appendChild(title);
      a.appendChild(el("path", { d: d, "fill-rule": "evenodd" }));
      svg.appendChild(a);
      regions.push({ code: code, name: f.properties.name, node: a, title: title });
    });
    canvas.textContent = "";
    canvas.appendChild(svg);
  }

  function paint(body) {
    var statuses = body.statuses || {};
    regions.forEach(function (r) {
      var s = ui.known(statuses[r.code]);
      r.node.setAttribute("class", "region s-" + s);
      r.node.setAttribute("aria-label", r.name + ": " + ui.TITLES[s]);
      r.title.textContent = r.name + ": " + ui.TITLES[s];
    });
    Array.prototype.forEach.call(document.querySelectorAll("#map-table tbody tr"), function (tr) {
      var s = ui.known(statuses[tr.dataset.code]);
      var cell = tr.querySelector(".st");
      cell.textContent = "";
      cell.appendChild(ui.pill(s));
    });
    var label = productLabel(body.product);
    if (tableDay) { tableDay.textContent = body.as_of; tableDay.setAttribute("datetime", body.as_of); }
    if (tableProduct) { tableProduct.textContent = label; }
    if (legend) {
      // `restricted` is one word over every class: only the all-products view shows it
      Array.prototype.forEach.call(legend.querySelectorAll("li[data-status='restricted']"), function (li) {
        li.hidden = body.product !== "all";
      });
    }
    statusEl.textContent = label + ": statuses as of " + body.as_of + ".";
    fig.dataset.asOf = body.as_of;
    fig.dataset.product = body.product;
  }

  function productLabel(value) {
    var opt = productSelect ? productSelect.querySelector("option[value='" + value + "']") : null;
    return opt ? opt.textContent : value;
  }

  function currentProduct() { return productSelect ? productSelect.value : "leaf"; }

  function load(iso) {
    var seq = ++requestSeq;
    var product = currentProduct();
    statusEl.textContent = "Loading statuses for " + iso + "\u2026";
    var query = "?as_of=" + encodeURIComponent(iso) + "&product=" + encodeURIComponent(product);
    return ui.getJSON(fig.dataset.statuses + query).then(function (body) {
      if (seq !== requestSeq) { return; }
      paint(body);
      var url = new URL(window.location.href);
      url.searchParams.set("as_of", body.as_of);
      if (body.product === "leaf") { url.searchParams.delete("product"); } else { url.searchParams.set("product", body.product); }
      window.history.replaceState(null, "", url.toString());
    }).catch(function (err) {
      if (seq === requestSeq) { statusEl.textContent = "Could not load statuses: " + err.message; }
    });
  }

  var timer = null;
  slider.addEventListener("input", function () {
    var iso = isoOf(minDay + Number(slider.value) * DAY_MS);
    dateInput.value = iso;
    slider.setAttribute("aria-valuetext", iso);
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { load(iso); }, 120);
  });
  dateInput.addEventListener("change", function () {
    if (!dateInput.value) { return; }
    slider.value = String(indexOf(dateInput.value));
    slider.setAttribute("aria-valuetext", dateInput.value);
    load(dateInput.value);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (dateInput.value) { load(dateInput.value); }
  });
  if (productSelect) {
    productSelect.addEventListener("change", function () {
      if (dateInput.value) { load(dateInput.value); }
    });
  }
  viewSelect.addEventListener("change", function () {
    if (svg) { svg.setAttribute("viewBox", VIEWS[viewSelect.value] || VIEWS.world); }
  });

  ui.getJSON(fig.dataset.regions).then(function (geo) {
    build(geo);
    return load(dateInput.value);
  }).then(function () {
    fig.dataset.ready = "true";
  }).catch(function (err) {
    statusEl.textContent = "The map could not be drawn: " + err.message + ". The table below lists every place.";
  });
}());
