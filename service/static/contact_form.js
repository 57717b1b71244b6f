// The contact form's callback window: once a day is chosen, only times inside that day's
// hotline hours can be picked (the day's option carries them as "480-720 780-900", minutes
// since midnight), and the end only within the same stretch as the start. Without this
// script every time is listed and the server refuses a window outside the hours.
const form = document.querySelector("form[data-contact-form]");
if (form) {
  const day = form.querySelector("#window_day");
  const from = form.querySelector("#window_from");
  const to = form.querySelector("#window_to");
  const minutes = (text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
  const ranges = () => {
    const chosen = day.selectedOptions[0];
    const text = chosen ? chosen.dataset.ranges || "" : "";
    return text.split(" ").filter(Boolean).map((pair) => pair.split("-").map(Number));
  };
  const limit = (select, allowed) => {
    for (const option of select.options) {
      if (!option.value) continue;
      const ok = allowed(minutes(option.value));
      option.hidden = !ok;
      option.disabled = !ok;
      if (!ok && option.selected) select.value = "";
    }
  };
  const update = () => {
    const open = ranges();
    if (!open.length) {
      limit(from, () => true);
      limit(to, () => true);
      return;
    }
    limit(from, (t) => open.some(([a, b]) => a <= t && t + 30 <= b));
    const start = from.value ? minutes(from.value) : null;
    limit(to, (t) =>
      open.some(([a, b]) => a + 30 <= t && t <= b && (start === null || (a <= start && start < t))),
    );
  };
  day.addEventListener("change", update);
  from.addEventListener("change", update);
  update();
}
