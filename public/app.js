// Progressive enhancement only: every flow works without this file (SPEC D-15).
(() => {
  // A form with data-confirm asks in the browser's dialog; on OK it says so to the
  // server (confirmed=1), which then executes at once instead of showing its page.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const question = form.dataset.confirm;
    if (question) {
      if (!window.confirm(question)) {
        event.preventDefault();
        return;
      }
      const flag = form.querySelector('input[name="confirmed"]');
      if (flag) flag.value = '1';
    }
    // A download leaves the page as it was: its button must work again at once.
    if (form.dataset.download) return;
    // One click, one request: double clicks do not send the form twice.
    if (form.dataset.submitted === '1') {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = '1';
    for (const button of form.querySelectorAll('button[type="submit"]')) {
      setTimeout(() => {
        button.disabled = true;
      }, 0);
    }
  });

  // The header box of 選択 ticks every box of the page.
  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.matches('[data-select-all]')) return;
    const table = box.closest('table');
    if (!table) return;
    for (const other of table.querySelectorAll('input[type="checkbox"][name="userIds"]')) {
      other.checked = box.checked;
    }
  });

  // Coming back through the browser's history must not reuse a disabled form.
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll('form[data-submitted]')) {
      delete form.dataset.submitted;
      for (const button of form.querySelectorAll('button[type="submit"]')) button.disabled = false;
    }
  });
})();
