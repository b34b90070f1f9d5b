/*
 * Live forbidden-phrase check 服务禁语 (design "Service language"). No framework, no CDN.
 *
 * Every <textarea data-phrase-check> (or <input data-phrase-check>) is checked while the agent types
 * (debounced): POST /api/v1/phrases/check/ {"text", "kind", "context"} with the session's CSRF token; kind and
 * context (which text to the customer) come from the field's data-phrase-kind / data-phrase-context, so a phrase
 * forbidden only in some texts ("我们已经派了" in a repair's progress answer) is found only there. A match that
 * blocks is shown in red; one that only warns (大概, 可能, 也许 in a consultation's answer) in amber, and the form's
 * confirmation box ([data-phrase-confirm]) is shown so the agent can keep the words. The matches are shown
 * under the field in its [data-phrase-warning] element (found through aria-describedby, the selector in
 * data-phrase-check="#…", a following sibling, or created after the field), with the phrases highlighted
 * in a copy of the text built from text nodes and <mark> (user text never goes through innerHTML), and
 * the field gets aria-invalid="true"; both are cleared when the text is fine. The server refuses the text
 * anyway (400 forbidden_phrase): this only warns early.
 *
 * Buttons with data-insert-into="#id" (templates/tickets/_phrases.html) insert their text at the caret.
 * Fields added later (htmx swaps) work too: the listeners are on the document; call
 * window.phraseCheck.scan(root) to check the prefilled ones.
 */
