// Polls a job's status and moves its progress bar until it finishes, then reloads the page to show
// what the job made (an import's rows or errors, a rating run's results, a billing run's bills).
// Used by the job page and by the pages of what a job makes while it runs (a rating run, a billing run).
// A failed poll (the server restarting, a moment without network) is tried again, more slowly.
(function () {
  const box = document.querySelector(".job[data-status-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const pct = box.querySelector(".job-progress");
  const status = box.querySelector(".job-status");
  const message = box.querySelector(".job-message");
  let wait = 1000;
  async function tick() {
    let job;
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (response.status === 404) return;   // the job is not this user's, or gone: nothing to follow
      if (!response.ok) throw new Error(String(response.status));
      job = await response.json();
      wait = 1000;
    } catch (error) {
      wait = Math.min(wait * 2, 15000);
      setTimeout(tick, wait);
      return;
    }
    bar.value = job.progress;
    pct.textContent = job.progress + "%";
    status.textContent = job.status_label || job.status;
    message.textContent = job.message || "";
    if (job.status === "done" || job.status === "failed") {
      // finished while this page watched: load it again to show the result
      if (box.dataset.finished !== "1") window.location.reload();
      return;
    }
    setTimeout(tick, wait);
  }
  tick();
})();
