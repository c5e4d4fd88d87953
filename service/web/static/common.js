/* Shared by the reader pages: status words, a tiny DOM builder and JSON fetch.
   Everything is built with textContent, never innerHTML, so API text cannot become markup. */
(function () {
  "use strict";
  var TITLES = {
    legal: "Legal", regulated: "Regulated", restricted: "Restricted",
    banned: "Banned", unknown: "Unknown"
  };
  var EXPLAINED = {
    legal: "No law restricts kratom here.",
    regulated: "Lawful under rules such as an age limit, labelling or licensing.",
    restricted: "Some products or alkaloids are banned; plain leaf stays lawful.",
    banned: "A controlled substance, or sale or possession is prohibited.",
    unknown: "Unknown: not researched, or the law could not be established. Do not read this as legal."
  };
  var LIFECYCLE = {
    enacted: "in force", pending: "passed, not yet in force",
    emergency: "temporary emergency rule", enjoined: "blocked by a court"
  };
  var TIERS = {
    primary: "primary source (the law itself)", government: "government", news: "news report",
    secondary: "secondary source", advocacy: "advocacy group", vendor: "vendor"
  };
  var PRODUCTS = { leaf: "leaf", extract: "extracts", "7-oh": "7-OH", synthetic: "synthetic alkaloids" };

  function known(status) { return Object.prototype.hasOwnProperty.call(TITLES, status) ? status : "unknown"; }

  function h(tag, props, children) {
    var el = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === "text") { el.textContent = props[k]; } else if (k === "className") { el.className = props[k]; } else { el.setAttribute(k, props[k]); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined || c === false) { return; }
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }

  function pill(status, big) {
    var s = known(status);
    return h("span", { className: "pill " + (big ? "big " : "") + "s-" + s, text: TITLES[s] });
  }

  function dayText(iso, precision) {
    if (!iso) { return null; }
    if (precision === "year") { return iso.slice(0, 4); }
    if (precision === "month") { return iso.slice(0, 7); }
    return iso.slice(0, 10);
  }

  function sourceLabel(url) {
    try {
      var u = new URL(url);
      var path = u.pathname.replace(/\/$/, "");
      if (path.length > 40) { path = path.slice(0, 37) + "\u2026"; }
      return u.host + path;
    } catch (e) { return url; }
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) {
          var msg = body && body.error && body.error.message ? body.error.message : "HTTP " + r.status;
          throw new Error(msg);
        }
        return body;
      });
    });
  }

  function jurisdictionUrl(code) { return "/j/" + encodeURIComponent(code).replace(/%3A/g, ":"); }

  window.KratomUI = {
    TITLES: TITLES, EXPLAINED: EXPLAINED, LIFECYCLE: LIFECYCLE, TIERS: TIERS, PRODUCTS: PRODUCTS,
    known: known, h: h, pill: pill, dayText: dayText, sourceLabel: sourceLabel, getJSON: getJSON,
    jurisdictionUrl: jurisdictionUrl
  };
}());
