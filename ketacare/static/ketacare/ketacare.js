/* KetaCare's only script besides htmx: focus on a form's error summary, and announcements through one
   polite live region (and one assertive region, only for an alert that needs action).
   Loaded with `defer` from base.html; no inline script (strict CSP). See docs/accessibility.md. */
(function () {
  "use strict";

  function announce(text, urgent) {
    var region = document.getElementById(urgent ? "announce-assertive" : "announce-polite");
    if (!region || !text) return;
    // Emptied first and filled a moment later, so the same words are announced again when repeated.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 100);
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    var label = document.querySelector("label[for='" + id + "']") || field.closest("fieldset");
    (label || field).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
    return true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      // GOV.UK Design System: the summary takes focus, so a screen reader reads what was refused.
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[href^='#']");
        if (link && focusField(link.getAttribute("href").slice(1))) event.preventDefault();
      });
      return;  // the summary is read on focus; the messages would repeat or distract
    }
    // Messages after a redirect ("Vitals recorded.", "ALERT: ...") are heard as well as seen.
    var urgent = [], polite = [];
    document.querySelectorAll(".messages li").forEach(function (item) {
      (item.classList.contains("warning") || item.classList.contains("error") ? urgent : polite)
        .push(item.textContent.trim());
    });
    if (urgent.length) announce(urgent.join(" "), true);
    if (polite.length) announce(polite.join(" "), false);
  });

  // Content swapped in by htmx announces itself: an element with data-announce in the new content
  // (data-announce-urgent for an alert that needs action) is read out once, through the live regions.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    var marker = target.querySelector("[data-announce]");
    if (marker) announce(marker.getAttribute("data-announce"), marker.hasAttribute("data-announce-urgent"));
  });
})();
