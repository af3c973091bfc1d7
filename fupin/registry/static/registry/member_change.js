// The member-change form: the destination fields only for a move. Loaded as a file: the
// Content-Security-Policy allows no inline script.
(function () {
  var form = document.getElementById("member-change-form");
  var move = form.querySelector("[data-move-only]");
  function sync() {
    var checked = form.querySelector("input[name=action]:checked");
    move.hidden = !(checked && checked.value === "move");
  }
  form.addEventListener("change", sync);
  sync();
})();
