// The rating model editor: line numbers beside the text, kept in step as it is typed.  The text
// area grows to its content so the numbers and the lines scroll together in one box.  Changing
// the text after a preview hides "save": the new text must be previewed first.
(function () {
  var area = document.querySelector(".code-editor textarea");
  var gutter = document.querySelector(".code-editor .gutter");
  if (!area || !gutter) return;
  var bad = (gutter.dataset.bad || "").split(",").filter(Boolean).map(Number);
  var original = area.value;
  function draw() {
    var count = area.value.split("\n").length;
    var lines = [];
    for (var n = 1; n <= count; n++) {
      lines.push(bad.indexOf(n) >= 0 ? '<span class="bad">' + n + "</span>" : String(n));
    }
    gutter.innerHTML = lines.join("\n") + "\n";
    area.rows = count + 1;
  }
  area.addEventListener("input", function () {
    bad = [];
    draw();
    var save = document.querySelector('button[value="save"]');
    if (save) save.hidden = area.value !== original;
  });
  draw();
})();
