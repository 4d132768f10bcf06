// Polls a job's status and moves its progress bar until it finishes; a box with
// data-reload reloads its page then (a rating run's page shows the results).
(function () {
  const box = document.querySelector(".job[data-status-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const pct = box.querySelector(".job-progress");
  const status = box.querySelector(".job-status");
  const message = box.querySelector(".job-message");
  const download = document.querySelector(".job-download");
  async function tick() {
    const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const job = await response.json();
    bar.value = job.progress;
    pct.textContent = job.progress + "%";
    status.textContent = job.status_label || job.status;
    message.textContent = job.message || "";
    if (job.status === "done" || job.status === "failed") {
      if (box.dataset.reload !== undefined) { window.location.reload(); return; }
      if (job.status === "done" && download) download.hidden = false;
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
