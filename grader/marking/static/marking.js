// The marking page's keys: PgUp / PgDn for the previous / next answer, Alt+N for the next one not yet
// marked, Ctrl+Enter in the comment to save. Enter in the score box saves (the form's own submit).
(function () {
  "use strict";
  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }
  document.addEventListener("keydown", function (event) {
    if (document.body.dataset.page !== "mark") { return; }
    if (event.key === "PageDown") { event.preventDefault(); follow("next"); }
    else if (event.key === "PageUp") { event.preventDefault(); follow("prev"); }
    else if (event.altKey && (event.key === "n" || event.key === "N")) { event.preventDefault(); follow("next-open"); }
    else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "comment") {
      event.preventDefault();
      var form = document.getElementById("mark-form");
      if (form) { form.requestSubmit(); }
    }
  });
  var score = document.getElementById("score");
  if (score && !score.disabled) { score.select(); }
})();
