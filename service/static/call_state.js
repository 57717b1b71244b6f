// The concern page's call, live: asks the service how far the call has come and says each step
// in the page's status region (role="status", so screen readers hear it). A file of its own,
// since the Content-Security-Policy runs no script written into a page.
(() => {
  const region = document.getElementById("call-state");
  if (!region || !region.dataset.url) return;
  const texts = JSON.parse(region.dataset.texts || "{}");
  const count = document.getElementById("attempt-count");
  const everyMs = 2000;
  const giveUpAfterMs = 30 * 60 * 1000; // a call long over whose end never came back
  const started = Date.now();
  let shown = region.dataset.state;

  function say(state, outcome) {
    const ended = state === "ended";
    const text = ended ? `${texts.ended} ${texts[outcome] || ""}`.trim() : texts[state];
    const key = ended ? `ended:${outcome}` : state;
    if (!text || key === shown) return;
    shown = key;
    region.textContent = text;
    region.className = `call-state-${state}`;
  }

  async function ask() {
    let next = everyMs;
    try {
      const response = await fetch(region.dataset.url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const call = await response.json();
        say(call.state, call.outcome);
        if (count && typeof call.attempts === "number") count.textContent = String(call.attempts);
        if (call.state === "ended" || call.state === "idle") return;
      } else if (response.status === 401 || response.status === 403 || response.status === 404) {
        return; // logged out or no longer allowed: a reload will say why
      }
    } catch (error) {
      next = everyMs * 3; // the network is away for a moment: ask again, less often
    }
    if (Date.now() - started < giveUpAfterMs) window.setTimeout(ask, next);
  }

  window.setTimeout(ask, everyMs);
})();
