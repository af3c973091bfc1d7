// The household form: add member rows, enable a corrected member's fields, preview the net income. Loaded as a file: the
// Content-Security-Policy allows no inline script.
(function () {
  var form = document.getElementById("household-form");
  if (!form) return;
  var total = form.querySelector("input[name=m-TOTAL_FORMS]");
  document.getElementById("add-member").addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var html = document.getElementById("member-template").innerHTML
      .replace(/__prefix__/g, n).replace(/__num__/g, n + 1);
    document.getElementById("members").insertAdjacentHTML("beforeend", html);
    total.value = n + 1;
    var row = document.getElementById("members").lastElementChild;
    var first = row.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  });
  form.addEventListener("change", function (e) {
    if (e.target.matches("[data-correct]")) {
      var fields = e.target.closest("[data-member-row]").querySelector(".w-fields");
      fields.disabled = !e.target.checked;
    }
    if (e.target.closest("[data-year-select][data-reload]")) {
      window.location.search = "?year=" + encodeURIComponent(e.target.value);
    }
  });
  // A preview of the derived net income; the stored value is computed on save.
  var parts = ["wage_income", "business_income", "property_income", "transfer_income"];
  function amount(name) {
    var el = form.querySelector("[name=" + name + "]");
    var v = el ? parseFloat(el.value.replace(/[,，元¥￥\s]/g, "")) : 0;
    return isNaN(v) ? 0 : v;
  }
  form.addEventListener("input", function (e) {
    if (parts.concat(["business_cost"]).indexOf(e.target.name) < 0) return;
    var net = parts.reduce(function (s, p) { return s + amount(p); }, 0) - amount("business_cost");
    document.getElementById("net-income").textContent = net.toFixed(2);
    var size = form.querySelectorAll("[data-member-row] input[name$=-name]").length;
    document.getElementById("net-income-pc").textContent = size ? (net / size).toFixed(2) : "—";
  });
})();
