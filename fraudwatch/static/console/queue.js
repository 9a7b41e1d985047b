// Keyboard shortcuts of the queue page (no inline script: the CSP forbids it).
// j/k next/previous row, o or Enter open, x select, c confirm / d dismiss the selection
// (the reason is asked for in the form's field, never in a dialog), ? help.
(function () {
  "use strict";
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("tr[data-report]")); };
  var current = -1;
  function mark(index) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    all[current].setAttribute("tabindex", "-1");
    all[current].focus();
  }
  function selectCurrent(force) {
    var row = rows()[current];
    if (!row) { return; }
    var box = row.querySelector("input[type=checkbox]");
    if (box) { box.checked = force ? true : !box.checked; }
  }
  function act(action) {
    if (current >= 0 && !document.querySelector("tr[data-report] input:checked")) { selectCurrent(true); }
    var select = document.getElementById("bulk-action");
    var reason = document.getElementById("bulk-reason");
    if (!select || !reason) { return; }
    select.value = action;
    reason.focus();
    if (reason.value.trim()) { reason.form.requestSubmit(); }
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "textarea" || tag === "select") {
      return;
    }
    if (event.key === "Enter" && (tag === "a" || tag === "button" || tag === "summary")) {
      return;  // Enter on a focused link or button does what that element does
    }
    var row = rows()[current];
    switch (event.key) {
      case "j": mark(current + 1); break;
      case "k": mark(current - 1); break;
      case "o": case "Enter": if (row) { window.location.href = row.getAttribute("data-href"); } else { return; } break;
      case "x": selectCurrent(false); break;
      case "c": act("confirm"); break;
      case "d": act("dismiss"); break;
      case "?": var help = document.getElementById("shortcuts-help"); if (help) { help.hidden = !help.hidden; } break;
      default: return;
    }
    event.preventDefault();
  });
})();
