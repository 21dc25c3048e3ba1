// The session page and the day board: typed values survive the idle timeout, a watched session keeps
// the login alive, and an expired login sends the user to log in and back without losing anything.
// No inline script anywhere (strict CSP): this file is loaded with `defer`.
(function () {
  "use strict";
  var KEY = "kc-draft:" + window.location.pathname;

  function draftForms() { return document.querySelectorAll("form[data-draft]"); }

  function save(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "csrfmiddlewaretoken" && el.value) { values[el.name] = el.value; }
    });
    var all = JSON.parse(window.sessionStorage.getItem(KEY) || "{}");
    if (Object.keys(values).length) { all[form.dataset.draft] = values; } else { delete all[form.dataset.draft]; }
    window.sessionStorage.setItem(KEY, JSON.stringify(all));
  }

  function clear(form) {
    var all = JSON.parse(window.sessionStorage.getItem(KEY) || "{}");
    delete all[form.dataset.draft];
    window.sessionStorage.setItem(KEY, JSON.stringify(all));
  }

  function restore(afterSwap) {
    var all = JSON.parse(window.sessionStorage.getItem(KEY) || "{}");
    var restored = false;
    draftForms().forEach(function (form) {
      var values = all[form.dataset.draft];
      if (!values) { return; }
      Object.keys(values).forEach(function (name) {
        var el = form.elements.namedItem(name);
        if (el && !el.value) { el.value = values[name]; restored = true; }
      });
    });
    var note = document.getElementById("draft-restored");
    if (restored && note && !afterSwap) { note.hidden = false; }
  }

  function loginExpired(xhr) {
    return xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1;
  }

  function toLogin() {
    window.location.assign("/accounts/login/?next=" + encodeURIComponent(window.location.pathname));
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.dataset.draft) { save(form); }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (loginExpired(event.detail.xhr)) {
      event.detail.shouldSwap = false;
      toLogin();
    }
  });

  // A form sent from a page older than the current login (CSRF refused): log in again and come back;
  // the typed values are in the draft.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 403 && xhr.responseText.indexOf("data-csrf-failure") !== -1) { toLogin(); }
  });

  // A form whose values were recorded forgets its draft before the fresh form is swapped in (so the
  // restore below does not put the recorded values back).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || !form.dataset || !form.dataset.draft || loginExpired(event.detail.xhr)) { return; }
    var text = event.detail.xhr.responseText;
    if (text.indexOf('data-testid="vital-saved"') !== -1 || text.indexOf('data-testid="scale-saved"') !== -1) {
      clear(form);
    }
  });

  // A swapped part of the page (the scales card holds three forms) gets back what was being typed in
  // the forms that were not sent.
  document.addEventListener("htmx:afterSwap", function () { restore(true); restoreFocus(); });

  function restoreFocus() {
    var first = document.querySelector("form[data-draft] [autofocus]");
    if (first && document.activeElement === document.body) { first.focus({ preventScroll: true }); }
  }

  // Idle timeout: warn two minutes before it; a monitored session keeps the login alive.
  var keep = document.getElementById("keepalive");
  var warning = document.getElementById("idle-warning");
  var idleSeconds = keep ? parseInt(keep.dataset.idleSeconds || "0", 10) : 0;
  var lastActivity = Date.now();

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Only what renewed the login counts: the server answers "X-KetaCare-Idle: unchanged" to the page's
  // own background requests (the day board's polling, a finished session's), so they do not hide the
  // warning (ketacare/accounts/idle.py).
  function renewed(xhr) { return !xhr || xhr.getResponseHeader("X-KetaCare-Idle") !== "unchanged"; }

  function heartbeat(stay) {
    if (!keep) { return; }
    var xhr = new XMLHttpRequest();
    var url = keep.dataset.heartbeatUrl + (keep.dataset.session ? "?session=" + keep.dataset.session : "");
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    xhr.onload = function () {
      if (loginExpired(xhr)) { toLogin(); return; }
      if (!renewed(xhr)) { return; }
      lastActivity = Date.now();
      if (warning) { warning.hidden = true; }
    };
    xhr.send(stay === true ? "stay=1" : "");
  }

  if (keep && keep.dataset.monitored === "true") { window.setInterval(heartbeat, 60 * 1000); }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!renewed(event.detail.xhr)) { return; }
    lastActivity = Date.now();
    if (warning) { warning.hidden = true; }
  });
  if (keep && idleSeconds > 0) {
    window.setInterval(function () {
      var left = idleSeconds - (Date.now() - lastActivity) / 1000;
      if (warning && left < 120) { warning.hidden = false; }
    }, 5000);
  }
  var stay = document.getElementById("idle-stay");
  if (stay) { stay.addEventListener("click", function () { heartbeat(true); }); }

  // Printable pages (the REMS form): a button instead of an inline handler (strict CSP).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  restore();
})();
