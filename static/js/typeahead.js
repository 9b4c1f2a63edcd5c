/* musicdir: type-ahead for the list's search box.
 *
 * Progressive enhancement: without this script the search box is a plain search box and the
 * form works as it is. With it, the box becomes a combobox (the WAI-ARIA Authoring Practices'
 * "list autocomplete" pattern): as the reader types, up to eight organisations whose names or
 * acronyms begin with what was typed are offered in a list below it, from the site's small
 * JSON endpoint (the box's data-suggest attribute names it; organisations/views.py,
 * SuggestView). Down and Up move through them (the box keeps focus; aria-activedescendant
 * says which is current), Enter or a click chooses one: its name goes into the box and the
 * search is made, as if typed and submitted. Escape closes the list, and a second Escape
 * clears the box. How many were found is announced in a live region.
 *
 * filters.js may replace the form's contents after a search (when the form changes shape):
 * everything is found again from the box each time, so it keeps working.
 */
(function () {
  "use strict";

  var BOX = "input[data-suggest]";
  var DELAY = 120; // ms after the last key before asking
  var MIN_LENGTH = 2;
  if (!window.fetch || !window.URL || !document.querySelector(BOX)) {
    return;
  }

  var timer = null;
  var request = null; // the AbortController of the request under way
  var asked = ""; // what the list shows results for

  // The box's list and live region, made the first time (and again if the form was replaced).
  function parts(box) {
    var id = box.id + "-suggestions";
    var list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.id = id;
      list.className = "suggest";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Suggested organisations");
      list.hidden = true;
      box.parentNode.appendChild(list);
      var status = document.createElement("p");
      status.id = box.id + "-suggestions-status";
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      box.parentNode.appendChild(status);
      box.parentNode.classList.add("suggest-anchor");
    }
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", id);
    box.setAttribute("autocomplete", "off");
    if (!box.hasAttribute("aria-expanded")) {
      box.setAttribute("aria-expanded", "false");
    }
    return { list: list, status: document.getElementById(box.id + "-suggestions-status") };
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll('[role="option"]'));
  }

  function close(box) {
    var found = parts(box);
    found.list.hidden = true;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function announce(box, text) {
    parts(box).status.textContent = text;
  }

  function show(box, results) {
    var list = parts(box).list;
    list.textContent = "";
    results.forEach(function (result, i) {
      var option = document.createElement("li");
      option.id = list.id + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = result.name;
      option.dataset.value = result.name;
      if (result.acronym) {
        var acronym = document.createElement("span");
        acronym.className = "suggest__acronym";
        acronym.textContent = " (" + result.acronym + ")";
        option.appendChild(acronym);
      }
      list.appendChild(option);
    });
    if (results.length) {
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
    } else {
      close(box);
    }
    box.removeAttribute("aria-activedescendant");
    announce(box, results.length === 0 ? "No suggestions" :
      results.length + (results.length === 1 ? " suggestion" : " suggestions") +
      ": use the up and down arrow keys to choose one");
  }

  function ask(box) {
    var typed = box.value.trim().replace(/\s+/g, " ");
    if (typed === asked && !parts(box).list.hidden) {
      return;
    }
    if (request) {
      request.abort();
      request = null;
    }
    if (typed.length < MIN_LENGTH) {
      asked = "";
      close(box);
      announce(box, "");
      return;
    }
    var url = new URL(box.getAttribute("data-suggest"), window.location.href);
    url.searchParams.set("q", typed);
    var mine = new AbortController();
    request = mine;
    fetch(url.href, { signal: mine.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (request !== mine || document.activeElement !== box) {
          return; // asked again since, or the reader has moved on
        }
        request = null;
        asked = typed;
        show(box, data.results || []);
      })
      .catch(function () {
        close(box); // no suggestions: the box works as a plain search box
      });
  }

  function move(box, step) {
    var list = parts(box).list;
    var all = options(list);
    if (list.hidden || !all.length) {
      return false;
    }
    var current = all.indexOf(document.getElementById(box.getAttribute("aria-activedescendant")));
    var next = current + step;
    if (next < 0) {
      next = all.length - 1;
    } else if (next >= all.length) {
      next = 0;
    }
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === next ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", all[next].id);
    all[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  function choose(box, option) {
    box.value = option.dataset.value;
    asked = box.value;
    close(box);
    announce(box, "");
    var form = box.form;
    if (form && form.requestSubmit) {
      form.requestSubmit();
    } else if (form) {
      form.submit();
    }
  }

  Array.prototype.slice.call(document.querySelectorAll(BOX)).forEach(parts);

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(BOX)) {
      return;
    }
    parts(box);
    clearTimeout(timer);
    timer = setTimeout(function () {
      ask(box);
    }, DELAY);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(BOX)) {
      return;
    }
    var list = parts(box).list;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden && box.value.trim()) {
        asked = "";
        ask(box);
        event.preventDefault();
      } else if (move(box, event.key === "ArrowDown" ? 1 : -1)) {
        event.preventDefault();
      }
    } else if (event.key === "Enter") {
      var active = document.getElementById(box.getAttribute("aria-activedescendant") || "");
      if (active && !list.hidden) {
        event.preventDefault();
        choose(box, active);
      } else {
        close(box); // the form submits what was typed, as without this script
      }
    } else if (event.key === "Escape") {
      if (!list.hidden) {
        close(box);
        event.preventDefault();
      } else if (box.value) {
        box.value = "";
        event.preventDefault();
      }
    }
  });

  // A click on a suggestion chooses it (on mousedown, before the box loses focus).
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest('.suggest [role="option"]');
    if (!option) {
      return;
    }
    event.preventDefault();
    var box = document.querySelector('[aria-controls="' + option.parentNode.id + '"]');
    if (box) {
      choose(box, option);
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches(BOX)) {
      close(event.target);
    }
  });
})();
