// Search through Pagefind's index of the page's own edition (its <html lang>). We draw the results
// ourselves, not with Pagefind's UI, for two things it cannot do: a chapter's or project's own page
// comes first for its name (the page lists the names, #search-names), and an excerpt starts where
// a sentence does, not inside the title shown above it.
const box = document.getElementById("search");
if (box) {
  const form = box.querySelector("form");
  const input = form.elements.q;
  const status = box.querySelector(".search-status");
  const list = box.querySelector(".search-results");
  const more = box.querySelector(".search-more");
  const PAGE = 10;
  const names = JSON.parse(document.getElementById("search-names").textContent);
  let engine = null;
  let asked = 0;
  let found = [];
  let timer = null;

  // As search.html writes the names: case and runs of spaces do not matter.
  const key = (text) => text.trim().toLowerCase().split(/\s+/).join(" ");
  const load = () => (engine ??= openIndex());
  const said = (template, count) => template.replace("{n}", count);

  // A big site's index is in parts (plugins/search.py): the first comes with the script, and
  // parts.json names the others of each language, merged into it to be searched as one.
  async function openIndex() {
    const bundle = box.dataset.bundle;
    const [pagefind, parts] = await Promise.all([
      import(`${bundle}pagefind.js`),
      fetch(`${bundle}parts.json`, { cache: "no-cache" }).then((response) => {
        if (!response.ok) throw new Error(`parts.json: ${response.status}`);
        return response.json();
      }),
    ]);
    await pagefind.init();
    const merged = parts[document.documentElement.lang.toLowerCase()] || [];
    await Promise.all(merged.map((part) => pagefind.mergeIndex(bundle + part)));
    return { pagefind, merged: merged.length > 0 };
  }

  // Pagefind leaves out of a search each word its index does not have. Each part is an index of
  // its own, so a part without one of the words would offer its pages that have only the others:
  // keep the pages that have every word some part has, as one index would.
  async function everyWord(pagefind, words, results) {
    const language = document.documentElement.lang;
    const split = /^(zh|ja|th)\b/i.test(language) && window.Intl?.Segmenter
      ? [...new Intl.Segmenter(language, { granularity: "word" }).segment(words)].filter((s) => s.isWordLike).map((s) => s.segment)
      : words.split(/\s+/);
    if (split.length < 2) return results;
    const alone = await Promise.all(split.map((word) => pagefind.search(word)));
    const known = alone.filter((each) => each?.results.length).map((each) => new Set(each.results.map((result) => result.id)));
    return results.filter((result) => known.every((ids) => ids.has(result.id)));
  }

  async function search(words) {
    const ask = ++asked;
    let loaded;
    try {
      loaded = await load();
    } catch {
      // No index (a site with nothing to index yet) or no network: say so; the next search tries again.
      engine = null;
      if (ask !== asked) return;
      list.replaceChildren();
      more.hidden = true;
      status.textContent = box.dataset.unavailable;
      return;
    }
    const { pagefind, merged } = loaded;
    const matched = await pagefind.search(words);
    const results = matched && merged ? await everyWord(pagefind, words, matched.results) : matched?.results;
    if (ask !== asked) return; // a newer search has started
    found = results ? [...results] : [];
    const named = names[key(words)];
    for (let at = 0; named && at < Math.min(found.length, 50); at++) {
      if ((await found[at].data()).url === named) {
        found.unshift(...found.splice(at, 1));
        break;
      }
    }
    if (ask !== asked) return;
    list.replaceChildren();
    status.textContent = found.length ? said(box.dataset.found, found.length) : box.dataset.none;
    await show(ask);
  }

  async function show(ask) {
    const next = found.slice(list.children.length, list.children.length + PAGE);
    const pages = await Promise.all(next.map((result) => result.data()));
    if (ask !== asked) return;
    for (const page of pages) list.append(item(page));
    more.hidden = list.children.length >= found.length;
  }

  function item(page) {
    const entry = document.createElement("li");
    const link = document.createElement("a");
    link.href = page.url;
    link.textContent = page.meta.title || page.url;
    const excerpt = document.createElement("p");
    excerpt.append(...tidy(page).map(([text, mark]) => {
      if (!mark) return document.createTextNode(text);
      const marked = document.createElement("mark");
      marked.textContent = text;
      return marked;
    }));
    entry.append(link, excerpt);
    return entry;
  }

  // Pagefind's excerpt is a window of words around the best match. It may open with the end of
  // the title, which the link above already shows, or in the middle of a sentence: start it after
  // the title, or at the next sentence if one starts before the first match, or show it is cut.
  function tidy(page) {
    let parts = pieces(page.excerpt);
    const plain = () => parts.map(([text]) => text).join("");
    const title = page.meta.title || "";
    let repeated = 0;
    for (let length = Math.min(title.length, plain().length); length > 1 && !repeated; length--) {
      if (title.endsWith(plain().slice(0, length))) repeated = length;
    }
    parts = drop(parts, repeated + plain().slice(repeated).match(/^[.\s]*/)[0].length);
    const at = page.content.indexOf(plain().slice(0, 12));
    if (!plain() || repeated || at === 0 || (at > 0 && /([。！？][”’」』）]*|[.!?]["”’)]*\s)\s*$/.test(page.content.slice(0, at)))) return parts;
    const before = parts.findIndex(([, mark]) => mark);
    const head = parts.slice(0, before < 0 ? parts.length : before).map(([text]) => text).join("");
    // A sentence ends at 。！？ and the quotes that close with it, or at . ! ? before a capital.
    const end = head.match(/[。！？][”’」』）]*|[.!?]["”’)]*(?=\s+["“‘(]?[A-Z])/);
    return end ? drop(parts, end.index + end[0].length, true) : [["…", false], ...parts];
  }

  // The excerpt as [text, marked?] pieces: text and <mark>s only, whatever else its HTML might hold.
  function pieces(html) {
    const parsed = document.createElement("template");
    parsed.innerHTML = html;
    return [...parsed.content.childNodes].map((node) => [node.textContent, node.nodeName === "MARK"]);
  }

  function drop(parts, count, trim = false) {
    const kept = [];
    for (const [text, mark] of parts) {
      const rest = text.slice(Math.min(count, text.length));
      count -= text.length - rest.length;
      if (rest) kept.push([kept.length || !trim ? rest : rest.trimStart(), mark]);
    }
    return kept;
  }

  function start(words) {
    clearTimeout(timer);
    const url = new URL(location.href);
    if (words.trim()) url.searchParams.set("q", words);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
    if (!words.trim()) {
      asked++;
      found = [];
      list.replaceChildren();
      status.textContent = "";
      more.hidden = true;
      return;
    }
    timer = setTimeout(() => search(words), 250);
  }

  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start(input.value);
  });
  input.addEventListener("input", () => start(input.value));
  more.addEventListener("click", () => show(asked));
  const given = new URLSearchParams(location.search).get("q");
  if (given) {
    input.value = given;
    start(given);
  }
  input.focus();
}
