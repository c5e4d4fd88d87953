/* "Use my location": browser geolocation -> the server's answer card for that point.
   The card is rendered by the server with the same templates as the picker's card (/?lat=&lon=,
   every answer text escaped by Jinja); this script only fetches it and puts it in place, so the
   position never lands in the address bar or the history. The button stays hidden without
   JavaScript or geolocation; the form works without it. */
(function () {
  "use strict";
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

  function cardFrom(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var card = doc.getElementById("answer");
    if (!card) {
      var msg = doc.querySelector("main p");
      throw new Error(msg ? msg.textContent : "no answer");
    }
    return document.importNode(card, true);
  }

  function found(pos) {
    var lat = pos.coords.latitude.toFixed(5);
    var lon = pos.coords.longitude.toFixed(5);
    say("Looking up the law at your location\u2026");
    fetch("/?lat=" + lat + "&lon=" + lon + asOfQuery, {
      headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store"
    }).then(function (r) {
      return r.text().then(function (html) {
        var card = cardFrom(html);
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return card;
      });
    }).then(function (card) {
      result.textContent = "";
      result.appendChild(card);
      var others = document.querySelector(".others");
      if (others) { others.remove(); }
      btn.disabled = false;
      say("Answer for your location shown below.");
      card.focus();
    }).catch(function (err) {
      btn.disabled = false;
      say("Sorry, the lookup failed: " + err.message + ". Type your state or country instead.");
    });
  }
}());
