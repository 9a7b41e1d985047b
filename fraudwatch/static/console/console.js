// The console's one script (loaded with defer after the vendored htmx). Pages work without
// it: every action is a plain form post; this only adds htmx's CSRF header and shows a
// refused htmx action next to its form.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  // htmx requests (hx-post, hx-delete...) carry the session's CSRF token as a header.
  document.body.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token;
  });
  // A refused action (4xx/5xx: the server answers an alert fragment) goes into the alert region
  // named by the form's data-error-region, in place: the page, its URL and what the officer
  // typed stay. A form without one falls back to the htmx-config rule (into the body).
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status < 400) { return; }
    // the event fires on the swap's target; the element that sent the request is the config's
    var sender = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    var source = sender && sender.closest ? sender.closest("[data-error-region]") : null;
    var region = source ? document.getElementById(source.getAttribute("data-error-region")) : null;
    if (!region) { return; }
    event.detail.target = region;
    event.detail.swapOverride = "innerHTML";
    event.detail.selectOverride = null;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });
})();
