/* Lead mode: one agenda section at a time, a timer per section, next/previous by keyboard,
   buttons and swipe, and full screen. Without JavaScript every section shows in order. */
(function () {
  "use strict";
  function start() {
    var lead = document.querySelector("[data-lead]");
    if (!lead) { return; }
    var slides = Array.prototype.slice.call(lead.querySelectorAll(".slide"));
    if (!slides.length) { return; }
    var position = lead.querySelector("[data-position]");
    var timer = lead.querySelector("[data-timer]");
    var pause = lead.querySelector("[data-pause]");
    var prev = lead.querySelector("[data-prev]");
    var next = lead.querySelector("[data-next]");
    var index = 0;
    var left = 0;
    var running = true;
    lead.classList.add("lead--live");

    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function showTime() {
      var over = left < 0;
      var s = Math.abs(left);
      timer.textContent = (over ? "+" : "") + Math.floor(s / 60) + ":" + pad(s % 60);
      timer.classList.toggle("lead__timer--over", over);
      timer.classList.toggle("lead__timer--soon", !over && left <= 30);
    }
    function go(to) {
      index = Math.max(0, Math.min(slides.length - 1, to));
      slides.forEach(function (slide, i) { slide.hidden = i !== index; });
      left = (parseInt(slides[index].getAttribute("data-minutes"), 10) || 1) * 60;
      position.textContent = "Section " + (index + 1) + " of " + slides.length;
      prev.disabled = index === 0;
      next.disabled = index === slides.length - 1;
      lead.setAttribute("data-index", String(index));
      showTime();
      var title = slides[index].querySelector(".slide__title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus({ preventScroll: true }); }
    }
    setInterval(function () {
      if (!running) { return; }
      left -= 1;
      showTime();
    }, 1000);

    prev.addEventListener("click", function () { go(index - 1); });
    next.addEventListener("click", function () { go(index + 1); });
    pause.addEventListener("click", function () {
      running = !running;
      pause.textContent = running ? "Pause timer" : "Resume timer";
      pause.setAttribute("aria-pressed", running ? "false" : "true");
    });
    var full = lead.querySelector("[data-fullscreen]");
    function toggleFull() {
      if (document.fullscreenElement) { document.exitFullscreen(); }
      else if (lead.requestFullscreen) { lead.requestFullscreen().catch(function () {}); }
    }
    full.addEventListener("click", toggleFull);
    document.addEventListener("keydown", function (event) {
      var tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") { return; }
      if (event.key === "ArrowRight" || event.key === "PageDown" || event.key === " ") {
        event.preventDefault(); go(index + 1);
      } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
        event.preventDefault(); go(index - 1);
      } else if (event.key === "Home") { go(0); }
      else if (event.key === "End") { go(slides.length - 1); }
      else if (event.key === "f" || event.key === "F") { toggleFull(); }
    });
    var startX = null;
    var startY = null;
    lead.addEventListener("touchstart", function (event) {
      startX = event.changedTouches[0].clientX;
      startY = event.changedTouches[0].clientY;
    }, { passive: true });
    lead.addEventListener("touchend", function (event) {
      if (startX === null) { return; }
      var dx = event.changedTouches[0].clientX - startX;
      var dy = event.changedTouches[0].clientY - startY;
      startX = null;
      if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy) * 1.5) { go(dx < 0 ? index + 1 : index - 1); }
    }, { passive: true });
    go(0);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
}());
