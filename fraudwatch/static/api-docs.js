// Starts Swagger UI on /api/docs. A file of its own: the pages' Content-Security-Policy
// forbids inline scripts. The document and the vendored bundle come from this app only.
(function () {
  "use strict";
  var root = document.getElementById("api-docs");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    domNode: root,
    deepLinking: true,
    validatorUrl: null, // no badge from validator.swagger.io: nothing is fetched from elsewhere
    supportedSubmitMethods: ["get", "post"],
    defaultModelsExpandDepth: 0
  });
})();
