// The video waiting page reloads itself when the room opens (data-reload-at on #video-reload,
// ISO 8601 UTC), so the customer need not press "reload". A file of its own: the
// Content-Security-Policy runs no script written into a page. Far-off openings are left to
// the link: a timer of days would only be cut short by the phone's sleep anyway.
(() => {
  const link = document.getElementById("video-reload");
  if (!link) return;
  const opensAt = Date.parse(link.dataset.reloadAt || "");
  if (Number.isNaN(opensAt)) return;
  const wait = opensAt - Date.now();
  const HOURS_6 = 6 * 60 * 60 * 1000;
  if (wait > HOURS_6) return;
  // Never sooner than 15 s: a phone clock ahead of ours must not reload the page every second.
  window.setTimeout(() => window.location.reload(), Math.max(wait + 1000, 15000));
})();
