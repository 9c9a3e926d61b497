// Forms work without this script (a plain POST and a page back). With it, errors appear
// beside the fields without a reload, from the handler's own checks.
// A photo goes at the size the handler keeps (data-max-width, the widest copy the site
// publishes): drawn upright on white and sent as a JPEG without its EXIF, so a phone's
// 4,000-pixel photo is a few hundred KB over its connection, its GPS position never leaves the
// phone, and a class note's photos fit a cloud function's 6 MB request. A file the browser
// cannot decode (HEIC outside Safari) or that would not get smaller goes as it was; the
// handler decodes and checks every photo again in any case (forms/photos.py).
const shrunk = async (file, width) => {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, width / bitmap.width);
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a see-through part is shown on white, as the handler does
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const jpeg = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 });
    if (jpeg.size >= file.size && scale === 1) return file;
    return new File([jpeg], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" });
  } catch {
    return file;
  }
};

document.querySelectorAll("form[data-form]").forEach((form) => {
  const event = new URLSearchParams(location.search).get("event");
  if (event && form.elements.event) form.elements.event.value = event;
  // The time-trap: a stamp from when this page opened, not from when the site was built.
  if (form.elements._stamp) {
    const address = new URL(form.action);
    fetch(`${address.origin}${address.pathname}/stamp`, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => answer && (form.elements._stamp.value = answer.stamp))
      .catch(() => {}); // the built stamp still serves
  }
  // An id for this filling-in of the form, sent with it and with every retry: a submission
  // stored whose answer was lost (a 503, a dropped connection) and sent again stays one.
  // A new one once it is stored, and for a page brought back from the browser's history.
  const attempt = () => {
    if (!form.elements._attempt) return;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    form.elements._attempt.value = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  };
  attempt();
  window.addEventListener("pageshow", (shown) => shown.persisted && attempt());
  form.noValidate = true; // the handler's messages, in both languages, replace the browser's
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const button = form.querySelector("button[type=submit]");
    form.querySelectorAll(".error").forEach((p) => (p.textContent = ""));
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    button.disabled = true;
    try {
      const data = new FormData(form);
      // Photos over the limits said beside them are not sent over a phone's connection only to
      // be refused: the same words are shown at once. The size is a shrunk photo's.
      for (const input of form.querySelectorAll("input[type=file][data-max-files]")) {
        const files = input.files.length > Number(input.dataset.maxFiles) ? [...input.files]
          : await Promise.all([...input.files].map((file) => shrunk(file, Number(input.dataset.maxWidth))));
        if (files.length > Number(input.dataset.maxFiles) || files.some((f) => f.size > Number(input.dataset.maxBytes))) {
          form.querySelector(`#err-${input.name}`).textContent = form.querySelector(`#help-${input.name}`).textContent;
          input.setAttribute("aria-invalid", "true");
          input.focus();
          return;
        }
        data.delete(input.name);
        files.forEach((file) => data.append(input.name, file, file.name));
      }
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        // A form with photos goes as multipart, as without this script; the others as before.
        body: form.enctype === "multipart/form-data" ? data : new URLSearchParams(data),
      });
      const answer = await response.json();
      if (response.ok) {
        attempt();
        location.assign(answer.redirect);
        return;
      }
      const lang = document.documentElement.lang === "en" ? "en" : "zh";
      const errors = answer.errors || { _form: answer.error };
      let first = null;
      for (const [name, message] of Object.entries(errors)) {
        const input = form.elements[name];
        const slot = form.querySelector(`#err-${name}`) || form.querySelector("#err-consent");
        if (slot) slot.textContent = message[lang];
        if (input && input.setAttribute) {
          input.setAttribute("aria-invalid", "true");
          first = first || input;
        }
      }
      if (first) first.focus();
    } catch (error) {
      form.querySelector("#err-consent").textContent = "网络出错，请稍后再试 / Network error, please try again";
    } finally {
      button.disabled = false;
    }
  });
});
