// The console's one script (loaded with defer after the vendored htmx). Pages work without
// it: every action is a plain form post; this only adds htmx's CSRF header.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";
  // htmx requests (hx-post, hx-delete...) carry the session's CSRF token as a header.
  document.body.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token;
  });
})();
