// A "select all" checkbox (data-select-all="<name>") ticks or clears every checkbox named <name> on the page.
// A box ticked before this script ran (a slow phone, a tap while the page loads) counts too.
document.querySelectorAll("input[data-select-all]").forEach(function (all) {
  var boxes = function () { return document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]'); };
  var follow = function () { boxes().forEach(function (b) { b.checked = all.checked; }); };
  all.addEventListener("change", follow);
  if (all.checked) { follow(); }
});
