/* musicdir's admin: a change form with errors opens at their summary (templates/admin/
 * organisations/change_form.html), which lists each and links to it, so the first thing a
 * long form shows is what to fix. */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
