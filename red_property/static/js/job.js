// Polls a job's status and moves its progress bar until it finishes, then reloads the page to show
// what the job made (an import's rows or errors, a rating run's results).
(function () {
  const box = document.querySelector(".job[data-status-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const pct = box.querySelector(".job-progress");
  const status = box.querySelector(".job-status");
  const message = box.querySelector(".job-message");
  async function tick() {
    const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const job = await response.json();
    bar.value = job.progress;
    pct.textContent = job.progress + "%";
    status.textContent = job.status_label || job.status;
    message.textContent = job.message || "";
    if (job.status === "done" || job.status === "failed") {
      // finished while this page watched: load it again to show the result (an import's rows or errors)
      if (box.dataset.finished !== "1") window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
