// Passkeys (SPEC D-22) on the account page and the login's code screen, with
// @simplewebauthn/browser, bundled into public/build/passkeys.js (same origin: the CSP
// allows no other script). The forms are ordinary forms: this script asks the server for
// a challenge (a POST with the form's CSRF token), lets the browser ask the authenticator,
// puts its answer in the form's `response` field and submits the form. Without this
// script the buttons stay hidden and the page says that the authenticator app is the way.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

/** The challenge and options for the browser, from the form's options URL. */
async function fetchOptions(form, url) {
  const body = new URLSearchParams({ _csrf: form.elements.namedItem('_csrf').value });
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  if (!res.ok) throw Object.assign(new Error('options refused'), { name: 'OptionsRefused' });
  return res.json();
}

function setStatus(form, text) {
  const status = form.querySelector('[data-passkey-status]');
  if (status) status.textContent = text;
}

/**
 * One form: registration (`data-passkey-register`) or login (`data-passkey-login`), both
 * naming the URL of their challenge.
 */
function enhance(form, kind) {
  const button = form.querySelector('[data-passkey-button]');
  if (!button) return;
  if (!browserSupportsWebAuthn()) {
    setStatus(form, form.dataset.passkeyUnsupported ?? '');
    return;
  }
  button.hidden = false;
  const optionsUrl = kind === 'register' ? form.dataset.passkeyRegister : form.dataset.passkeyLogin;
  let busy = false;
  form.addEventListener('submit', async (event) => {
    // This form is sent by form.submit() below, once the authenticator has answered; the
    // page's own submit handling (public/app.js: one click, one request) is not for it.
    event.preventDefault();
    event.stopPropagation();
    if (busy) return;
    if (kind === 'register') {
      const name = form.elements.namedItem('name');
      if (name && !name.value.trim()) {
        setStatus(form, form.dataset.passkeyNameRequired ?? '');
        name.focus();
        return;
      }
    }
    busy = true;
    button.disabled = true;
    setStatus(form, '');
    try {
      const optionsJSON = await fetchOptions(form, optionsUrl);
      const answer =
        kind === 'register'
          ? await startRegistration({ optionsJSON })
          : await startAuthentication({ optionsJSON });
      form.elements.namedItem('response').value = JSON.stringify(answer);
      // The server checks the answer and answers with a page, as for any form.
      form.submit();
    } catch {
      setStatus(form, form.dataset.passkeyCancelled ?? '');
      busy = false;
      button.disabled = false;
    }
  });
}

for (const form of document.querySelectorAll('form[data-passkey-register]')) enhance(form, 'register');
for (const form of document.querySelectorAll('form[data-passkey-login]')) enhance(form, 'login');
