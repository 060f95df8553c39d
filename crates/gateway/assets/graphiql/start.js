// Roster: starts GraphiQL against this server's /graphql. Loaded as a file (the page's
// Content-Security-Policy allows no inline script). The browser sends the session cookie
// with these same-origin JSON POSTs, so after signing in by email queries run as you.
(function () {
  "use strict";
  var fetcher = GraphiQL.createFetcher({ url: "/graphql" });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery:
        "# Signed in by the email link? This names you.\n" +
        "# Scripts send Authorization: Bearer <token>.\n" +
        "query Me {\n  viewer {\n    user {\n      email\n    }\n  }\n}\n",
    })
  );
})();
