// The live preview's own script (office/live.py), never part of the built site: when the server
// says a newer build is in and this page is among what changed ("*": every page), reload it.
(function () {
  var version = document.currentScript.getAttribute("data-version");
  var here = decodeURI(window.location.pathname);
  // The build's notes (office/live.py), once closed, stay closed on the pages reloaded after,
  // until they change.
  var notes = document.querySelector("dialog[data-preview-notes]");
  if (notes) {
    var key = notes.getAttribute("data-preview-notes");
    try {
      if (sessionStorage.getItem("preview-notes") === key) notes.close();
    } catch (e) {}
    notes.addEventListener("close", function () {
      try {
        sessionStorage.setItem("preview-notes", key);
      } catch (e) {}
    });
  }
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
