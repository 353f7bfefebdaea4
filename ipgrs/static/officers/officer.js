// The officer's pages: progressive enhancement only; every form works without JavaScript.
(function () {
  "use strict";
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }
  function option(select, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }

  // Taluk selects follow their district select.
  var data = document.getElementById("taluk-data");
  var taluks = data ? JSON.parse(data.textContent) : {};
  Array.prototype.forEach.call(document.querySelectorAll("select[data-taluks-for]"), function (taluk) {
    var district = document.getElementById(taluk.getAttribute("data-taluks-for"));
    if (!district) { return; }
    district.addEventListener("change", function () {
      var first = taluk.options.length ? taluk.options[0].textContent : "";
      clear(taluk); option(taluk, "", first);
      (taluks[district.value] || []).forEach(function (t) { option(taluk, t.en, t.en); });
    });
  });

  // "Select all" on the inbox selects every grievance that can be accepted.
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(document.querySelectorAll("input[name=grievance]"), function (box) { box.checked = all.checked; });
    });
  }

  // Transfer: search the catalogue and fill in the grievance type code.
  var box = document.getElementById("transfer-search");
  var list = document.getElementById("transfer-results");
  var code = document.getElementById("transfer-grievance_type");
  if (box && list && code) {
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var q = box.value.trim();
      if (q.length < 2) { clear(list); return; }
      timer = setTimeout(function () {
        fetch("/api/v1/catalog/search?limit=8&q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (found) {
            clear(list);
            (found.results || []).forEach(function (r) {
              var li = document.createElement("li"); var b = document.createElement("button");
              b.type = "button"; b.className = "btn btn-link";
              b.textContent = r.grievance_type.name.en + " — " + r.department.name.en + " (" + r.grievance_type.code + ")";
              b.addEventListener("click", function () { code.value = r.grievance_type.code; clear(list); box.value = ""; });
              li.appendChild(b); list.appendChild(li);
            });
          });
      }, 200);
    });
  }
})();