(function () {
  "use strict";
  if (window.phraseCheck) return; // included twice: keep the first

  var script = document.currentScript;
  var data = (script && script.dataset) || {};
  var config = {
    url: data.url || "/api/v1/phrases/check/",
    found: data.labelFound || "Forbidden phrase — the reply will be refused:",
    warned: data.labelWarned || "Words to avoid — kept only if you confirm:",
    instead: data.labelInstead || "Say instead:",
    copy: data.labelCopy || "In your text:",
    delay: 250
  };
  var FIELDS = "textarea[data-phrase-check], input[data-phrase-check]";
  var state = new WeakMap(); // field → {timer, seq, controller, checked}
  var lastField = null;
  var created = 0;

  function fieldState(field) {
    var s = state.get(field);
    if (!s) {
      s = {timer: null, seq: 0, controller: null, checked: null};
      state.set(field, s);
    }
    return s;
  }

  function csrfToken() {
    var cookies = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < cookies.length; i++) {
      var pair = cookies[i].trim();
      if (pair.indexOf("csrftoken=") === 0) return decodeURIComponent(pair.slice("csrftoken=".length));
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function warningFor(field, create) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    for (var i = 0; i < ids.length; i++) {
      var described = ids[i] && document.getElementById(ids[i]);
      if (described && described.hasAttribute("data-phrase-warning")) return described;
    }
    var selector = field.getAttribute("data-phrase-check");
    if (selector) {
      var named = document.querySelector(selector);
      if (named) return named;
    }
    for (var next = field.nextElementSibling; next; next = next.nextElementSibling) {
      if (next.hasAttribute("data-phrase-warning")) return next;
      if (next.matches(FIELDS)) break; // that one belongs to the next field
    }
    if (!create) return null;
    var warning = document.createElement("div");
    warning.setAttribute("data-phrase-warning", "");
    warning.id = (field.id || "phrase-field-" + (++created)) + "-phrase-warning";
    field.insertAdjacentElement("afterend", warning);
    return warning;
  }

  function describe(field, warning) {
    if (!warning.id) warning.id = (field.id || "phrase-field-" + (++created)) + "-phrase-warning";
    if (!warning.hasAttribute("role")) warning.setAttribute("role", "status");
    if (!warning.hasAttribute("aria-live")) warning.setAttribute("aria-live", "polite");
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    if (ids.indexOf(warning.id) < 0) {
      ids.push(warning.id);
      field.setAttribute("aria-describedby", ids.join(" "));
    }
  }

  // The server's offsets count code points; JavaScript strings count UTF-16 units, so work on Array.from.
  function highlighted(text, matches) {
    var chars = Array.from(text);
    var spans = matches.map(function (m) { return [m.start, m.end]; }).sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    spans.forEach(function (span) {
      var last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    });
    var copy = document.createElement("div");
    copy.className = "phrase-check-copy";
    var at = 0;
    merged.forEach(function (span) {
      if (span[0] > at) copy.appendChild(document.createTextNode(chars.slice(at, span[0]).join("")));
      var mark = document.createElement("mark");
      mark.textContent = chars.slice(span[0], span[1]).join("");
      copy.appendChild(mark);
      at = span[1];
    });
    if (at < chars.length) copy.appendChild(document.createTextNode(chars.slice(at).join("")));
    return copy;
  }

  function confirmBox(field) {
    var form = field.form || field.closest("form");
    var box = form && form.querySelector("[data-phrase-confirm]");
    return box ? (box.closest(".field") || box.parentNode) : null;
  }

  function show(field, text, matches) {
    var warning = warningFor(field, true);
    describe(field, warning);
    while (warning.firstChild) warning.removeChild(warning.firstChild);
    var blocks = matches.some(function (m) { return m.severity !== "warn"; });
    warning.classList.toggle("warned", !blocks);
    var box = confirmBox(field);
    if (box) box.classList.toggle("shown", !blocks);
    var head = document.createElement("div");
    head.className = "phrase-check-found";
    head.appendChild(document.createTextNode((blocks ? config.found : config.warned) + " "));
    var seen = {};
    matches.forEach(function (m) {
      if (seen[m.phrase]) return;
      seen[m.phrase] = true;
      var phrase = document.createElement("strong");
      phrase.setAttribute("data-phrase", m.phrase);
      phrase.textContent = "「" + m.phrase + "」";
      head.appendChild(phrase);
      if (m.suggestion) {
        var instead = document.createElement("span");
        instead.className = "phrase-check-instead";
        instead.textContent = " " + config.instead + " " + m.suggestion + " ";
        head.appendChild(instead);
      }
    });
    warning.appendChild(head);
    var label = document.createElement("div");
    label.className = "phrase-check-label";
    label.textContent = config.copy;
    warning.appendChild(label);
    warning.appendChild(highlighted(text, matches));
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("data-phrase-invalid", "");
  }

  function clear(field) {
    var warning = warningFor(field, false);
    while (warning && warning.firstChild) warning.removeChild(warning.firstChild);
    var box = confirmBox(field);
    if (box) box.classList.remove("shown");
    if (field.hasAttribute("data-phrase-invalid")) { // leave an aria-invalid the server's form set
      field.removeAttribute("data-phrase-invalid");
      field.removeAttribute("aria-invalid");
    }
  }

  function check(field) {
    var s = fieldState(field);
    var text = field.value;
    var seq = ++s.seq; // any answer still on its way is for another text now
    if (s.controller) s.controller.abort();
    if (text === s.checked) return Promise.resolve(); // what is shown is for this text already
    if (!text.trim()) {
      s.checked = text;
      clear(field);
      return Promise.resolve();
    }
    s.controller = typeof AbortController === "function" ? new AbortController() : null;
    return fetch(config.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify({
        text: text,
        kind: field.getAttribute("data-phrase-kind") || "",
        context: field.getAttribute("data-phrase-context") || ""
      }),
      signal: s.controller ? s.controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) throw new Error("phrase check: HTTP " + response.status);
      return response.json();
    }).then(function (body) {
      if (seq !== s.seq) return; // a newer check is on its way
      s.checked = text;
      if (body.ok) clear(field);
      else show(field, text, body.matches || []);
      field.dispatchEvent(new CustomEvent("phrasecheck", {bubbles: true, detail: body}));
    }).catch(function (error) {
      if (error && error.name === "AbortError") return;
      if (window.console) console.warn(error); // the server still refuses a forbidden phrase on submit
    });
  }

  function schedule(field) {
    var s = fieldState(field);
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { check(field); }, config.delay);
  }

  function insert(button) {
    var selector = button.getAttribute("data-insert-into");
    var field = (selector && document.querySelector(selector)) || lastField;
    if (!field) return;
    var phrase = button.getAttribute("data-phrase-text") || button.textContent.trim();
    field.focus();
    if (typeof field.setRangeText === "function" && field.selectionStart !== null) {
      field.setRangeText(phrase, field.selectionStart, field.selectionEnd, "end");
    } else {
      field.value += phrase;
    }
    field.dispatchEvent(new Event("input", {bubbles: true}));
  }

  function scan(root) {
    var fields = (root || document).querySelectorAll(FIELDS);
    Array.prototype.forEach.call(fields, function (field) { if (field.value) check(field); });
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches(FIELDS)) schedule(field);
  });
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.matches && event.target.matches(FIELDS)) lastField = event.target;
  });
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("[data-insert-into]");
    if (!button) return;
    event.preventDefault();
    insert(button);
  });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(); });
  else scan();

  window.phraseCheck = {check: check, scan: scan, config: config};
})();
