// A "select all" checkbox (data-select-all="<name>") ticks or clears every checkbox named <name> on the page.
document.querySelectorAll("input[data-select-all]").forEach(function (all) {
  var boxes = function () { return document.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]'); };
  all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); });
});
