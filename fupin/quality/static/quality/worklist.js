// The data-quality worklist: select every finding; show that a run is under way. Loaded as a file: the
// Content-Security-Policy allows no inline script.
(function () {
  var all = document.getElementById("select-all");
  if (all) all.addEventListener("change", function () {
    document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
  });
  var run = document.getElementById("run-form");
  if (run) run.addEventListener("submit", function () {
    // The run is synchronous: show that it is under way and prevent a second submit.
    var button = document.getElementById("run-button");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    document.getElementById("run-status").hidden = false;
  });
})();
