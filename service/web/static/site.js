/* Small enhancements: a copy button next to each embed snippet. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("textarea.snippet"), function (area) {
    area.addEventListener("focus", function () { area.select(); });
    if (!navigator.clipboard) { return; }
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "secondary";
    btn.textContent = "Copy " + (area.labels && area.labels[0] ? area.labels[0].textContent : "snippet");
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(area.value).then(function () { btn.textContent = "Copied"; }, function () { area.select(); });
    });
    area.insertAdjacentElement("afterend", btn);
  });
}());
