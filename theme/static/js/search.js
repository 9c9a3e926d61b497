// Pagefind's search box; it searches the index of the page's own language (its <html lang>).
const box = document.getElementById("search");
if (box && window.PagefindUI) {
  new PagefindUI({
    element: box,
    bundlePath: box.dataset.bundle,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: box.dataset.placeholder },
  });
  const input = box.querySelector("input");
  if (input) {
    input.setAttribute("aria-label", box.dataset.label); // Pagefind gives it only a title
    input.focus();
  }
}
