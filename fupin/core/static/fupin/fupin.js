// fupin — small progressive enhancements; every page works without this file.
// Loaded in <head> without defer, so the page is marked before it is first drawn (no flash of the open
// menu on a phone); everything below listens on the document and needs no element to exist yet.
document.documentElement.classList.add("js");

function fupinSetMenu(toggle, open) {
  // The top menu on narrow screens: the button says whether the menu it controls is open.
  // The stylesheet shows the menu from this attribute alone, so the state lives in one place.
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
}
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
  // The menu button opens and closes the top menu (a <button>, so Enter and Space work too).
  var toggle = e.target.closest && e.target.closest("[data-menu-toggle]");
  if (toggle) fupinSetMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
});
document.addEventListener("keydown", function (e) {
  // Escape closes an open menu and puts the focus back on its button.
  if (e.key !== "Escape") return;
  var toggle = document.querySelector("[data-menu-toggle][aria-expanded=true]");
  if (toggle) {
    fupinSetMenu(toggle, false);
    toggle.focus();
  }
});
