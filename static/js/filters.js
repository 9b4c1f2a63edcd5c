/* musicdir: the organisation list's filters apply as soon as they change.
 *
 * Progressive enhancement: without this script the form works as it is, with its buttons,
 * and the "remove filter" tags are plain links. With it, changing a checkbox or a select,
 * submitting the form, or following a "remove filter" or "Clear all" link fetches the list for
 * the new state and swaps in the results and the facet counts without reloading the page. The
 * address changes as if the form had been submitted, so it can be shared and reloaded, and
 * Back and Forward work.
 *
 * It never loses a click. A link, or a step back or forward, is applied to the form at once;
 * a response never resets a choice made after its request; a change while results are on
 * their way cancels that request and asks again for the form as it now is; and a change made
 * before this script ran (while the page was loading) is applied when it starts. The result
 * count is a live region that stays in place, so screen readers announce its new text. Focus
 * stays where it was, or moves to the results if what had it has gone.
 */
(function () {
  "use strict";

  // The parts it works with, found by their data attributes (templates/includes/
  // filter_form.html, active_filters.html and organisations/organisation_list.html).
  var FORM = "form[data-filters]";
  var RESULTS = "[data-results]";
  var COUNT = "[data-result-count]";
  var form = document.querySelector(FORM);
  var results = document.querySelector(RESULTS);
  if (!form || !results || !window.fetch || !window.DOMParser || !window.URL ||
      !window.URLSearchParams || !window.AbortController || !history.pushState) {
    return;
  }

  var DELAY = 150; // ms: a run of quick clicks makes one request
  var timer = null;
  var request = null; // the AbortController of the request under way
  var listPath = new URL(form.action, window.location.href).pathname;
  var shown = withoutHash(window.location.href); // the address the page shows results for
  var wanted = shown; // the address last asked for (shown, or on its way)

  function toArray(list) {
    return Array.prototype.slice.call(list);
  }

  function withoutHash(url) {
    return url.split("#")[0];
  }

  // The address for the form's state, as the page's own links ask for it (its canonical
  // address, which the server caches): what a submit would send, in the same order, without
  // empty fields or a select's first option (its default). Its hidden fields (searching for
  // the words as typed, the comparison basket) are kept, but "as typed" only for the search
  // it was asked for.
  function formUrl() {
    var params = new URLSearchParams();
    var search = form.elements.namedItem("q");
    var searchChanged = search && search.value.trim() !== search.defaultValue.trim();
    toArray(form.elements).forEach(function (control) {
      if (!control.name || control.disabled || (control.name === "as_typed" && searchChanged)) {
        return;
      }
      if (control.type === "checkbox") {
        if (control.checked) {
          params.append(control.name, control.value);
        }
      } else if (control.tagName === "SELECT") {
        if (control.selectedIndex > 0) {
          params.append(control.name, control.value);
        }
      } else if (control.tagName === "INPUT" && control.value.trim() !== "") {
        params.append(control.name, control.value.trim());
      }
    });
    var query = params.toString();
    return new URL(listPath + (query ? "?" + query : ""), window.location.href).href;
  }

  // Set the form to the state an address asks for (the response will confirm it).
  function applyToForm(url) {
    var params = new URL(url, window.location.href).searchParams;
    toArray(form.elements).forEach(function (control) {
      if (!control.name) {
        return;
      }
      var values = params.getAll(control.name);
      if (control.type === "checkbox") {
        control.checked = values.indexOf(control.value) !== -1;
      } else if (control.tagName === "SELECT") {
        var wanted = values.length ? values[0] : "";
        var option = toArray(control.options).filter(function (o) { return o.value === wanted; })[0];
        if (option) {
          control.value = wanted;
        }
      } else if (control.tagName === "INPUT" && control.type !== "hidden") {
        control.value = values.length ? values[0] : "";
      }
    });
  }

  // `sync`: set the form from the response too (after a link, Back or Forward, whose state
  // may differ from the form's in ways applyToForm cannot know, such as the default sort).
  function load(url, push, sync) {
    clearTimeout(timer);
    if (request) {
      request.abort();
    }
    var mine = new AbortController();
    request = mine;
    wanted = url;
    results.setAttribute("aria-busy", "true");
    fetch(url, { signal: mine.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (request !== mine) {
          return; // a newer change has asked again
        }
        request = null;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector(FORM);
        if (!page.querySelector(RESULTS) || !fresh) {
          throw new Error("not a list page");
        }
        if (push) {
          history.pushState({ musicdirList: true }, "", url);
        }
        shown = withoutHash(url);
        update(page, sync);
        results.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          window.location.assign(url); // anything unexpected: go there the ordinary way
        }
      });
  }

  function update(page, sync) {
    var focused = document.activeElement;
    document.title = page.title;
    updateResults(page.querySelector(RESULTS));
    updateForm(page.querySelector(FORM), sync);
    ["text/csv", "application/json"].forEach(function (type) {
      var selector = 'link[rel="alternate"][type="' + type + '"]';
      var mine = document.head.querySelector(selector);
      var theirs = page.head.querySelector(selector);
      if (mine && theirs) {
        mine.href = theirs.getAttribute("href");
      } else if (mine) {
        mine.remove();
      } else if (theirs) {
        document.head.appendChild(theirs);
      }
    });
    var now = document.activeElement;
    if (focused && focused !== document.body && !document.body.contains(focused) &&
        (!now || now === document.body)) {
      // What had focus has gone: its successor (a card's "Add to comparison" link becomes
      // "In comparison", with the same id), or else the results (a "remove filter" tag).
      var successor = focused.id && document.getElementById(focused.id);
      (successor || results).focus();
    }
  }

  // Everything in the results but the count is replaced; the count only changes its text.
  function updateResults(fresh) {
    var count = results.querySelector(COUNT);
    var freshCount = fresh.querySelector(COUNT);
    toArray(results.children).forEach(function (child) {
      if (child !== count) {
        child.remove();
      }
    });
    var before = true;
    toArray(fresh.children).forEach(function (child) {
      if (child === freshCount) {
        before = false;
      } else if (before && count) {
        results.insertBefore(child, count);
      } else {
        results.appendChild(child);
      }
    });
    if (count && freshCount) {
      count.textContent = freshCount.textContent;
    }
  }

  // The counts and disabled options are updated where they are, so focus stays put. If the
  // form has changed shape (it shows errors, say), it is replaced.
  function updateForm(fresh, sync) {
    var mine = controls(form);
    var theirs = controls(fresh);
    if (mine.map(key).join() !== theirs.map(key).join() ||
        form.hasAttribute("data-invalid") !== fresh.hasAttribute("data-invalid")) {
      var id = document.activeElement && document.activeElement.id;
      var details = form.querySelector("details");
      var open = details && details.open;
      form.innerHTML = fresh.innerHTML;
      if (open && form.querySelector("details")) {
        form.querySelector("details").open = true; // left as the reader had it
      }
      var again = id && document.getElementById(id);
      if (again) {
        again.focus();
      }
      return;
    }
    mine.forEach(function (control, i) {
      var other = theirs[i];
      control.disabled = other.disabled;
      if (control.tagName === "SELECT") {
        // Its options and their counts (a select may offer other options for other
        // results); the choice stays the reader's unless the address says otherwise.
        var value = control.value;
        if (control.innerHTML !== other.innerHTML) {
          control.innerHTML = other.innerHTML;
        }
        control.value = sync ? other.value : value;
      } else if (control.type === "checkbox") {
        var label = control.labels && control.labels[0];
        var freshLabel = other.labels && other.labels[0];
        if (label && freshLabel) {
          label.innerHTML = freshLabel.innerHTML;
        }
        var item = control.closest("[data-option]");
        var freshItem = other.closest("[data-option]");
        if (item && freshItem) {
          item.className = freshItem.className;
        }
        if (sync) {
          control.checked = other.defaultChecked;
        }
      } else if (sync && control.tagName === "INPUT") {
        control.value = other.defaultValue;
      }
    });
    var parts = form.querySelectorAll("[data-refresh]");
    var freshParts = fresh.querySelectorAll("[data-refresh]");
    toArray(parts).forEach(function (part, i) {
      var freshPart = freshParts[i];
      if (freshPart && part.innerHTML !== freshPart.innerHTML) {
        part.innerHTML = freshPart.innerHTML;
      }
    });
  }

  function controls(root) {
    return toArray(root.querySelectorAll("input, select"));
  }

  function key(control) {
    return control.tagName + ":" + (control.name || "") + ":" + (control.id || control.value);
  }

  // Has anything been changed since the page was made (before this script ran, or by the
  // browser restoring the form on "back")?
  function changedSinceLoad() {
    return toArray(form.elements).some(function (control) {
      if (control.tagName === "SELECT") {
        var initial = toArray(control.options).filter(function (o) { return o.defaultSelected; })[0];
        return control.selectedIndex !== (initial ? initial.index : 0);
      }
      if (control.type === "checkbox") {
        return control.checked !== control.defaultChecked;
      }
      return control.tagName === "INPUT" && control.type !== "hidden" &&
        control.value !== control.defaultValue;
    });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.type === "checkbox" || target.tagName === "SELECT") {
      clearTimeout(timer);
      if (request) {
        request.abort(); // what it would show is already out of date
        request = null;
      }
      timer = setTimeout(function () {
        load(formUrl(), true, false);
      }, DELAY);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(formUrl(), true, false);
  });

  // "Remove filter" tags, "Clear all", and adding to or removing from the comparison basket:
  // links to another state of this list.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-list-link]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey ||
        event.altKey || new URL(link.href).pathname !== listPath) {
      return;
    }
    event.preventDefault();
    var url = request && link.hasAttribute("data-compare") ?
      toggled(wanted, link.getAttribute("data-compare")) : link.href;
    applyToForm(url);
    load(url, true, true);
  });

  // While results are on their way, a card's "Add to comparison" (or a basket's "remove")
  // applies to the address they were asked for, not to the page its link was made on: two
  // quick clicks put both in the basket. As the server orders it: the basket after the other
  // parameters, the page last.
  function toggled(url, slug) {
    var address = new URL(url, window.location.href);
    var params = address.searchParams;
    var basket = params.getAll("compare");
    var page = params.get("page");
    params.delete("compare");
    params.delete("page");
    basket = basket.indexOf(slug) === -1 ? basket.concat([slug]) :
      basket.filter(function (s) { return s !== slug; });
    basket.forEach(function (s) { params.append("compare", s); });
    if (page) {
      params.append("page", page);
    }
    address.search = params.toString();
    return address.href;
  }

  // Back and forward between states of the list (not between "#" links on one page).
  window.addEventListener("popstate", function () {
    var url = withoutHash(window.location.href);
    if (url !== shown) {
      applyToForm(url);
      load(url, false, true);
    }
  });

  history.replaceState({ musicdirList: true }, "", window.location.href);

  if (changedSinceLoad()) {
    load(formUrl(), true, false);
  }
})();
