// fupin — small progressive enhancements; every page works without this file.
document.addEventListener("change", function (e) {
  // Filter forms marked data-autosubmit submit when a select changes.
  var form = e.target.closest && e.target.closest("form[data-autosubmit]");
  if (form && e.target.tagName === "SELECT") form.requestSubmit ? form.requestSubmit() : form.submit();
});
document.addEventListener("submit", function (e) {
  // Forms marked data-confirm ask before they submit.
  var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) e.preventDefault();
});
document.addEventListener("click", function (e) {
  // Buttons marked data-print print the page (no inline handlers: the Content-Security-Policy forbids them).
  var button = e.target.closest && e.target.closest("[data-print]");
  if (button) window.print();
});
