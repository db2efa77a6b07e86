// Progressive enhancement only: every flow works without this file (SPEC D-15).
(() => {
  // A form with data-confirm asks in the browser's dialog; on OK it says so to the
  // server (confirmed=1), which then executes at once instead of showing its page.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    let question = form.dataset.confirm;
    // A form that acts on ticked boxes (一括削除): with none ticked there is nothing to ask,
    // so it says so beside its button; otherwise the question gives the number ticked.
    const boxName = form.dataset.requireSelection;
    if (boxName) {
      const ticked = tickedCount(form, boxName);
      if (ticked === 0) {
        event.preventDefault();
        showSelectionError(form, form.dataset.noneSelected || '');
        return;
      }
      showSelectionError(form, '');
      if (form.dataset.confirmCount) question = form.dataset.confirmCount.replace('{count}', String(ticked));
    }
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

  /** The ticked boxes of a form, including those tied to it by their form attribute. */
  function tickedCount(form, name) {
    let n = 0;
    for (const el of form.elements) {
      if (el instanceof HTMLInputElement && el.name === name && el.checked) n += 1;
    }
    return n;
  }

  function showSelectionError(form, text) {
    const slot = form.querySelector('[data-selection-error]');
    if (slot) slot.textContent = text;
  }

  /** The header box of 選択: ticked when every box of the page is, half when some are. */
  function syncHeaderBox(table) {
    const all = table.querySelector('input[data-select-all]');
    if (!all) return;
    const boxes = [...table.querySelectorAll('input[type="checkbox"][name="userIds"]')];
    const ticked = boxes.filter((b) => b.checked).length;
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }

  // The header box of 選択 ticks every box of the page; ticking any box clears the
  // "nothing selected" message.
  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
    const table = box.closest('table');
    if (!table) return;
    const boxes = table.querySelectorAll('input[type="checkbox"][name="userIds"]');
    if (box.matches('[data-select-all]')) {
      for (const other of boxes) other.checked = box.checked;
    } else if (box.name !== 'userIds') {
      return;
    }
    syncHeaderBox(table);
    const form = boxes[0]?.form;
    if (form) showSelectionError(form, '');
  });

  // A list re-shown after a refused bulk delete keeps its ticks: the header box follows.
  for (const table of document.querySelectorAll('table')) syncHeaderBox(table);

  // Coming back through the browser's history must not reuse a disabled form.
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll('form[data-submitted]')) {
      delete form.dataset.submitted;
      for (const button of form.querySelectorAll('button[type="submit"]')) button.disabled = false;
    }
    for (const table of document.querySelectorAll('table')) syncHeaderBox(table);
  });
})();
