/* Shared by the map's scripts: status titles, a tiny DOM builder and JSON fetch.
   Everything is built with textContent, never innerHTML, so API text cannot become markup.
   TITLES must match service/words.py STATUS_TITLES (tests/test_web_pages.py checks it). */
(function () {
  "use strict";
  var TITLES = {
    legal: "Legal", regulated: "Regulated", restricted: "Restricted",
    banned: "Banned", unknown: "Unknown"
  };

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
    TITLES: TITLES, known: known, h: h, pill: pill, getJSON: getJSON, jurisdictionUrl: jurisdictionUrl
  };
}());
