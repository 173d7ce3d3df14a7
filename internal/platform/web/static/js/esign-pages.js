// esign-pages.js connects the e-signature pages to egovSign (esign.js):
// the certificate sign-in form signs its challenge with a key kept in this
// browser. Texts come from the page's data-msg-* attributes, so they are in
// the page's language.
(function () {
  "use strict";

  const S = window.egovSign;

  // say shows text in the page's status line.
  function say(el, text) {
    el.textContent = text;
    el.hidden = false;
  }

  // keyLabel names a kept key for a list: holder, serial and end of validity.
  function keyLabel(k) {
    const until = k.info.notAfter.toISOString().slice(0, 10);
    return (k.info.subject.commonName || k.serial) + " — " + until + " (" + k.serial.slice(0, 8) + "…)";
  }

  // certificateLogin offers the kept keys and, on submit, signs the page's
  // text with the one chosen before the form goes.
  async function certificateLogin(form) {
    const status = document.getElementById("certificate-status");
    const select = form.querySelector("#certificate-key");
    const button = form.querySelector("button[type=submit]");
    if (!S || !S.supported()) {
      say(status, form.dataset.msgUnsupported);
      return;
    }
    const keys = await S.keyStore.list();
    if (keys.length === 0) {
      say(status, form.dataset.msgNoKeys);
      return;
    }
    for (const k of keys) {
      const o = document.createElement("option");
      o.value = k.serial;
      o.textContent = keyLabel(k);
      select.appendChild(o);
    }
    select.disabled = false;
    button.disabled = false;
    form.addEventListener("submit", async (ev) => {
      if (form.elements.signature.value) {
        return; // signed: let it go
      }
      ev.preventDefault();
      button.disabled = true;
      try {
        const kept = await S.keyStore.load(select.value);
        const sig = await S.signDigestInfo(kept.keyPair.privateKey, new TextEncoder().encode(form.dataset.signText));
        form.elements.certificate.value = S.toBase64(kept.chain[0]);
        form.elements.signature.value = S.toBase64(sig);
        form.submit();
      } catch (e) {
        say(status, form.dataset.msgFailed);
        button.disabled = false;
      }
    });
  }

  const login = document.getElementById("certificate-login");
  if (login) {
    certificateLogin(login);
  }
})();
