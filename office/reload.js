// The live preview's own script (office/live.py), never part of the built site: when the server
// says a newer build is in, reload this page.
(function () {
  var version = document.currentScript.getAttribute("data-version");
  var events = new EventSource("/_preview/events?v=" + version);
  events.onmessage = function (event) {
    if (event.data !== version) {
      events.close();
      window.location.reload();
    }
  };
})();
