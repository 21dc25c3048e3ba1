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

  function restore() {
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
    if (restored && note) { note.hidden = false; }
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

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.dataset || !form.dataset.draft || loginExpired(event.detail.xhr)) { return; }
    if (event.detail.successful && event.detail.xhr.responseText.indexOf('data-testid="vital-saved"') !== -1) {
      clear(form);
    }
  });

  document.addEventListener("htmx:afterSwap", function () { restoreFocus(); });

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

  function heartbeat() {
    if (!keep) { return; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", keep.dataset.heartbeatUrl);
    xhr.setRequestHeader("X-CSRFToken", csrf());
    xhr.onload = function () {
      if (loginExpired(xhr)) { toLogin(); return; }
      lastActivity = Date.now();
      if (warning) { warning.hidden = true; }
    };
    xhr.send();
  }

  if (keep && keep.dataset.monitored === "true") { window.setInterval(heartbeat, 60 * 1000); }
  document.addEventListener("htmx:afterRequest", function () { lastActivity = Date.now(); });
  if (keep && idleSeconds > 0) {
    window.setInterval(function () {
      var left = idleSeconds - (Date.now() - lastActivity) / 1000;
      if (warning && left < 120) { warning.hidden = false; }
    }, 5000);
  }
  var stay = document.getElementById("idle-stay");
  if (stay) { stay.addEventListener("click", heartbeat); }

  restore();
})();
