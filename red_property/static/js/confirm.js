// A button that cannot be undone (templates/confirm.html) opens its dialog instead of posting; the dialog's
// own button posts the form with confirm=yes.  Without this script the button posts unconfirmed and the
// server answers with a page that asks the same question.
(function () {
  for (const form of document.querySelectorAll("form.confirm-form")) {
    const dialog = form.querySelector("dialog.confirm");
    const opener = form.querySelector("[data-opens-confirm]");
    if (!dialog || !opener || typeof dialog.showModal !== "function") continue;
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
    form.querySelector("[data-closes-confirm]").addEventListener("click", function () { dialog.close(); });
  }
})();
