// esign-pages.js connects the e-signature pages to egovSign (esign.js):
// getting a certificate with a key made in this browser, at once or, for
// officers, once an administrator approves, loading a key file, signing a
// document or an application, and signing in. Texts come from the forms'
// data-msg-* attributes, so they are in the page's language.
(function () {
  "use strict";

  const S = window.egovSign;
  const byId = (id) => document.getElementById(id);

  // say shows text in a status line.
  function say(el, text) {
    el.textContent = text;
    el.hidden = false;
  }

  // ready tells whether this browser can keep and use keys, saying so in
  // status when it cannot.
  function ready(form, status) {
    if (S && S.supported()) {
      return true;
    }
    say(status, form.dataset.msgUnsupported);
    return false;
  }

  // offerKeys fills select with the keys kept in this browser, the one
  // valid longest first; false when there are none.
  async function offerKeys(form, select, status) {
    const keys = await S.keyStore.list();
    if (keys.length === 0) {
      say(status, form.dataset.msgNoKeys);
      return false;
    }
    for (const k of keys) {
      const o = document.createElement("option");
      o.value = k.serial;
      o.textContent = (k.info.subject.commonName || k.serial) + " — " + k.info.notAfter.toISOString().slice(0, 10) +
        " (" + k.serial.slice(0, 8) + "…)";
      select.appendChild(o);
    }
    select.disabled = false;
    return true;
  }

  // postJSON sends body as JSON and returns the JSON answer; a refusal
  // throws.
  async function postJSON(url, body) {
    const resp = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
    });
    if (!resp.ok) {
      throw new Error(url + ": " + resp.status);
    }
    return resp.json();
  }

  // offerDownload makes link download bytes as name.
  function offerDownload(link, bytes, type, name) {
    link.href = URL.createObjectURL(new Blob([bytes], { type }));
    link.download = name;
    link.hidden = false;
  }

  // requestCertificate makes a key here and sends a request for it, with
  // the holder's PINFL and name from the form and the fields of extra, to
  // url; it returns the key pair and the server's JSON answer.
  async function requestCertificate(form, url, extra) {
    const keyPair = await S.generateKey();
    const req = await S.csr(keyPair, { pinfl: form.dataset.pinfl, commonName: form.dataset.name });
    const body = new FormData();
    body.append("csr", req.pem);
    for (const [k, v] of Object.entries(extra)) {
      body.append(k, v);
    }
    const resp = await fetch(url, {
      method: "POST", credentials: "same-origin", body,
      headers: { "Accept": "application/json", "X-CSRF-Token": form.dataset.csrf },
    });
    if (!resp.ok) {
      throw new Error(url + ": " + resp.status);
    }
    return { keyPair, out: await resp.json() };
  }

  // onNewPassword runs work(password) when form is sent with its two
  // password fields equal and at least 10 characters long, saying in status
  // how it goes; after a failure the form can be sent again.
  function onNewPassword(form, status, pw, again, work) {
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (pw.value.length < 10 || pw.value !== again.value) {
        say(status, form.dataset.msgMismatch);
        return;
      }
      button.disabled = true;
      say(status, form.dataset.msgWorking);
      try {
        await work(pw.value);
        pw.value = again.value = "";
        say(status, form.dataset.msgDone);
      } catch (e) {
        say(status, form.dataset.msgFailed);
        button.disabled = false;
      }
    });
  }

  // enrol makes a key here, has the request certified, keeps the key in
  // this browser and offers its backup as a PKCS#12 file.
  function enrol(form) {
    const status = byId("certificate-enrol-status");
    if (!ready(form, status)) {
      return;
    }
    const pw = byId("key-password");
    const again = byId("key-password-again");
    pw.disabled = again.disabled = form.querySelector("button[type=submit]").disabled = false;
    onNewPassword(form, status, pw, again, async (password) => {
      const replaces = byId("replaces");
      const { keyPair, out } = await requestCertificate(form, "/profile/certificates", { replaces: replaces ? replaces.value : "" });
      const chain = out.chain.map((b) => S.fromBase64(b));
      await S.keyStore.save(keyPair, chain);
      offerDownload(byId("certificate-key-file"), await S.exportPKCS12(keyPair, chain, password), "application/x-pkcs12", out.serial + ".p12");
    });
  }

  // officerEnrol makes a key here and sends its request for an officer
  // certificate; the key waits in this browser under the request's ID
  // until an administrator approves (see officerComplete).
  function officerEnrol(form) {
    const status = byId("officer-enrol-status");
    if (!ready(form, status)) {
      return;
    }
    const agency = byId("officer-key-agency");
    const button = form.querySelector("button[type=submit]");
    agency.disabled = button.disabled = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      say(status, form.dataset.msgWorking);
      try {
        const { keyPair, out } = await requestCertificate(form, "/profile/certificates/officer", { agency: agency.value });
        await S.keyStore.keepPending(out.id, keyPair);
        say(status, form.dataset.msgDone);
      } catch (e) {
        say(status, form.dataset.msgFailed);
        button.disabled = false;
      }
    });
  }

  // officerComplete asks after the requests whose keys wait here: a
  // rejected one's key is dropped; for an approved one the form asks for
  // a password, then keeps the key with its certificate and offers its
  // backup as a PKCS#12 file. Other people's requests (404) are left be.
  async function officerComplete(form) {
    if (!S || !S.supported()) {
      return;
    }
    let found = null;
    for (const p of await S.keyStore.pending()) {
      const resp = await fetch("/profile/certificates/requests/" + encodeURIComponent(p.id), {
        credentials: "same-origin", headers: { "Accept": "application/json" },
      });
      if (!resp.ok) {
        continue;
      }
      const req = await resp.json();
      if (req.state === "rejected") {
        await S.keyStore.dropPending(p.id);
      } else if (req.state === "approved" && !found) {
        found = { id: p.id, keyPair: p.keyPair, serial: req.serial, chain: req.chain.map((b) => S.fromBase64(b)) };
      }
    }
    if (!found) {
      return;
    }
    const status = byId("officer-complete-status");
    form.hidden = false;
    say(status, form.dataset.msgReady);
    onNewPassword(form, status, byId("officer-password"), byId("officer-password-again"), async (password) => {
      const p12 = await S.exportPKCS12(found.keyPair, found.chain, password);
      await S.keyStore.save(found.keyPair, found.chain);
      await S.keyStore.dropPending(found.id);
      offerDownload(byId("officer-key-file"), p12, "application/x-pkcs12", found.serial + ".p12");
    });
  }

  // importKey keeps the key of a PKCS#12 file in this browser.
  function importKey(form) {
    const status = byId("key-import-status");
    if (!S || !S.supported()) {
      return; // the enrolment form above says why
    }
    const file = byId("import-file");
    const pw = byId("import-password");
    const button = form.querySelector("button[type=submit]");
    file.disabled = pw.disabled = button.disabled = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const bytes = new Uint8Array(await file.files[0].arrayBuffer());
        const kept = await S.importPKCS12(bytes, pw.value);
        await S.keyStore.save(kept.keyPair, kept.chain);
        pw.value = "";
        say(status, form.dataset.msgDone);
      } catch (e) {
        say(status, form.dataset.msgFailed);
      }
    });
  }

  // signDocument signs the chosen file's SHA-256 with a kept key; the
  // server wraps the signature as CAdES B-T, offered as <file>.p7s.
  async function signDocument(form) {
    const status = byId("document-sign-status");
    if (!ready(form, status) || !(await offerKeys(form, byId("sign-key"), status))) {
      return;
    }
    const file = byId("sign-file");
    const button = form.querySelector("button[type=submit]");
    file.disabled = button.disabled = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!file.files.length) {
        file.focus();
        return;
      }
      button.disabled = true;
      say(status, form.dataset.msgWorking);
      try {
        const doc = file.files[0];
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await doc.arrayBuffer()));
        const kept = await S.keyStore.load(byId("sign-key").value);
        const prep = await postJSON("/api/v1/signatures/prepare", { digest: S.toBase64(digest), certificate: S.toBase64(kept.chain[0]) });
        const sig = await S.signDigestInfo(kept.keyPair.privateKey, S.fromBase64(prep.to_be_signed));
        const out = await postJSON("/api/v1/signatures/assemble", { state: prep.state, signature: S.toBase64(sig) });
        offerDownload(byId("document-signature"), S.fromBase64(out.signature), "application/pkcs7-signature", doc.name + ".p7s");
        say(status, form.dataset.msgDone);
      } catch (e) {
        say(status, form.dataset.msgFailed);
      }
      button.disabled = false;
    });
  }

  // certificateLogin offers the kept keys and, on submit, signs the page's
  // text with the one chosen before the form goes.
  async function certificateLogin(form) {
    const status = byId("certificate-status");
    const select = byId("certificate-key");
    if (!ready(form, status) || !(await offerKeys(form, select, status))) {
      return;
    }
    const button = form.querySelector("button[type=submit]");
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

  // signApplication offers the kept keys on "check your answers" and, on
  // submit with one chosen, signs the application's content (the page
  // gives it, base64, in data-content) before the form goes: the server
  // sees only its SHA-256 and checks the signature against the same
  // content when it takes the application.
  async function signApplication(form) {
    const status = byId("application-sign-status");
    const select = byId("application-key");
    if (!S || !S.supported()) {
      if (form.dataset.required === "true") {
        say(status, form.dataset.msgUnsupported);
      }
      return;
    }
    const keys = await S.keyStore.list();
    if (keys.length === 0) {
      if (form.dataset.required === "true") {
        say(status, form.dataset.msgNoKeys);
      }
      return;
    }
    await offerKeys(form, select, status);
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (ev) => {
      if (form.elements.signature.value || !select.value) {
        return; // signed, or sent unsigned
      }
      ev.preventDefault();
      button.disabled = true;
      say(status, form.dataset.msgWorking);
      try {
        const content = S.fromBase64(form.dataset.content);
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", content));
        const kept = await S.keyStore.load(select.value);
        const prep = await postJSON("/api/v1/signatures/prepare", { digest: S.toBase64(digest), certificate: S.toBase64(kept.chain[0]) });
        const sig = await S.signDigestInfo(kept.keyPair.privateKey, S.fromBase64(prep.to_be_signed));
        const out = await postJSON("/api/v1/signatures/assemble", { state: prep.state, signature: S.toBase64(sig) });
        form.elements.signature.value = out.signature;
        form.submit();
      } catch (e) {
        say(status, form.dataset.msgFailed);
        button.disabled = false;
      }
    });
  }

  for (const [id, wire] of [["certificate-enrol", enrol], ["officer-enrol", officerEnrol], ["officer-complete", officerComplete],
    ["key-import", importKey], ["document-sign", signDocument], ["certificate-login", certificateLogin],
    ["application-sign", signApplication]]) {
    const form = byId(id);
    if (form) {
      wire(form);
    }
  }
})();
