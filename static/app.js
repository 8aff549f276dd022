// Stagegesprek: keeps the room page live. The server renders every region; this file applies the
// pushed fragments in version order, shows the connection state and catches up after a reconnect, and
// keeps the screen usable: tabs, focus where the hand is, one short announcement per change, messages
// next to what caused them.
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
  const status = document.getElementById("verbindingsstatus");
  const announcer = document.getElementById("aankondiging");
  const notices = document.getElementById("meldingen");
  const editor = document.getElementById("bewerken");

  // One polite live region, one short sentence per change; the regions themselves are not live.
  function announce(text) {
    if (!text) return;
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // --- Tabs: each part of the room is a fragment (#tab-...), so the back button works. On a wide
  // screen every tab shows (CSS), and a closed room shows only its verslag. A planned conversation opens
  // on the preparation: that is what matters at home.
  const tabs = Array.from(room.querySelectorAll(".tab"));
  function currentTab() {
    const wanted = window.location.hash.slice(1);
    const known = tabs.some(function (tab) { return tab.id === wanted; });
    if (known && room.dataset.status !== "closed") return wanted;
    return room.dataset.status === "planned" ? "tab-voorbereiding" : "tab-gesprek";
  }
  // On a phone the tabs are views over one flow of regions: data-view lets static/app.css show a region of
  // another tab on this one (the afspraken in the afspraken step) and order them by what the step is for.
  function showTabs() {
    const active = currentTab();
    room.dataset.view = active;
    tabs.forEach(function (tab) { tab.hidden = tab.id !== active; });
    room.querySelectorAll("#tabs a").forEach(function (link) {
      if (link.getAttribute("href") === "#" + active) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    return active;
  }
  // The first heading the current view shows, as it is laid out (CSS orders the regions per step).
  function firstHeading() {
    return Array.from(room.querySelectorAll(".tab-inhoud h2"))
      .filter(function (heading) { return heading.offsetParent !== null; })
      .sort(function (a, b) { return a.getBoundingClientRect().top - b.getBoundingClientRect().top; })[0] || null;
  }
  window.addEventListener("hashchange", function () {
    showTabs();
    const heading = firstHeading();
    if (heading) heading.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  });

  // --- What a push changed: the room's status, the tabs, and one sentence to announce.
  function activity() {
    const line = room.querySelector("#stap .activity, #verslag .activity");
    return line ? line.textContent.trim() : "";
  }
  function presence() {
    const online = {};
    room.querySelectorAll("#deelnemers [data-participant-id]").forEach(function (person) {
      online[person.dataset.participantId] = {
        name: person.querySelector(".person-name").textContent.trim(),
        online: person.dataset.online === "true",
      };
    });
    return online;
  }
  function presenceChange(before, after) {
    for (const id in after) {
      const was = before[id];
      if (was && was.online !== after[id].online) {
        return after[id].name + (after[id].online ? " is weer online." : " is offline.");
      }
      if (!was) return after[id].name + " doet mee.";
    }
    return "";
  }
  // What the screen says before a change, and the one sentence that tells what the change did to it.
  function saying() {
    return { activity: activity(), presence: presence() };
  }
  function whatChanged(before) {
    const now = activity();
    return now !== before.activity ? now : presenceChange(before.presence, presence());
  }
  // The bars at the bottom (the tab bar, then the card's actions, the leader's way on, the Akkoord) are stacked
  // and the page makes room for them. They grow with large text: together with the sticky top bar they may
  // take a third of the screen; a bar that no longer fits joins the page where it stands (the tab bar last,
  // the top bar first), so at 200 % text the screen is still mostly content.
  function measureBars() {
    const main = room.closest("main");
    const tabbar = room.querySelector("#tabs");
    const top = room.querySelector(".room-top");
    const actions = Array.from(room.querySelectorAll(".actiebalk"));
    [tabbar, top].concat(actions).forEach(function (bar) { bar.classList.remove("in-pagina"); });
    let budget = window.innerHeight / 3;
    let bottom = 0;
    function keep(bar) {
      const height = bar.offsetHeight;
      if (!height || getComputedStyle(bar).position === "static") return false;
      if (height > budget) {
        bar.classList.add("in-pagina");
        return false;
      }
      budget -= height;
      return true;
    }
    if (keep(tabbar)) {
      bottom = tabbar.offsetHeight;
      main.style.setProperty("--tabbar", bottom + "px");
    }
    actions.forEach(function (bar) {
      if (!keep(bar)) return;
      bar.style.bottom = bottom + "px";
      bottom += bar.offsetHeight;
    });
    keep(top);
    main.style.setProperty("--onder", bottom + "px");
  }
  new ResizeObserver(measureBars).observe(room);

  // The table takes one card: once one is on it, a list to pick from is closed, and when the pick was made
  // here the focus goes to the card.
  function closePicker() {
    const picker = document.getElementById("kiezen");
    if (!picker.childElementCount || !room.querySelector("#kaartje[data-card]")) return;
    const here = picker.contains(document.activeElement);
    picker.replaceChildren();
    if (here) {
      const heading = document.getElementById("kaartje-title");
      heading.focus({ preventScroll: true });
      heading.closest("section").scrollIntoView({ block: "start" });
    }
  }

  // When the room moves on (closing, sent), the Gesprek tab is where it happens: every phone goes there.
  function afterChange() {
    const fase = document.getElementById("fase");
    if (fase && fase.dataset.status !== room.dataset.status) {
      room.dataset.status = fase.dataset.status;
      if (window.location.hash) history.replaceState(null, "", "#tab-gesprek");
    }
    showTabs();
    closePicker();
    measureBars();
  }

  // The heading of a part of the page, when that part is still shown; otherwise the first heading shown on
  // the current tab (after "Gesprek afronden" the step is gone and the verslag is what changed).
  function headingOf(section) {
    const own = section && section.isConnected && !section.hidden && section.querySelector("h2");
    if (own && own.offsetParent !== null) return own;
    return firstHeading();
  }

  // A push re-renders regions as the server sees them; what this phone opened (a <details> with an id)
  // stays open, and focus stays on the control it was on (stable ids; a morph keeps the element).
  function applyFragments(fragments) {
    // An update that changes nothing on this screen only moves the version on: swapping its empty text
    // into the room would empty the whole page.
    if (!Object.keys(fragments).length) return Promise.resolve();
    const reopen = keepOpen();
    const focused = document.activeElement && document.activeElement.id;
    const section = document.activeElement && document.activeElement.closest("section[id]");
    // Something that asks this person to act (data-in-view: a card suggested to them) scrolls into view
    // when a push brings it; the focus stays where the hand is.
    const calling = new Set(Array.from(room.querySelectorAll("[data-in-view][id]"), function (el) { return el.id; }));
    const text = Object.entries(fragments)
      .map(([id, html]) => '<hx-partial hx-target="#' + CSS.escape(id) + '" hx-swap="outerMorph">' + html + "</hx-partial>")
      .join("");
    return Promise.resolve(htmx.swap({ text: text, target: room })).then(function () {
      reopen();
      // A control that is gone (the draw button, once the card is on the table) hands the focus to the
      // heading of its part of the page: the acting phone's own answer may arrive after this push, and
      // htmx drops an answer whose control is gone.
      const again = focused && (document.getElementById(focused) || headingOf(section));
      if (again && document.activeElement !== again) {
        again.focus({ preventScroll: true });
        if (again.id !== focused) again.closest("section").scrollIntoView({ block: "start" });
      }
      afterChange();
      const called = Array.from(room.querySelectorAll("[data-in-view][id]")).find(function (el) {
        return !calling.has(el.id) && el.offsetParent !== null;
      });
      if (called) called.scrollIntoView({ block: "center" });
    });
  }

  // What this phone opened (a <details> with an id) stays open when its region is re-rendered.
  function keepOpen() {
    const open = Array.from(room.querySelectorAll("details[id][open]"), function (details) { return details.id; });
    return function () {
      open.forEach(function (id) {
        const details = document.getElementById(id);
        if (details) details.open = true;
      });
    };
  }

  function setVersion(next) {
    version = next;
    room.dataset.version = String(next);
  }

  // While offline every control says it is unavailable (aria-disabled keeps it focusable, so focus stays
  // where it was) and htmx sends nothing, so nobody acts on a screen that may be out of date.
  function setConnected(connected) {
    const was = room.dataset.connected;
    room.dataset.connected = connected ? "true" : "false";
    banner.hidden = connected;
    status.dataset.online = connected ? "true" : "false";
    status.querySelector(".tekst").textContent = connected ? "Verbonden" : "Offline";
    room.querySelectorAll("button, input, select, textarea").forEach(function (control) {
      if (connected) control.removeAttribute("aria-disabled");
      else control.setAttribute("aria-disabled", "true");
    });
    if (was === "true" && !connected) announce("Verbinding kwijt. We verbinden opnieuw.");
    if (was === "false" && connected) announce("Weer verbonden.");
  }
  // Every request names this phone's socket, so the server leaves it out of the push of this phone's own change:
  // the answer brings it (see htmx:before:swap).
  document.addEventListener("htmx:before:request", function (event) {
    if (room.dataset.connected === "false") event.preventDefault();
    else if (socket.id) event.detail.ctx.request.headers["X-Socket-Id"] = socket.id;
  });

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
  function catchUp() {
    if (Date.now() - askedAt <= 2000) return;
    askedAt = Date.now();
    join();
  }
  socket.on("update", function (message) {
    const decision = verdict(version, message);
    if (decision === "apply") {
      setVersion(message.version);
      const before = saying();
      applyFragments(message.fragments).then(function () {
        checkEditor();
        if (!message.full) announce(whatChanged(before));
      });
    } else if (decision === "resync") {
      catchUp();
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

  // The acting phone gets its own change in its answer, the push leaves it out: an answer one version on
  // applies as a push would. When the push came anyway (the request left before the socket was up), the answer's
  // live regions are already on screen, or older, and are dropped; when a change this phone has not seen yet
  // came between, they are dropped too and the whole screen is asked for. Its own parts (a cleared form, a
  // message) always apply.
  const liveRegions = new Set(room.dataset.regions.split(" "));
  let focusedBefore = null;
  let sectionBefore = null;
  let ownChange = null;  // what after:swap needs to announce this phone's own change and keep what it opened
  document.addEventListener("htmx:before:swap", function (event) {
    focusedBefore = document.activeElement && document.activeElement.id;
    const section = document.activeElement && document.activeElement.closest("section[id]");
    sectionBefore = section && section.id;
    ownChange = null;
    const response = event.detail.ctx.response;
    const header = response && response.headers.get("X-Room-Version");
    if (!header) return;
    const answered = Number(header);
    if (answered === version + 1) {
      setVersion(answered);
      ownChange = { before: saying(), reopen: keepOpen() };
      return;
    }
    if (answered > version) catchUp();
    const tasks = event.detail.tasks;
    for (let i = tasks.length - 1; i >= 0; i--) {
      if (tasks[i].target && liveRegions.has(tasks[i].target.id)) tasks.splice(i, 1);
    }
  });

  // After this phone's own action: a refused one shows its message next to the control that caused it,
  // with the focus there; a done one leaves focus on that control, or, when it is gone, on the heading of
  // what changed (X-Focus). Never the top of the page, never a control that undoes the action.
  document.addEventListener("htmx:after:swap", function (event) {
    const ctx = event.detail.ctx;
    if (!ctx || !ctx.response) return;
    const source = ctx.sourceElement;
    afterChange();
    if (ownChange) {
      ownChange.reopen();
      checkEditor();
    }
    if (ctx.target === editor) {
      const heading = editor.querySelector("h2");
      if (heading) heading.focus();
      return;
    }
    if (ctx.response.status >= 400) {
      showRefusal(source);
      return;
    }
    const message = notices.querySelector(".melding");
    if (message) announce(message.textContent.trim());
    if (ownChange && !message) announce(whatChanged(ownChange.before));
    const wanted = ctx.response.headers.get("X-Focus");
    const again = focusedBefore && document.getElementById(focusedBefore);
    const target = wanted ? room.querySelector(wanted)
      : (again || (focusedBefore ? headingOf(document.getElementById(sectionBefore)) : null));
    if (target === again) {
      if (target) target.focus({ preventScroll: true });
    } else if (target) {
      target.focus({ preventScroll: true });
      (target.closest("section, form") || target).scrollIntoView({ block: "start" });
    }
  });

  // A refusal's message (in #meldingen from the server) moves next to the control that was used: inside
  // its form, just before the button, or right after the button; the control gets the focus and names it.
  let refusalCount = 0;
  function showRefusal(source) {
    const message = notices.querySelector(".melding");
    if (!message || !source || !source.isConnected) {
      if (message) announce(message.textContent.trim());
      return;
    }
    room.querySelectorAll(".veld-melding").forEach(function (old) { old.remove(); });
    const form = source.closest("form");
    const control = form ? (form.querySelector("[type=submit]") || source) : source;
    const near = message.cloneNode(true);
    near.id = "veld-melding-" + (++refusalCount);
    near.classList.add("veld-melding");
    near.setAttribute("role", "alert");
    control.before(near);
    control.setAttribute("aria-describedby", near.id);
    notices.replaceChildren();
    control.focus();
  }

  // A notice replaces the one before it and goes away by itself; a message next to a field goes once the
  // field is used again.
  let noticeTimer = null;
  const noticeTime = Number(room.dataset.noticeSeconds) * 1000;
  new MutationObserver(function () {
    clearTimeout(noticeTimer);
    if (notices.childElementCount) noticeTimer = setTimeout(function () { notices.replaceChildren(); }, noticeTime);
  }).observe(notices, { childList: true });
  room.addEventListener("input", function (event) {
    const form = event.target.closest("form");
    if (form) form.querySelectorAll(".veld-melding").forEach(function (old) { old.remove(); });
  });

  // An edit form opened in this phone's panel gets the focus (above); "Stop" closes it again and gives the
  // focus back to the tab it was opened from.
  editor.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-editor]")) {
      editor.replaceChildren();
      const heading = firstHeading();
      if (heading) heading.focus();
    }
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
      const who = (live && live.dataset.editedBy) || "Iemand anders";
      notice.textContent = live ? who + " heeft dit net veranderd. Sla je tekst op: dan zie je beide versies."
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
    if (!close) return;
    close.closest("#kiezen, #voorbereiden").replaceChildren();
    const heading = firstHeading();
    if (heading) heading.focus();
  });

  // A button that leads to a field (beside the Akkoord, "Vul je mail in"): the field gets the focus, and on a
  // phone the keyboard; it comes to the middle of the screen, clear of the bars.
  room.addEventListener("click", function (event) {
    const lead = event.target.closest("[data-focus]");
    const field = lead && document.getElementById(lead.dataset.focus);
    if (!field) return;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  });

  // "<naam> is aan het typen": sent at most every 2 s while typing, shown for 4 s, never announced.
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

  afterChange();
})();
