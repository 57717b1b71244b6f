// The video join page with Twilio Video: the SDK is our own copy (/static/vendor/twilio-video.min.js,
// loaded before this file, see service/vendor_assets.py), never a CDN. A file of its own, since
// the Content-Security-Policy runs no script written into a page.
//
// What the page gives it, on <div id="video-session">:
//   data-provider="twilio"  data-room  data-token (the access token)  data-name  data-lang
//   data-opens-at, data-closes-at (ISO 8601 UTC; before the window the script waits, after it
//     it does not start)
// and every text it may show, already in the page's language (no text is written here):
//   data-msg-unavailable         the SDK did not load or the browser cannot do video calls
//   data-msg-ended               the session is over (left, or the room was closed)
//   data-msg-not-yet, data-msg-closed   before data-opens-at, after data-closes-at
//   data-msg-waiting             connected, the other person is not there (yet, or any more)
//   data-msg-joined              the other person is there
//   data-msg-permission-denied   camera or microphone were not allowed
//   data-msg-token-expired       the access token was refused (expired): reload the page
//   data-msg-failed              any other error while connecting or connected
// Messages go into <p id="video-status" role="status" aria-live="polite">; <button id="video-leave">
// leaves the room (disabled while not connected). The video elements go into two containers the
// script adds to #video-session: .video-remote (the other person) and .video-local (oneself).
(() => {
  const root = document.getElementById("video-session");
  const status = document.getElementById("video-status");
  const leave = document.getElementById("video-leave");
  if (!root || root.dataset.provider !== "twilio") return;
  const data = root.dataset;
  let room = null;

  function say(text) {
    if (status) status.textContent = text || "";
  }

  function box(className) {
    const element = document.createElement("div");
    element.className = className;
    root.append(element);
    return element;
  }

  function attach(track, into) {
    if (track.kind === "audio" || track.kind === "video") into.append(track.attach());
  }

  function detach(track) {
    if (typeof track.detach === "function") track.detach().forEach((element) => element.remove());
  }

  function explain(error) {
    if (!error) return data.msgFailed;
    if (error.name === "NotAllowedError" || error.name === "PermissionDeniedError") return data.msgPermissionDenied;
    // 20101-20107: the access token is invalid, expired or not yet valid (Twilio's error codes).
    if (error.code >= 20101 && error.code <= 20107) return data.msgTokenExpired;
    return data.msgFailed;
  }

  function start() {
    const Video = window.Twilio && window.Twilio.Video;
    if (!Video || !Video.isSupported) {
      say(data.msgUnavailable);
      return;
    }
    root.classList.add("video-session");
    const remote = box("video-remote");
    const local = box("video-local");

    function show(participant) {
      participant.tracks.forEach((publication) => {
        if (publication.track) attach(publication.track, remote);
      });
      participant.on("trackSubscribed", (track) => attach(track, remote));
      participant.on("trackUnsubscribed", detach);
    }

    function over(text) {
      room = null;
      if (leave) leave.disabled = true;
      remote.remove();
      local.remove();
      root.classList.remove("video-session");
      say(text);
    }

    Video.connect(data.token, { name: data.room, audio: true, video: { width: 640 } }).then(
      (joined) => {
        room = joined;
        if (leave) leave.disabled = false;
        // Only one's own picture: one's own sound played back would echo.
        room.localParticipant.videoTracks.forEach((publication) => attach(publication.track, local));
        room.participants.forEach(show);
        say(room.participants.size ? data.msgJoined : data.msgWaiting);
        room.on("participantConnected", (participant) => {
          show(participant);
          say(data.msgJoined);
        });
        room.on("participantDisconnected", (participant) => {
          participant.tracks.forEach((publication) => {
            if (publication.track) detach(publication.track);
          });
          say(data.msgWaiting);
        });
        room.on("disconnected", (left, error) => {
          // Camera and microphone off at once, not when the page is closed.
          left.localParticipant.tracks.forEach((publication) => {
            if (typeof publication.track.stop === "function") publication.track.stop();
          });
          over(error ? explain(error) : data.msgEnded);
        });
      },
      (error) => over(explain(error)),
    );
  }

  if (leave) {
    leave.disabled = true;
    leave.addEventListener("click", () => {
      if (room) room.disconnect();
    });
  }
  // Leaving the page leaves the room at once, instead of showing a frozen picture to the other person.
  window.addEventListener("pagehide", () => {
    if (room) room.disconnect();
  });

  const now = Date.now();
  const opensAt = Date.parse(data.opensAt || "");
  const closesAt = Date.parse(data.closesAt || "");
  if (closesAt && now > closesAt) {
    say(data.msgClosed);
  } else if (opensAt && now < opensAt) {
    say(data.msgNotYet);
    window.setTimeout(() => {
      say("");
      start();
    }, Math.min(opensAt - now, 2 ** 31 - 1));
  } else {
    start();
  }
})();
