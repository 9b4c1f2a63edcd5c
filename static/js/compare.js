/* musicdir: the comparison on a narrow screen.
 *
 * Progressive enhancement: without this script the comparison is a table that scrolls
 * sideways in its own box, its row labels staying put, and the cue above it says (on screens
 * too narrow for all the columns, by the stylesheet's media queries) to scroll it. With it,
 * the cue says how many of the organisations show ("1 of 4 shown"), as the table scrolls and
 * the window changes size, and is hidden while all of them show.
 */
(function () {
  "use strict";

  var region = document.querySelector(".compare-scroll");
  var cue = document.getElementById("compare-cue");
  if (!region || !cue) {
    return;
  }
  var columns = Array.prototype.slice.call(region.querySelectorAll("thead th[scope=col]"));
  var corner = region.querySelector(".compare__corner");
  var text = cue.querySelector(".compare-cue__text");

  // A column shows if at least half of it is in view, beside the row labels.
  function shown() {
    var view = region.getBoundingClientRect();
    var left = corner ? corner.getBoundingClientRect().right : view.left;
    return columns.filter(function (column) {
      var box = column.getBoundingClientRect();
      var visible = Math.min(box.right, view.right) - Math.max(box.left, left);
      return visible >= box.width / 2;
    });
  }

  function update() {
    var visible = shown();
    cue.hidden = visible.length === columns.length;
    if (!cue.hidden) {
      var first = columns.indexOf(visible[0]) + 1;
      var last = first + visible.length - 1;
      var which = visible.length === 1 ? "organisation " + first : "organisations " + first + "–" + last;
      text.textContent =
        visible.length + " of " + columns.length + " shown (" + which + "): scroll the table sideways for the others.";
    }
  }

  cue.classList.add("compare-cue--live");
  region.addEventListener("scroll", update, { passive: true });
  window.addEventListener("resize", update);
  update();
})();
