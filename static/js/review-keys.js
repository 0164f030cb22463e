// Keyboard shortcuts of the review page (listed on the page, in the #shortcuts dialog):
// j/n next, k/p previous, a approve, c request changes, ? this list, Ctrl+Enter records.
// They never fire while typing in a field, and every one has a link or control that
// works without them (and without JavaScript).
(() => {
  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));

  const dialog = () => document.getElementById("shortcuts");
  const openHelp = () => {
    const help = dialog();
    if (help && !help.open) help.showModal();
  };

  const follow = (key) => {
    const link = document.querySelector(`a[data-key="${key}"]`);
    if (link) window.location.assign(link.href);
  };

  const choose = (value) => {
    const radio = document.querySelector(`.review-form input[name="decision"][value="${value}"]`);
    if (!radio || radio.disabled) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    const comment = radio.form.querySelector("textarea[name=comment]");
    if (comment) comment.focus();
  };

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target instanceof HTMLElement && event.target.closest(".review-form");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    if (typing(event.target) || (dialog() && dialog().open)) return;
    const actions = {
      j: () => follow("next"),
      n: () => follow("next"),
      k: () => follow("previous"),
      p: () => follow("previous"),
      a: () => choose("approved"),
      c: () => choose("changes-requested"),
      "?": openHelp,
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-shortcuts-open]")) openHelp();
  });
})();
