/* "Use my location": browser geolocation -> /v1/lookup?lat=&lon= -> the answer card.
   The button stays hidden without JavaScript or geolocation; the form works without it. */
(function () {
  "use strict";
  var ui = window.KratomUI;
  var h = ui.h;
  var btn = document.getElementById("locate");
  var statusEl = document.getElementById("geo-status");
  var result = document.getElementById("result");
  if (!btn || !result || !("geolocation" in navigator)) { return; }
  btn.hidden = false;
  var asOf = new URLSearchParams(window.location.search).get("as_of");
  var asOfQuery = asOf ? "&as_of=" + encodeURIComponent(asOf) : "";

  function say(text) { statusEl.textContent = text; }

  btn.addEventListener("click", function () {
    btn.disabled = true;
    say("Finding your location\u2026");
    navigator.geolocation.getCurrentPosition(found, failed, {
      enableHighAccuracy: false, timeout: 20000, maximumAge: 600000
    });
  });

  function failed(err) {
    btn.disabled = false;
    var why = err && err.code === 1 ? "Location permission was denied." : "Your location could not be found.";
    say(why + " Type your state or country instead.");
  }

  function found(pos) {
    var lat = pos.coords.latitude.toFixed(5);
    var lon = pos.coords.longitude.toFixed(5);
    say("Looking up the law at your location\u2026");
    ui.getJSON("/v1/lookup?lat=" + lat + "&lon=" + lon + asOfQuery).then(function (answer) {
      var stack = answer.stack || [];
      var q = asOf ? "?as_of=" + encodeURIComponent(asOf) : "";
      var details = stack.map(function (e) {
        return ui.getJSON("/v1/jurisdictions/" + encodeURIComponent(e.code) + q).catch(function () { return null; });
      });
      var state = stack.filter(function (e) { return e.level === "state"; })[0];
      var locals = state
        ? ui.getJSON("/v1/jurisdictions?parent=" + encodeURIComponent(state.code) + (asOf ? "&as_of=" + encodeURIComponent(asOf) : ""))
          .then(function (b) { return b.jurisdictions || []; }).catch(function () { return []; })
        : Promise.resolve([]);
      return Promise.all([Promise.all(details), locals]).then(function (parts) {
        render(answer, parts[0], state, parts[1], lat, lon);
        btn.disabled = false;
        say("Answer for your location shown below.");
        var card = document.getElementById("answer");
        if (card) { card.focus(); }
      });
    }).catch(function (err) {
      btn.disabled = false;
      say("Sorry, the lookup failed: " + err.message + ". Type your state or country instead.");
    });
  }

  function facts(d) {
    var rows = [];
    function row(term, value) { rows.push(h("div", null, [h("dt", { text: term }), h("dd", null, value)])); }
    var statusParts = [ui.pill(d.status)];
    if (d.since) { statusParts.push(" since " + d.since); }
    if (d.until) { statusParts.push(", until " + d.until); }
    if (d.lifecycle && d.lifecycle !== "enacted") { statusParts.push(" (" + (ui.LIFECYCLE[d.lifecycle] || d.lifecycle) + ")"); }
    row("Status here", statusParts);
    if (d.age_min) { row("Age limit", [d.age_min + "+"]); }
    if (d.banned_products && d.banned_products.length) {
      row("Banned products", [d.banned_products.map(function (p) { return ui.PRODUCTS[p] || p; }).join(", ")]);
    }
    if (d.notes) { row("Rules and notes", [d.notes]); }
    if (d.law) { row("Law", [d.law]); }
    var n = d.next;
    if (n && n.date) {
      row("What changes next", ["From " + ui.dayText(n.date, n.date_precision) + ": ", ui.pill(n.status),
        (n.age_min ? " (" + n.age_min + "+)" : "") + " (" + (ui.LIFECYCLE[n.lifecycle] || n.lifecycle) + (n.law ? "; " + n.law : "") + ")"]);
    } else {
      row("What changes next", ["No change is scheduled in our dataset."]);
    }
    if (d.confidence) {
      row("Confidence", [d.confidence + (d.verified_on ? "; sources checked on " + d.verified_on : "")]);
    }
    return h("dl", { className: "facts" }, rows);
  }

  function sources(list) {
    if (!list || !list.length) { return h("p", { text: "No sources: this place has not been researched." }); }
    return h("ol", { className: "sources" }, list.map(function (s) {
      return h("li", null, [
        h("a", { href: s.url, rel: "nofollow noopener noreferrer", text: ui.sourceLabel(s.url) }),
        " ", h("span", { className: "tier", text: "(" + (ui.TIERS[s.tier] || "unrated source") + ")" })
      ]);
    }));
  }

  function render(answer, details, state, locals, lat, lon) {
    var v = answer.verdict || { status: "unknown", reason: "" };
    var status = ui.known(v.status);
    var stack = answer.stack || [];
    var kids = [
      h("h2", { id: "card-title", text: "Kratom at your location" }),
      h("p", { className: "answer" }, [ui.pill(status, true), h("span", { className: "asof", text: "as of " + answer.as_of })]),
      h("p", { className: "explain", text: ui.EXPLAINED[status] }),
      h("p", { className: "reason", text: v.reason || "" })
    ];
    if (answer.at_sea) {
      var near = answer.nearest;
      kids.push(h("p", { className: "notice", text: "This point is at sea, outside every territorial sea, so no country's status applies." +
        (near ? " Nearest: " + near.name + ", about " + Math.round(near.distance_m / 1000) + " km away." : "") }));
    }
    if (answer.near_border && answer.alternatives && answer.alternatives.length) {
      kids.push(h("div", { className: "alternatives" }, [
        h("h3", { text: "You are near a border" }),
        h("p", { text: "Your position may be on the other side. There the status is:" }),
        h("ul", null, answer.alternatives.map(function (a) {
          return h("li", null, [h("a", { href: ui.jurisdictionUrl(a.code), text: a.name }), ": ", ui.pill(a.status),
            typeof a.distance_m === "number" ? " (about " + (a.distance_m < 1000 ? Math.round(a.distance_m) + " m" : (a.distance_m / 1000).toFixed(1) + " km") + " away)" : ""]);
        }))
      ]));
    }
    (answer.notes || []).forEach(function (n) { kids.push(h("p", { className: "hint", text: n })); });
    if (stack.length) {
      kids.push(h("h3", { text: "Every layer of law that applies" }));
      kids.push(h("ul", { className: "layers" }, stack.map(function (e) {
        return h("li", null, [h("a", { href: ui.jurisdictionUrl(e.code), text: e.name }), " (" + e.level + "): ", ui.pill(e.status),
          e.since ? " since " + e.since : ""]);
      })));
    }
    details.forEach(function (d) {
      if (!d) { return; }
      kids.push(h("h3", { text: d.name }));
      kids.push(facts(d));
      kids.push(h("h4", { text: "Sources for " + d.name }));
      kids.push(sources(d.sources));
    });
    if (state) {
      kids.push(h("h3", { text: "Local rules inside " + state.name }));
      var local = locals.filter(function (x) { return x.level === "county" || x.level === "city"; });
      if (local.length) {
        kids.push(h("ul", { className: "locals" }, local.map(function (x) {
          return h("li", null, [h("a", { href: ui.jurisdictionUrl(x.code), text: x.name }), ": ", ui.pill(x.status), x.since ? " since " + x.since : ""]);
        })));
        kids.push(h("p", { className: "hint", text: "A city or county rule applies on top of the state law inside its limits." }));
      } else {
        kids.push(h("p", { text: "No city or county ordinances are in our dataset for " + state.name + "." }));
      }
    }
    kids.push(h("p", { className: "hint", text: "Position used: " + lat + ", " + lon + " (sent to this service only to answer)." }));
    kids.push(h("p", { className: "disclaimer", text: "General information from public sources, not legal advice. Laws change; check the law itself before you act." }));
    var card = h("article", { className: "card s-" + status, id: "answer", "aria-labelledby": "card-title", tabindex: "-1" }, kids);
    result.textContent = "";
    result.appendChild(card);
    var others = document.querySelector(".others");
    if (others) { others.remove(); }
  }
}());
