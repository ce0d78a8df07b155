(function () {
  var seen = [];
  function note(kind, what) { seen.push(kind + ": " + String(what)); }
  var err = console.error, warn = console.warn;
  console.error = function () { note("console.error", Array.prototype.join.call(arguments, " ")); return err.apply(console, arguments); };
  console.warn = function () { note("console.warn", Array.prototype.join.call(arguments, " ")); return warn.apply(console, arguments); };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) note("failed load", t.src || t.href);
    else note("uncaught", e.message);
  }, true);
  window.addEventListener("unhandledrejection", function (e) { note("unhandled rejection", e.reason); });
  var open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (m, url) { note("xhr", url); return open.apply(this, arguments); };
  if (window.fetch) { var f = window.fetch; window.fetch = function (u) { note("fetch", u); return f.apply(this, arguments); }; }
  window.addEventListener("load", function () {
    setTimeout(function () {
      performance.getEntriesByType("resource").forEach(function (r) {
        if (!/^(data|blob):/.test(r.name)) note("request", r.name);
      });
      var out = document.createElement("pre");
      out.id = "browser-check";
      out.textContent = JSON.stringify(seen);
      document.body.appendChild(out);
    }, 500);
  });
})();
