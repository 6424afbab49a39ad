// desk customer pages: remembers the request number and email in this browser, and
// refreshes the tracking page every 30 seconds without a reload, so the reader keeps
// their place and anything typed into the reply box. The pages work without it.
(function () {
  "use strict";
  var KEY = "desk.track.key", EMAIL = "desk.track.email";

  function store(k, v) { try { if (v) { localStorage.setItem(k, v); } } catch (e) { /* private mode */ } }
  function load(k) { try { return localStorage.getItem(k) || ""; } catch (e) { return ""; } }

  var filed = document.getElementById("filed");
  if (filed) { store(KEY, filed.dataset.key); store(EMAIL, filed.dataset.email); }

  var lookup = document.getElementById("lookup");
  if (lookup) {
    var key = lookup.elements.key, email = lookup.elements.email;
    if (!key.value) { key.value = load(KEY); }
    if (!email.value) { email.value = load(EMAIL); }
    lookup.addEventListener("submit", function () { store(KEY, key.value.trim()); store(EMAIL, email.value.trim()); });
  }

  var refresh = document.getElementById("refresh");
  var ticket = document.getElementById("ticket");
  if (!refresh || !ticket) { return; }
  store(KEY, refresh.elements.key.value); store(EMAIL, refresh.elements.email.value);
  var EVERY = 1000 * (parseInt(refresh.dataset.every, 10) || 30);
  var state = document.getElementById("refresh-state");
  var calm = state.textContent;
  var announce = document.getElementById("announce");
  var updated = document.getElementById("updated");
  function shown(d) { return d.toLocaleTimeString(); }
  if (updated) { updated.textContent = shown(new Date(updated.getAttribute("datetime"))); }

  function tick() {
    var body = new URLSearchParams(new FormData(refresh));
    fetch("/track", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, status: r.status, text: t }; }); })
      .then(function (r) {
        if (!r.ok) { throw new Error("status " + r.status); }
        var doc = new DOMParser().parseFromString(r.text, "text/html");
        var fresh = doc.getElementById("ticket");
        if (!fresh) { throw new Error("no ticket in answer"); }
        var before = ticket.dataset.status, y = window.scrollY;
        ticket.innerHTML = fresh.innerHTML;
        ticket.dataset.status = fresh.dataset.status;
        window.scrollTo(0, y);
        // Every form on the page takes the new token, so none of them goes stale.
        var token = doc.querySelector("#refresh input[name=csrf]");
        if (token) {
          document.querySelectorAll("input[name=csrf]").forEach(function (i) { i.value = token.value; });
        }
        var now = new Date();
        updated.setAttribute("datetime", now.toISOString());
        updated.textContent = shown(now);
        state.textContent = calm;
        if (before !== fresh.dataset.status) { announce.textContent = "Status is now " + fresh.dataset.status; }
      })
      .catch(function () { state.textContent = "Could not check for news; trying again soon."; })
      .then(function () { window.setTimeout(tick, EVERY); });
  }
  window.setTimeout(tick, EVERY);
}());
