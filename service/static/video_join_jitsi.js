// The video join page with the job centre's own Jitsi Meet: the meeting runs in an iframe the
// Jitsi IFrame API (https://<domain>/external_api.js, loaded before this file) puts into
// #video-session. A file of its own, since the Content-Security-Policy runs no script written
// into a page (video/content_policy.py allows exactly that one host for script and frame).
//
// What the page gives it, on <div id="video-session">:
//   data-provider="jitsi"  data-domain (bare host)  data-room  data-token (the JWT)
//   data-name (display name)  data-lang ("de" | "en")
//   data-opens-at, data-closes-at (ISO 8601 UTC: the token's window; before it the script
//     waits, after it it does not start)
// and every text it may show, already in the page's language (no text is written here):
//   data-msg-unavailable  the meeting cannot be loaded (script blocked, offline, old browser)
//   data-msg-ended        the person has left the meeting
//   data-msg-not-yet      before data-opens-at: "the room opens at …"
//   data-msg-closed       after data-closes-at
//   data-msg-frame-title  the meeting iframe's title, for screen readers
// Messages go into <p id="video-status" role="status" aria-live="polite">.
(() => {
  const root = document.getElementById("video-session");
  const status = document.getElementById("video-status");
  if (!root || root.dataset.provider !== "jitsi") return;
  const data = root.dataset;
  let api = null;

  function say(text) {
    if (status) status.textContent = text || "";
  }

  function ended() {
    if (!api) return;
    api.dispose();
    api = null;
    root.classList.remove("video-session");
    say(data.msgEnded);
  }

  function start() {
    if (typeof window.JitsiMeetExternalAPI !== "function") {
      say(data.msgUnavailable);
      return;
    }
    root.classList.add("video-session");
    try {
      api = new window.JitsiMeetExternalAPI(data.domain, {
        roomName: data.room,
        jwt: data.token,
        parentNode: root,
        width: "100%",
        height: "100%",
        lang: data.lang,
        userInfo: { displayName: data.name },
        configOverwrite: {
          prejoinConfig: { enabled: true }, // camera and microphone checked before entering
          disableDeepLinking: true, // stay in the browser: no "open the app" page on phones
          defaultLanguage: data.lang,
        },
      });
    } catch (error) {
      root.classList.remove("video-session");
      say(data.msgUnavailable);
      return;
    }
    const frame = api.getIFrame();
    if (frame && data.msgFrameTitle) frame.title = data.msgFrameTitle;
    api.addListener("readyToClose", ended);
    api.addListener("videoConferenceLeft", ended);
  }

  const now = Date.now();
  const opensAt = Date.parse(data.opensAt || "");
  const closesAt = Date.parse(data.closesAt || "");
  if (closesAt && now > closesAt) {
    say(data.msgClosed);
  } else if (opensAt && now < opensAt) {
    say(data.msgNotYet);
    // Timers are capped near 24.8 days; a join page is opened for one session, hours ahead at most.
    window.setTimeout(() => {
      say("");
      start();
    }, Math.min(opensAt - now, 2 ** 31 - 1));
  } else {
    start();
  }
})();
