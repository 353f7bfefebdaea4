/* The configuration editor: Ace with YAML highlighting and line numbers; Validate marks each error on its line
   (gutter annotation and a red line) with the messages of `ipgrs config validate`; Save draft; Publish with
   progress (save, validate, publish, wait until the engine serves the new version). */
(function () {
  "use strict";
  var root = document.getElementById("config-editor");
  if (!root || !window.ace) { return; }
  ace.config.set("basePath", root.dataset.aceBase);
  var editor = ace.edit("yaml-editor", {
    mode: "ace/mode/yaml", theme: "ace/theme/textmate", useWorker: false, tabSize: 2, useSoftTabs: true,
    showPrintMargin: false, wrap: false
  });
  window.configEditor = editor;  // for tests and the browser console
  var session = editor.getSession();
  var Range = ace.require("ace/range").Range;
  var markers = [];
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var status = document.getElementById("status");
  var progress = document.getElementById("publish-progress");
  var bar = progress.querySelector(".progress-bar");

  function say(text, kind) {
    status.className = "alert alert-" + (kind || "info");
    status.textContent = text;
    status.style.display = "block";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {message: "The server answered " + response.status + "."}; })
        .then(function (data) { data._status = response.status; return data; });
    });
  }

  function clearMarks() {
    markers.forEach(function (id) { session.removeMarker(id); });
    markers = [];
    session.clearAnnotations();
  }

  function showProblems(result) {
    clearMarks();
    var list = document.getElementById("problems");
    list.innerHTML = "";
    var errors = result.errors || [];
    var findings = result.findings || [];
    session.setAnnotations(errors.map(function (e) {
      return {row: e.line - 1, column: Math.max(e.column - 1, 0), text: e.message, type: "error"};
    }).concat(findings.map(function (f) {
      return {row: f.line - 1, column: Math.max((f.column || 1) - 1, 0), text: f.message + " [" + f.kind + "]", type: "warning"};
    })));
    showFindings(findings, result.ok);
    errors.forEach(function (e) {
      markers.push(session.addMarker(new Range(e.line - 1, 0, e.line - 1, 1), "ace-error-line", "fullLine"));
      var item = document.createElement("li");
      item.className = "text-danger";
      item.dataset.line = e.line;
      item.textContent = "line " + e.line + ", column " + e.column + ": " + e.message;
      item.addEventListener("click", function () { editor.gotoLine(e.line, e.column - 1, true); editor.focus(); });
      list.appendChild(item);
    });
    if (!errors.length) {
      var ok = document.createElement("li");
      ok.className = "text-success";
      ok.id = "valid";
      ok.textContent = result.ok ? "No problems: the catalogue with this file is valid (" + result.summary + ")." : "";
      list.appendChild(ok);
    }
    var elsewhere = document.getElementById("problems-elsewhere");
    elsewhere.innerHTML = "";
    (result.elsewhere || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      elsewhere.appendChild(item);
    });
    if (result.rules) { showRules(result.rules); }
  }

  function showFindings(findings, valid) {
    var list = document.getElementById("findings");
    list.innerHTML = "";
    findings.forEach(function (f) {
      var item = document.createElement("li");
      item.className = "text-warning finding";
      item.dataset.line = f.line;
      item.dataset.kind = f.kind;
      item.textContent = "line " + f.line + ": " + f.message + " [" + f.kind + "]";
      item.addEventListener("click", function () { editor.gotoLine(f.line, 0, true); editor.focus(); });
      list.appendChild(item);
    });
    if (!findings.length) {
      var none = document.createElement("li");
      none.className = "text-muted";
      none.id = "no-findings";
      none.textContent = valid ? "No warnings." : "Shown when the file is valid.";
      list.appendChild(none);
    }
  }

  function simulate() {
    var button = document.getElementById("simulate");
    button.disabled = true;
    step(30, "Simulating");
    say("Re-deciding recent grievances under the draft…");
    post(root.dataset.simulateUrl, {
      text: editor.getValue(), since: document.getElementById("simulate-since").value,
      until: document.getElementById("simulate-until").value, limit: document.getElementById("simulate-limit").value
    }).then(function (r) {
      progress.style.display = "none";
      if (r._status !== 200) {
        if (r.errors) { showProblems(r); }
        say(r.message, "danger");
        return;
      }
      say(r.summary, "info");
      document.getElementById("simulation").style.display = "block";
      document.getElementById("simulation-summary").textContent = r.summary;
      [["sim-total", r.total], ["sim-route", r.changed_route], ["sim-timeline", r.changed_timeline],
       ["sim-escalation", r.changed_escalation], ["sim-unrouted", r.unrouted]].forEach(function (pair) {
        document.getElementById(pair[0]).textContent = pair[1];
      });
      var list = document.getElementById("simulation-examples");
      list.innerHTML = "";
      (r.examples || []).forEach(function (x) {
        var item = document.createElement("li");
        var now = x.new ? x.new.post + " (" + (x.new.rules || []).join(", ") + ")" : "no rule";
        item.textContent = x.number + " " + x.grievance_type + ": " + x.changes.join(", ") + " changed — published " +
          x.old.post + " (" + (x.old.rules || []).join(", ") + "), draft " + now;
        list.appendChild(item);
      });
    }).catch(function () { progress.style.display = "none"; say("The simulation did not answer; try again.", "danger"); })
      .then(function () { button.disabled = false; });
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function showRules(rules) {
    var body = document.querySelector("#rules-table tbody");
    body.innerHTML = "";
    rules.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.order); cell(tr, r.name); cell(tr, r.conditions);
      cell(tr, r.assign + " " + r.post_name); cell(tr, r.priority); cell(tr, r.timeline); cell(tr, r.escalation);
      body.appendChild(tr);
    });
  }

  function validate() {
    say("Validating…");
    return post(root.dataset.validateUrl, {text: editor.getValue()}).then(function (result) {
      if (result._status !== 200) { say(result.message, "danger"); return result; }
      showProblems(result);
      say(result.ok ? "Valid." : (result.errors.length + result.elsewhere.length) + " problem(s): see the marked lines.",
          result.ok ? "success" : "danger");
      return result;
    });
  }

  function save() {
    return post(root.dataset.saveUrl, {text: editor.getValue()}).then(function (result) {
      if (result._status === 200) { say("Draft saved.", "success"); } else { say(result.message, "danger"); }
      return result;
    });
  }

  function step(percent, label) {
    progress.style.display = "block";
    bar.style.width = percent + "%";
    bar.textContent = label;
  }

  function waitForEngine(versionId, tries) {
    // Every process picks the version up within IPGRS_RULES_REFRESH_SECONDS; /health says which one this one serves.
    return fetch("/health", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (h) {
      var serving = h.rules_version && h.rules_version.id;
      if (serving >= versionId || tries <= 0) { return serving; }
      return new Promise(function (ok) { setTimeout(ok, 500); }).then(function () { return waitForEngine(versionId, tries - 1); });
    });
  }

  function publish() {
    var button = document.getElementById("publish");
    button.disabled = true;
    step(10, "Validating");
    validate().then(function (result) {
      if (result._status !== 200 || !result.ok) { throw new Error("not valid"); }
      step(40, "Publishing");
      return post(root.dataset.publishUrl, {text: editor.getValue(), message: document.getElementById("publish-message").value});
    }).then(function (result) {
      if (result._status === 409) {
        say(result.message, "warning");
        var link = document.createElement("a");
        link.href = result.diff_url; link.textContent = " See the differences.";
        status.appendChild(link);
        throw new Error("rebase");
      }
      if (result._status !== 200) {
        if (result.errors) { showProblems(result); }
        say(result.message, "danger");
        throw new Error("refused");
      }
      step(75, "Waiting until version " + result.version_id + " is served");
      return waitForEngine(result.version_id, 20).then(function () {
        step(100, "Published");
        say(result.message + " It is in effect now.", "success");
        document.getElementById("published-version").textContent = result.version_id;
        root.dataset.base = result.version_id;
      });
    }).catch(function () {
      progress.style.display = "none";
    }).then(function () { button.disabled = false; });
  }

  document.getElementById("validate").addEventListener("click", validate);
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("publish").addEventListener("click", publish);
  document.getElementById("simulate").addEventListener("click", simulate);
  editor.commands.addCommand({name: "validate", bindKey: {win: "Ctrl-Enter", mac: "Command-Enter"}, exec: validate});
  editor.commands.addCommand({name: "save", bindKey: {win: "Ctrl-S", mac: "Command-S"}, exec: save});
})();
