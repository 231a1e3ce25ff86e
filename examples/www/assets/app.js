// Example script. Its precompressed sidecars (app.js.gz, app.js.br) sit next to it and are
// served when the client accepts them; otherwise ferry sends this file.
document.addEventListener("DOMContentLoaded", () => {
  const footer = document.createElement("footer");
  footer.textContent = "Loaded " + new Date().toISOString() + " from ferry.";
  document.querySelector("main").appendChild(footer);
});
