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

  // Every table scrolls sideways inside a focusable, labelled region on a narrow screen, so the page
  // itself reflows at 320 px (WCAG 1.4.10) and the keyboard reaches the hidden columns (2.1.1). Tables
  // a template already wraps are left as they are; the label is the caption, else the nearest heading.
  function wrapTables(root) {
    root.querySelectorAll("table").forEach(function (table) {
      if (table.closest(".table-wrap")) return;
      var caption = table.querySelector("caption");
      var section = table.closest("section, main");
      var heading = section && section.querySelector("h1, h2, h3");
      var wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.setAttribute("role", "region");
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("aria-label", ((caption || heading) ? (caption || heading).textContent : "Table").trim());
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wrapTables(document);
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
    wrapTables(document);
    // A form answered in place (the one-line vitals form) behaves as a refused page does: the title
    // says "Error:", the summary takes focus and its links move to the fields.
    // (With outerHTML the event's target is the element swapped out, so look in the document.)
    var summary = document.querySelector("form[hx-post] .error-summary");
    if (summary) {
      if (document.title.indexOf("Error: ") !== 0) document.title = "Error: " + document.title;
      summary.focus();
      summary.addEventListener("click", function (clicked) {
        var link = clicked.target.closest("a[href^='#']");
        if (link && focusField(link.getAttribute("href").slice(1))) clicked.preventDefault();
      });
      return;
    }
    if (document.title.indexOf("Error: ") === 0) document.title = document.title.slice(7);
    var marker = target.querySelector("[data-announce]");
    if (marker) announce(marker.getAttribute("data-announce"), marker.hasAttribute("data-announce-urgent"));
  });
})();
