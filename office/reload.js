// The live preview's own script (office/live.py), never part of the built site: when the server
// says a newer build is in and this page is among what changed ("*": every page), reload it.
(function () {
  var version = document.currentScript.getAttribute("data-version");
  var here = decodeURI(window.location.pathname);
  var events = new EventSource("/_preview/events?v=" + version);
  events.onmessage = function (event) {
    var words = event.data.split(" ");
    var changed = words.slice(1);
    version = words[0];
    if (changed.indexOf("*") >= 0 || changed.indexOf(here) >= 0) {
      events.close();
      window.location.reload();
    }
  };
})();
