// The volunteers' check-in page (theme/templates/checkin.html, forms/checkin.py). A code scanned
// with the camera (the browser's BarcodeDetector, where there is one), typed, or typed by a
// handheld scanner is queued on this phone (localStorage) and sent to the handler with the
// volunteers' key. Offline, the queue waits on the phone and is sent once it is back online.
// Each scan carries an id of its own, so a queue sent twice (an answer lost on the way) is still
// counted once; the handler counts each registration once whichever phone sends it.
"use strict";
(() => {
  const page = document.querySelector("[data-checkin]");
  const { event, endpoint } = page.dataset;
  const words = JSON.parse(document.getElementById("checkin-words").textContent);
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  const $ = (id) => document.getElementById(id);
  const KEY = "checkin:key";
  const QUEUE = `checkin:${event}:queue`; // scans not answered yet: {code, scan, scanned}
  const SEEN = `checkin:${event}:seen`; // this phone's scans, newest first, with their answers
  const read = (name) => {
    try {
      return JSON.parse(localStorage.getItem(name)) || [];
    } catch {
      return [];
    }
  };
  let queue = read(QUEUE);
  let seen = read(SEEN);
  let key = localStorage.getItem(KEY);
  let latest = null; // the scan whose answer the big box shows
  let busy = false;
  let again = false;

  const keep = () => {
    localStorage.setItem(QUEUE, JSON.stringify(queue));
    localStorage.setItem(SEEN, JSON.stringify(seen.slice(0, 300)));
  };

  // As forms/checkin.py's normalise(): any case, spaces or dashes, O for 0, I and L for 1.
  const normalise = (text) => {
    const letters = String(text).replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
    return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(letters) ? `${letters.slice(0, 4)}-${letters.slice(4)}` : null;
  };
  const newId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const clock = (iso) =>
    iso ? new Date(iso).toLocaleTimeString(lang === "en" ? "en-GB" : "zh-CN", { hour: "2-digit", minute: "2-digit" }) : "";

  const KINDS = { arrived: "arrived", already: "already", queued: "queued" };
  const said = (entry) => {
    const guests = entry.guests ? ` ${words.guests.replace("{n}", entry.guests)}` : "";
    if (entry.result === "arrived") return words.arrived + guests;
    if (entry.result === "already") return words.already.replace("{time}", clock(entry.arrived)) + guests;
    return words[entry.result] || words.unknown;
  };
  const show = (kind, text) => {
    $("result").dataset.kind = kind;
    $("result").textContent = text;
  };

  const draw = () => {
    $("queued").textContent = queue.length;
    $("connection").textContent = navigator.onLine ? words.online : words.offline;
    const items = seen.slice(0, 50).map((entry) => {
      const item = document.createElement("li");
      item.dataset.kind = KINDS[entry.result] || "refused";
      const code = document.createElement("code");
      code.textContent = entry.code;
      item.append(code, said(entry));
      return item;
    });
    $("log").replaceChildren(...items);
    const shown = latest && seen.find((entry) => entry.scan === latest);
    if (shown) show(KINDS[shown.result] || "refused", said(shown));
  };

  const take = (text) => {
    const code = normalise(text);
    if (!code) {
      latest = null;
      show("refused", words.invalid);
      return;
    }
    const before = seen.find((entry) => entry.code === code && ["arrived", "already", "queued"].includes(entry.result));
    if (before) {
      latest = null;
      show(before.result === "queued" ? "queued" : "already", before.result === "queued" ? words.repeat : said({ ...before, result: "already" }));
      return;
    }
    const scan = { code, scan: newId(), scanned: new Date().toISOString() };
    queue.push(scan);
    seen.unshift({ ...scan, result: "queued" });
    latest = scan.scan;
    keep();
    draw();
    send();
  };

  const settle = (answer) => {
    for (const result of answer.results) {
      queue = queue.filter((scan) => scan.scan !== result.scan);
      const entry = seen.find((scan) => scan.scan === result.scan);
      if (entry) Object.assign(entry, { result: result.result, guests: result.guests, arrived: result.arrived });
    }
    $("arrived").textContent = answer.arrived;
    $("expected").textContent = answer.expected;
    keep();
  };

  // One sync at a time; scans taken meanwhile go with the next one.
  const send = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const batch = queue.slice(0, 200);
        const response = await fetch(endpoint, {
          method: "POST",
          headers: { Accept: "application/json", "Content-Type": "application/json", Authorization: `Bearer ${key}` },
          body: JSON.stringify({ event, scans: batch }),
        });
        const answer = await response.json();
        if (response.status === 401) {
          localStorage.removeItem(KEY);
          askKey(answer.error[lang]);
          return;
        }
        if (!response.ok) {
          latest = null;
          show("refused", answer.error ? answer.error[lang] : String(response.status));
          return;
        }
        const waiting = queue.length;
        settle(answer);
        if (batch.length && queue.length === waiting) break; // none answered: the next sync tries again
      } while (again || queue.length);
    } catch {
      // Offline, or the answer was lost: the queue stays, and goes again when the phone is online.
    } finally {
      busy = false;
      draw();
    }
  };

  const askKey = (message) => {
    $("desk").hidden = true;
    $("key-form").hidden = false;
    $("key-error").textContent = message || "";
    $("key").focus();
  };
  const start = () => {
    $("key-form").hidden = true;
    $("desk").hidden = false;
    draw();
    $("code").focus();
    send();
  };

  $("key-form").addEventListener("submit", (submit) => {
    submit.preventDefault();
    key = $("key").value.trim();
    localStorage.setItem(KEY, key);
    $("key").value = "";
    start();
  });
  $("code-form").addEventListener("submit", (submit) => {
    submit.preventDefault();
    take($("code").value);
    $("code").value = "";
    $("code").focus();
  });
  $("send").addEventListener("click", () => send());
  window.addEventListener("online", () => send());
  window.addEventListener("offline", draw);
  setInterval(() => queue.length && send(), 15000);

  // The camera, where the browser can read QR codes itself (Chrome on Android, Safari on macOS…).
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    const button = $("camera");
    const video = $("video");
    let stream = null;
    let last = "";
    let lastAt = 0;
    const stop = () => {
      stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.hidden = true;
      button.textContent = words.camera;
    };
    const look = async (detector) => {
      if (!stream) return;
      try {
        const [found] = await detector.detect(video);
        // A code held in front of the camera is read many times a second: take it once.
        if (found && (found.rawValue !== last || Date.now() - lastAt > 5000)) {
          take(found.rawValue);
          if (navigator.vibrate) navigator.vibrate(80);
        }
        if (found) [last, lastAt] = [found.rawValue, Date.now()];
      } catch {
        // a frame that could not be read; the next one may
      }
      setTimeout(() => look(detector), 200);
    };
    button.hidden = false;
    button.addEventListener("click", async () => {
      if (stream) return stop();
      try {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        button.textContent = words.stop_camera;
        look(detector);
      } catch {
        if (stream) stop();
        show("refused", words.no_camera);
      }
    });
  }

  // The organisers may hand out the page's address with the key after #key=: keep it, and take
  // it out of the address bar (and of the history) at once.
  const linked = new URLSearchParams(location.hash.slice(1)).get("key");
  if (linked) {
    key = linked;
    localStorage.setItem(KEY, key);
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (key) start();
  else askKey();
})();
