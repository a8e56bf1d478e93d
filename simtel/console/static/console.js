// simtel console: live regions over server-sent events, forms without reloads. No dependencies.
// Without JavaScript every form still works (post, then redirect back).
"use strict";
(function () {
  const body = document.body;
  const notice = document.getElementById("notice");
  const MIN_GAP_MS = 250;
  let refreshing = false;
  let again = false;

  function say(ok, message) {
    if (!notice) return;
    notice.textContent = message;
    notice.className = ok ? "ok" : "error";
  }

  // Re-read this page and swap every [data-live] element whose markup changed.
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { "X-Console-Live": "1" }, cache: "no-store" });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const old of document.querySelectorAll("[data-live][id]")) {
        const next = fresh.getElementById(old.id);
        if (!next || next.innerHTML === old.innerHTML) continue;
        const focused = document.activeElement && old.contains(document.activeElement) ? document.activeElement.id : null;
        const open = new Set([...old.querySelectorAll("details[open][id]")].map((d) => d.id));
        old.innerHTML = next.innerHTML;
        for (const id of open) { const d = document.getElementById(id); if (d) d.open = true; }
        if (focused) { const f = document.getElementById(focused); if (f) f.focus(); }
      }
      body.dataset.refreshed = String(Number(body.dataset.refreshed || 0) + 1);
    } finally {
      // at most a few refreshes a second, however fast a realtime clock ticks
      setTimeout(() => {
        refreshing = false;
        if (again) { again = false; refresh(); }
      }, MIN_GAP_MS);
    }
  }

  function onClock(data) {
    const now = document.getElementById("clock-now");
    const t = document.getElementById("clock-t");
    if (now) now.textContent = data.now;
    if (t) t.textContent = Number(data.t).toFixed(1);
    if (document.querySelector("[data-live][id]")) refresh();
  }

  // The event tail: new events go on top of #event-rows, at most 500 rows kept.
  const tail = document.getElementById("event-rows");
  function onLog(event) {
    if (!tail) return;
    const row = document.createElement("tr");
    row.className = "fresh";
    const cells = [event.seq, Number(event.t).toFixed(3), event.kind, event.sid, JSON.stringify(event.fields)];
    cells.forEach((value, index) => {
      const cell = document.createElement("td");
      if (index === 3) {
        const link = document.createElement("a");
        link.textContent = value;
        const kind = String(value).slice(0, 2);
        const page = { CA: "calls", RE: "recordings", CF: "conferences" }[kind];
        if (page) link.href = body.dataset.prefix + "/" + page + "/" + value;
        cell.appendChild(link);
      } else {
        cell.textContent = value;
      }
      row.appendChild(cell);
    });
    tail.insertBefore(row, tail.firstChild);
    const empty = tail.querySelector(".empty");
    if (empty) empty.parentElement.remove();
    while (tail.rows.length > 500) tail.deleteRow(tail.rows.length - 1);
  }

  function connect() {
    const url = body.dataset.stream;
    if (!url || !window.EventSource) return;
    const source = new EventSource(url);
    source.addEventListener("clock", (e) => onClock(JSON.parse(e.data)));
    source.addEventListener("log", (e) => onLog(JSON.parse(e.data)));
    source.addEventListener("reset", () => { if (tail) tail.innerHTML = ""; });
    window.addEventListener("pagehide", () => source.close());
  }

  // Forms marked data-fetch post in the background; the stream then updates the page.
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { e.preventDefault(); return; }
    if (!form.hasAttribute("data-fetch")) return;
    e.preventDefault();
    const fresh = form.querySelector("[data-new-party]");
    if (fresh) form.action = form.action.replace(/\/parties\/.*$/, "/parties/" + encodeURIComponent(fresh.value.trim()));
    const data = new FormData(form);
    if (e.submitter && e.submitter.name) data.set(e.submitter.name, e.submitter.value);
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        headers: { "X-Console-Fetch": "1" },
      });
      const answer = await response.json();
      say(answer.ok, answer.message);
      if (document.querySelector("[data-live][id]")) refresh();
      if (answer.ok && form.id === "place-call") form.reset();
    } catch (error) {
      say(false, String(error));
    }
  });

  // The recording player: switch between WAV and MP3.
  const format = document.getElementById("player-format");
  if (format) {
    format.addEventListener("change", () => {
      const player = document.getElementById("player");
      player.src = player.src.replace(/media\.(wav|mp3)/, "media." + format.value);
    });
  }

  body.dataset.prefix = document.querySelector('meta[name="console-prefix"]').content;
  connect();
})();
