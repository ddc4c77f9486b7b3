// Renders the API reference from the spec this server embeds. Kept out of
// index.html so that the page's Content-Security-Policy needs no inline script.
window.ui = SwaggerUIBundle({
  url: "/openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  // The default sends the spec to an online validator: stay offline.
  validatorUrl: null,
  persistAuthorization: false,
});
