// Stagegesprek: keeps the room page live. The server renders every region; this file applies the
// pushed fragments in version order, shows the connection state and catches up after a reconnect.
(function () {
  "use strict";

  // Whether an `update` may be applied to a page at version `current`: updates apply in order,
  // a full re-render only when it is newer; a gap means we missed one, so we ask for a full re-render.
  function verdict(current, message) {
    if (message.full) return message.version > current ? "apply" : "ignore";
    if (message.version === current + 1) return "apply";
    return message.version <= current ? "ignore" : "resync";
  }
  window.Stagegesprek = { verdict: verdict };

  const room = document.getElementById("room");
  if (!room || typeof io === "undefined") return;

  const code = room.dataset.code;
  let version = Number(room.dataset.version);
  const banner = document.getElementById("verbinding");

  // A push re-renders regions as the server sees them; what this phone opened (a <details> with an id)
  // stays open.
  function applyFragments(fragments) {
    const open = Array.from(room.querySelectorAll("details[id][open]"), function (details) { return details.id; });
    const text = Object.entries(fragments)
      .map(([id, html]) => '<hx-partial hx-target="#' + CSS.escape(id) + '" hx-swap="outerMorph">' + html + "</hx-partial>")
      .join("");
    return Promise.resolve(htmx.swap({ text: text, target: room })).then(function () {
      open.forEach(function (id) {
        const details = document.getElementById(id);
        if (details) details.open = true;
      });
    });
  }

  function setVersion(next) {
    version = next;
    room.dataset.version = String(next);
  }

  // While offline every control is disabled, so nobody acts on a screen that may be out of date.
  function setConnected(connected) {
    room.dataset.connected = connected ? "true" : "false";
    banner.hidden = connected;
    room.querySelectorAll("button, input, select, textarea").forEach(function (control) {
      if (connected && control.dataset.offlineDisabled) {
        control.disabled = false;
        delete control.dataset.offlineDisabled;
      } else if (!connected && !control.disabled) {
        control.disabled = true;
        control.dataset.offlineDisabled = "true";
      }
    });
  }

  // Long-polling first, then upgrade: school and hospital networks often block websockets.
  const socket = io({ transports: ["polling", "websocket"] });

  function join() {
    socket.emit("join", { code: code, version: version });
  }

  socket.on("connect", function () {
    setConnected(true);
    join();
  });
  socket.on("disconnect", function () {
    setConnected(false);
  });
  // After asking to catch up, further gaps are the same gap: the whole screen is on its way.
  let askedAt = 0;
  socket.on("update", function (message) {
    const decision = verdict(version, message);
    if (decision === "apply") {
      setVersion(message.version);
      applyFragments(message.fragments).then(checkEditor);
    } else if (decision === "resync" && Date.now() - askedAt > 2000) {
      askedAt = Date.now();
      join();
    }
  });
  socket.on("removed", function () {
    window.location.reload();
  });
  socket.on("deleted", function () {
    window.location.href = "/?verwijderd=1";
  });
  socket.on("denied", function () {
    socket.disconnect();
    window.location.reload();
  });

  // The acting phone also gets its own answer over HTTP. When a newer push came first, the answer's live
  // regions are older than the screen and are dropped; its own parts (a cleared form, a message) still apply.
  const liveRegions = new Set(room.dataset.regions.split(" "));
  document.addEventListener("htmx:before:swap", function (event) {
    const response = event.detail.ctx.response;
    const header = response && response.headers.get("X-Room-Version");
    if (!header || Number(header) >= version) return;
    const tasks = event.detail.tasks;
    for (let i = tasks.length - 1; i >= 0; i--) {
      if (tasks[i].target && liveRegions.has(tasks[i].target.id)) tasks.splice(i, 1);
    }
  });

  // An edit form opened in this phone's panel gets the focus; "Stop" closes it again.
  const editor = document.getElementById("bewerken");
  document.addEventListener("htmx:after:swap", function (event) {
    const heading = editor.querySelector("h2");
    if (event.detail.ctx && event.detail.ctx.target === editor && heading) heading.focus();
  });
  editor.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-editor]")) editor.replaceChildren();
  });
  // An editor open on this phone whose afspraak or note someone else just changed: when nothing was typed
  // in it yet, it is loaded again with the new text; otherwise it says so, and saving shows both texts.
  function checkEditor() {
    const form = editor.querySelector("form[data-item]");
    if (!form) return;
    const live = room.querySelector('[data-item="' + CSS.escape(form.dataset.item) + '"]:not(form)');
    if (live && live.dataset.rev === form.dataset.rev) return;
    if (!form.dataset.typed) {
      htmx.ajax("GET", form.dataset.source, { target: editor, swap: "innerHTML" });
    } else if (!form.querySelector("[data-stale]")) {
      const notice = document.createElement("p");
      notice.className = "melding fout";
      notice.dataset.stale = "true";
      notice.textContent = live ? "Iemand anders heeft dit net veranderd. Sla je tekst op: dan zie je beide versies."
        : "Iemand anders heeft dit net weggehaald.";
      form.querySelector("h2").after(notice);
    }
  }
  editor.addEventListener("input", function (event) {
    const form = event.target.closest("form");
    if (form) form.dataset.typed = "true";
  });

  // This phone's own lists (a card to pick, cards to prepare) close with their own button.
  room.addEventListener("click", function (event) {
    const close = event.target.closest("[data-close-piece]");
    if (close) close.closest("#kiezen, #voorbereiden").replaceChildren();
  });

  // "<naam> is aan het typen": sent at most every 2 s while typing, shown for 4 s.
  let lastTyping = 0;
  room.addEventListener("input", function (event) {
    const form = event.target.closest("[data-typing-key]");
    if (!form || Date.now() - lastTyping < 2000) return;
    lastTyping = Date.now();
    socket.emit("typing", { key: form.dataset.typingKey });
  });
  socket.on("typing", function (message) {
    room.querySelectorAll('[data-typing-for="' + CSS.escape(message.key) + '"]').forEach(function (element) {
      element.textContent = message.name + " is aan het typen…";
      clearTimeout(element.typingTimer);
      element.typingTimer = setTimeout(function () { element.textContent = ""; }, 4000);
    });
  });

  // The phase timer counts from the start the server stored, on the server's clock (the page says what
  // time the server had when it was made), so every phone shows the same minutes.
  const skew = Number(room.dataset.serverNow) - Date.now();
  function tick() {
    room.querySelectorAll("[data-started]").forEach(function (element) {
      const minutes = Math.max(0, Math.floor((Date.now() + skew - Date.parse(element.dataset.started)) / 60000));
      element.textContent = minutes + " min";
      element.classList.toggle("over", minutes > Number(element.dataset.minutes));
    });
  }
  tick();
  setInterval(tick, 15000);
  document.addEventListener("htmx:after:swap", tick);
})();
