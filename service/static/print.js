// The "print" buttons (the desk's receipt): a file of its own, since the
// Content-Security-Policy runs no script written into a page.
for (const button of document.querySelectorAll("button[data-print]")) {
  button.addEventListener("click", () => window.print());
}
