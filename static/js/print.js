// A button marked data-print prints the page (instead of an inline onclick, which the
// Content Security Policy blocks).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
