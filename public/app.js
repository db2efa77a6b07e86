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

  // ---- Password fields: a show/hide toggle on each, a strength hint on a new password ----

  /**
   * 表示: a toggle button beside every password field (WCAG 4.1.2). aria-pressed says
   * whether the characters are shown, and the name stays パスワードを表示 in both states, so
   * that the state is said once; it does not repeat the field's label either, so that
   * 「現在のパスワード」 names the field alone (voice control, getByLabel). Shown characters go
   * back to dots before the form is sent, so that the browser never keeps a password as
   * typed text.
   */
  function addToggle(input) {
    const wrap = document.createElement('span');
    wrap.className = 'password-field';
    input.replaceWith(wrap);
    wrap.append(input);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'password-toggle';
    toggle.textContent = '表示';
    toggle.setAttribute('aria-pressed', 'false');
    toggle.setAttribute('aria-label', 'パスワードを表示');
    if (input.id) toggle.setAttribute('aria-controls', input.id);
    toggle.addEventListener('click', () => {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(show));
    });
    wrap.append(toggle);
    input.form?.addEventListener('submit', () => {
      input.type = 'password';
      toggle.setAttribute('aria-pressed', 'false');
    });
  }

  const passwordFields = [...document.querySelectorAll('input[type="password"]')];
  for (const input of passwordFields) addToggle(input);

  // The strength estimate and its dictionaries (about 700 kB) are a bundle of their own,
  // fetched only on a page with a new password field, once that field is used.
  const strengthSrc = document.currentScript?.dataset.strengthSrc;
  const LEVELS = ['とても弱い', '弱い', '普通', '強い', 'とても強い'];
  let estimator;
  function loadEstimator() {
    estimator ??= import(strengthSrc).catch(() => null);
    return estimator;
  }

  /** Words of the page a password should not contain: the user ID, the names shown. */
  function pageWords(form) {
    const words = [];
    for (const el of form?.elements ?? []) {
      if (el instanceof HTMLInputElement && el.type === 'text' && el.value) words.push(el.value);
    }
    const who = document.querySelector('[data-user-name]')?.dataset.userName;
    if (who) words.push(...who.split(/\s+/));
    return words;
  }

  /**
   * The hint under a new password (the first of its form; the second only repeats it): a
   * meter of four steps and one line of Japanese, read out politely once typing pauses.
   * Only a help: the server's password policy decides (SPEC D-13).
   */
  function addStrengthHint(input) {
    const hint = document.createElement('div');
    hint.className = 'strength';
    hint.dataset.score = '';
    const meter = document.createElement('div');
    meter.className = 'strength-meter';
    meter.setAttribute('aria-hidden', 'true');
    for (let i = 0; i < 4; i++) meter.append(document.createElement('span'));
    const text = document.createElement('p');
    text.className = 'strength-text';
    text.id = `${input.id || input.name}-strength`;
    text.setAttribute('aria-live', 'polite');
    hint.append(meter, text);
    (input.closest('.password-field') ?? input).after(hint);
    const described = input.getAttribute('aria-describedby');
    input.setAttribute('aria-describedby', described ? `${described} ${text.id}` : text.id);

    let timer;
    const update = async () => {
      const value = input.value;
      if (!value) {
        hint.dataset.score = '';
        text.textContent = '';
        return;
      }
      const module = await loadEstimator();
      if (!module || input.value !== value) return;
      const { score, warning, suggestions } = module.estimate(value, pageWords(input.form));
      hint.dataset.score = String(score);
      const advice = warning || suggestions[0] || (score >= 3 ? '' : '長くすると強くなります');
      text.textContent = `強さの目安: ${LEVELS[score]}${advice ? `（${advice}）` : ''}`;
    };
    input.addEventListener('focus', () => void loadEstimator(), { once: true });
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
  }

  if (strengthSrc) {
    const forms = new Set();
    for (const input of passwordFields) {
      if (input.autocomplete !== 'new-password' || forms.has(input.form)) continue;
      forms.add(input.form);
      addStrengthHint(input);
    }
  }

  // ---- A table that scrolls in its own box can be scrolled with the keyboard ----

  /**
   * WCAG 2.1.1: a box that scrolls must be reachable by Tab when nothing inside it is (the
   * audit records: text only). It is then a named region, so that the stop means something.
   */
  // A list the page did not put in a scrolling box gets one: a phone scrolls the table, not the page.
  for (const table of document.querySelectorAll('table.results')) {
    if (table.parentElement?.classList.contains('table-scroll')) continue;
    const box = document.createElement('div');
    box.className = 'table-scroll';
    table.replaceWith(box);
    box.append(table);
  }

  function keyboardScroll() {
    for (const box of document.querySelectorAll('.table-scroll')) {
      const scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
      const reachable = box.querySelector('a[href], button, input, select, textarea, [tabindex]');
      if (scrolls && !reachable) {
        box.dataset.keyboardScroll = '1';
        box.tabIndex = 0;
        box.setAttribute('role', 'region');
        const caption = box.querySelector('caption')?.textContent?.trim();
        box.setAttribute('aria-label', caption || document.querySelector('h1')?.textContent?.trim() || '表');
      } else if (box.dataset.keyboardScroll === '1' && !scrolls) {
        delete box.dataset.keyboardScroll;
        for (const name of ['tabindex', 'role', 'aria-label']) box.removeAttribute(name);
      }
    }
  }
  keyboardScroll();
  window.addEventListener('resize', keyboardScroll);

  // SPEC §4.11: the session ends after N minutes without a request. A few minutes before,
  // a notice offers 延長 (one POST that starts the idle time again); at the end it says
  // the session has ended. Without JavaScript the login page says so instead, and a form
  // sent after the end is kept for the next login.
  function sessionWarning() {
    const minutes = Number(document.body.dataset.sessionIdleMinutes);
    const csrf = document.querySelector('form[action="/logout"] input[name="_csrf"]')?.value;
    if (!(minutes > 0) || !csrf) return;
    const idleMs = minutes * 60_000;
    const leadMs = Math.min(5 * 60_000, idleMs / 3);
    const notice = document.createElement('div');
    notice.className = 'session-warning';
    notice.setAttribute('role', 'alert');
    notice.hidden = true;
    const text = document.createElement('p');
    const extend = document.createElement('button');
    extend.type = 'button';
    extend.className = 'button-primary';
    extend.textContent = '延長';
    notice.append(text, extend);
    document.body.prepend(notice);
    // WCAG 2.4.11: while the notice shows, a control that takes the focus is scrolled clear
    // of it (and of its own ring), not under it.
    function keepFocusClear() {
      document.documentElement.style.scrollPaddingTop = notice.hidden ? '' : `${notice.offsetHeight + 8}px`;
    }
    window.addEventListener('resize', keepFocusClear);
    let timers = [];
    function schedule() {
      for (const t of timers) clearTimeout(t);
      const endsAt = Date.now() + idleMs;
      const time = new Date(endsAt).toLocaleTimeString('ja-JP', { hour: '2-digit', minute: '2-digit' });
      timers = [
        setTimeout(() => {
          text.textContent = `操作がないため、${time}にセッションの有効期限が切れます。続ける場合は「延長」を押してください。`;
          extend.hidden = false;
          notice.hidden = false;
          keepFocusClear();
        }, idleMs - leadMs),
        setTimeout(() => {
          text.textContent =
            'セッションの有効期限が切れました。入力中の内容は、送信すると保存され、再度ログインした後に続けられます。';
          extend.hidden = true;
          notice.hidden = false;
          keepFocusClear();
        }, idleMs),
      ];
    }
    // Where the focus was before the user went to 延長: it goes back there after it.
    let lastFocus = null;
    document.addEventListener('focusin', (event) => {
      if (!notice.contains(event.target)) lastFocus = event.target;
    });
    extend.addEventListener('click', async () => {
      extend.disabled = true;
      try {
        const res = await fetch('/session/extend', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ _csrf: csrf }),
          credentials: 'same-origin',
          redirect: 'manual',
        });
        if (res.status === 204) {
          notice.hidden = true;
          keepFocusClear();
          schedule();
          const back = lastFocus?.isConnected ? lastFocus : document.getElementById('main');
          back?.focus();
        } else {
          text.textContent = 'セッションの有効期限が切れました。再度ログインしてください。';
          extend.hidden = true;
          keepFocusClear();
        }
      } finally {
        extend.disabled = false;
      }
    });
    schedule();
  }
  sessionWarning();

  // Coming back through the browser's history must not reuse a disabled form.
  window.addEventListener('pageshow', () => {
    for (const form of document.querySelectorAll('form[data-submitted]')) {
      delete form.dataset.submitted;
      for (const button of form.querySelectorAll('button[type="submit"]')) button.disabled = false;
    }
    for (const table of document.querySelectorAll('table')) syncHeaderBox(table);
  });
})();
