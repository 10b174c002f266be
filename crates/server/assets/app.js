// amiable — small enhancements; every page works without them.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  // Photo previews and client-side checks (the server checks again).
  function setupPreviews(root) {
    root.querySelectorAll("input[type=file][data-preview]").forEach(function (input) {
      if (input.dataset.ready) return;
      input.dataset.ready = "1";
      var box = document.getElementById(input.dataset.preview);
      var max = parseInt(input.dataset.maxBytes || "0", 10);
      var maxFiles = parseInt(input.dataset.maxFiles || "0", 10);
      var message = document.getElementById(input.id + "-client-error");
      input.addEventListener("change", function () {
        if (!box) return;
        box.textContent = "";
        var problems = [];
        var files = Array.prototype.slice.call(input.files || []);
        if (maxFiles && files.length > maxFiles) problems.push(input.dataset.tooMany);
        files.forEach(function (file) {
          if (max && file.size > max) problems.push(file.name + " — " + input.dataset.tooLarge);
          else if (!/^image\//.test(file.type) && file.type !== "application/pdf") problems.push(file.name + " — " + input.dataset.wrongType);
          var figure = document.createElement("figure");
          if (/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
            var img = document.createElement("img");
            img.alt = file.name;
            img.src = URL.createObjectURL(file);
            img.onload = function () { URL.revokeObjectURL(img.src); };
            figure.appendChild(img);
          }
          var caption = document.createElement("figcaption");
          caption.textContent = file.name;
          figure.appendChild(caption);
          box.appendChild(figure);
        });
        if (message) {
          message.textContent = problems.join(" · ");
          message.hidden = problems.length === 0;
        }
        input.setAttribute("aria-invalid", problems.length ? "true" : "false");
      });
    });
  }

  // Reply macros: choosing one fills the message (without JS, the server does it).
  function setupMacros(root) {
    root.querySelectorAll("select[data-macro-target]").forEach(function (select) {
      if (select.dataset.ready) return;
      select.dataset.ready = "1";
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        var target = document.getElementById(select.dataset.macroTarget);
        if (!option || !option.dataset.text || !target) return;
        target.value = target.value ? target.value.replace(/\s*$/, "\n\n") + option.dataset.text : option.dataset.text;
        target.focus();
      });
    });
  }

  // Copy buttons (API keys shown once).
  function setupCopy(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.copy);
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = button.dataset.done || button.textContent;
        });
      });
    });
  }

  // Inbox keyboard: "/" search, "j"/"k" move, "Enter" or "o" open.
  function typing(event) {
    var el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  }
  var selected = -1;
  function select(index) {
    var all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("selected", i === selected);
      if (i === selected) row.setAttribute("aria-selected", "true");
      else row.removeAttribute("aria-selected");
    });
    var link = all[selected].querySelector("a");
    if (link) link.focus({ preventScroll: false });
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    var search = document.querySelector("[data-search]");
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "j" && rows().length) {
      event.preventDefault();
      select(selected + 1);
    } else if (event.key === "k" && rows().length) {
      event.preventDefault();
      select(selected - 1);
    } else if ((event.key === "o") && selected >= 0 && rows()[selected]) {
      window.location.href = rows()[selected].dataset.href;
    }
  });

  // The collision warning: the case page's heartbeat (htmx, every 5 s) says whether
  // the reply has had input in the last seconds; the first keystroke sends one at once.
  var TYPING_MS = 6000;
  function setupPresence(root) {
    var beat = root.querySelector ? root.querySelector("form[data-typing-source]") : null;
    if (!beat || beat.dataset.ready) return;
    beat.dataset.ready = "1";
    var source = document.getElementById(beat.dataset.typingSource);
    var field = beat.querySelector("input[name=typing]");
    var last = 0;
    var announced = 0;
    function typingNow() {
      return Date.now() - last < TYPING_MS;
    }
    if (source) {
      source.addEventListener("input", function () {
        last = Date.now();
        if (Date.now() - announced > TYPING_MS / 2 && window.htmx) {
          announced = Date.now();
          field.value = "1";
          window.htmx.trigger(beat, "amiable:typing");
        }
      });
    }
    beat.addEventListener("htmx:configRequest", function (event) {
      event.detail.parameters.typing = typingNow() ? "1" : "0";
    });
  }

  // The inbox's "tick every case" box (the bulk bar works without it).
  function setupSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (all) {
      if (all.dataset.ready) return;
      all.dataset.ready = "1";
      all.hidden = false;
      all.addEventListener("change", function () {
        document.querySelectorAll("input[type=checkbox][name=" + all.dataset.selectAll + "]").forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  }

  function setup(root) {
    setupPreviews(root);
    setupMacros(root);
    setupCopy(root);
    setupPresence(root);
    setupSelectAll(root);
  }
  ready(function () {
    setup(document);
    // A refused form: bring its error summary to the reader (it links to each field).
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    selected = -1;
    setup(event.target || document);
  });
})();
