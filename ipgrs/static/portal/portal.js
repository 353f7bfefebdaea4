// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "kn" ? "kn" : "en";
  function name(x) { return x ? (x.name ? x.name[lang] || x.name.en : "") : ""; }
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }
  function option(select, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }

  // Type-ahead search over the catalogue.
  var box = document.getElementById("grievance-search");
  var list = document.getElementById("search-results");
  if (box && list) {
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      var q = box.value.trim();
      if (q.length < 2) { return; }
      timer = setTimeout(function () {
        fetch("/api/v1/catalog/search?limit=8&q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {results: []}; })
          .then(function (data) {
            clear(list);
            (data.results || []).forEach(function (r) {
              var li = document.createElement("li"); var a = document.createElement("a");
              a.href = "/file/" + encodeURIComponent(r.grievance_type.code) +
                (r.category ? "?category=" + encodeURIComponent(r.category.code) + (r.subcategory ? "&subcategory=" + encodeURIComponent(r.subcategory.code) : "") : "");
              var title = document.createElement("strong"); title.textContent = name(r.grievance_type);
              var path = document.createElement("div"); path.className = "path";
              path.textContent = [r.department, r.line_department, r.service, r.category, r.subcategory]
                .filter(Boolean).map(name).join(" › ");
              a.appendChild(title); a.appendChild(path); li.appendChild(a); list.appendChild(li);
            });
          });
      }, 200);
    });
  }

  // The six-level cascade: Department › Line Department › Service › Grievance (› Category › Subcategory on the form).
  var cascade = document.getElementById("cascade");
  if (cascade) {
    var levels = ["department", "line_department", "service", "grievance"].map(function (k) { return document.getElementById("cascade-" + k); });
    fetch("/api/v1/catalog/departments").then(function (r) { return r.json(); }).then(function (data) {
      var depts = data.departments;
      function fill(select, items, label) {
        clear(select); option(select, "", label);
        items.forEach(function (it) { option(select, it.code, name(it)); });
        select.disabled = items.length === 0;
      }
      var choose = cascade.getAttribute("data-choose");
      fill(levels[0], depts, choose);
      levels[0].addEventListener("change", function () {
        var d = depts.filter(function (x) { return x.code === levels[0].value; })[0];
        fill(levels[1], d ? d.line_departments : [], choose); fill(levels[2], [], choose); fill(levels[3], [], choose);
        levels[1].onchange = function () {
          fill(levels[2], d.services.filter(function (s) { return s.line_department === levels[1].value; }), choose);
          fill(levels[3], [], choose);
        };
        levels[2].onchange = function () {
          var s = d.services.filter(function (x) { return x.code === levels[2].value; })[0];
          fill(levels[3], s ? s.grievance_types : [], choose);
        };
      });
      levels[3].addEventListener("change", function () {
        document.getElementById("cascade-go").disabled = !levels[3].value;
      });
      cascade.addEventListener("submit", function (e) {
        e.preventDefault();
        if (levels[3].value) { window.location = "/file/" + encodeURIComponent(levels[3].value); }
      });
    });
  }

  // Taluks follow the chosen district; categories' subcategories follow the chosen category.
  document.querySelectorAll("select[data-taluks-for]").forEach(function (taluk) {
    var district = document.getElementById(taluk.getAttribute("data-taluks-for"));
    var all = JSON.parse(document.getElementById("taluk-data").textContent);
    function refill() {
      var keep = taluk.value; clear(taluk); option(taluk, "", taluk.getAttribute("data-choose"));
      (all[district.value] || []).forEach(function (t) { option(taluk, t.en, lang === "kn" ? t.kn : t.en); });
      taluk.value = keep;
    }
    district.addEventListener("change", refill); refill();
  });
  var sub = document.getElementById("subcategory");
  if (sub && document.getElementById("subcategory-data")) {
    var subs = JSON.parse(document.getElementById("subcategory-data").textContent);
    var cat = document.getElementById("category");
    var refillSub = function () {
      var keep = sub.value; clear(sub); option(sub, "", sub.getAttribute("data-choose"));
      (subs[cat.value] || []).forEach(function (s) { option(sub, s.code, lang === "kn" ? s.kn : s.en); });
      sub.value = keep;
    };
    cat.addEventListener("change", refillSub); refillSub();
  }
  // Show the other-place fields only when chosen.
  var other = document.getElementById("place-other");
  if (other) {
    var radios = document.querySelectorAll("input[name='location.where']");
    var sync = function () { other.hidden = !document.getElementById("where-other").checked; };
    radios.forEach(function (r) { r.addEventListener("change", sync); }); sync();
  }
})();
