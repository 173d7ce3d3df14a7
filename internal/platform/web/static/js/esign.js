// esign.js is the browser side of the e-signature: the holder's key is made,
// kept and used here, and never leaves the device except in a password-
// protected PKCS#12 file the holder downloads. It uses WebCrypto only and
// exposes one global, egovSign:
//
//   supported()                         whether this browser can do it all
//   generateKey()                       a new ECDSA P-256 key pair
//   csr(keyPair, {pinfl, commonName, stir})
//                                       a PKCS#10 request: {der, pem}
//   signDigestInfo(privateKey, bytes)   a DER ECDSA signature over bytes,
//                                       hashed with SHA-256: CMS signed
//                                       attributes, login challenges
//   exportPKCS12(keyPair, chain, password)
//   importPKCS12(bytes, password)       key files (see below): bytes, and
//                                       {keyPair, chain}
//   certificateInfo(der)                serial, subject, validity of a
//                                       certificate
//   keyStore.save/load/list/delete      key pairs kept in IndexedDB with
//                                       their chains, by certificate serial
//   keyStore.keepPending/pending/dropPending
//                                       key pairs whose certificate an
//                                       administrator has yet to approve,
//                                       by request ID
//   toBase64, fromBase64, fromPEM       moving bytes through forms and JSON
//
// Bytes are Uint8Arrays; a chain is an array of DER certificates, the
// holder's first. Failures are egovSign.EsignError with a code for pages to
// translate: "malformed", "unsupported", "wrong-password", "no-key",
// "key-mismatch", "not-extractable", "invalid-subject", "invalid-password".
//
// Only P-256 keys are handled: the platform's default, and the curve whose
// signatures digest with SHA-256, which the server's hash-based CAdES
// signing (cades.Prepare) expects.
(function () {
  "use strict";

  const subtle = window.crypto && window.crypto.subtle;
  const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
  const ECDSA_SHA256 = { name: "ECDSA", hash: "SHA-256" };

  // EsignError is every failure this script reports on purpose.
  class EsignError extends Error {
    constructor(code, message) {
      super(message || code);
      this.name = "EsignError";
      this.code = code;
    }
  }
  const fail = (code, message) => { throw new EsignError(code, message); };

  // ---- Bytes ---------------------------------------------------------

  const concat = (parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const randomBytes = (n) => window.crypto.getRandomValues(new Uint8Array(n));
  const utf8 = (s) => new TextEncoder().encode(s);
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const compareBytes = (a, b) => {
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (a[i] !== b[i]) { return a[i] - b[i]; }
    }
    return a.length - b.length;
  };

  function toBase64(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(s);
  }

  function fromBase64(text) {
    let s;
    try { s = atob(text.replace(/\s+/g, "")); } catch (e) { fail("malformed", "not base64"); }
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  }

  // fromPEM returns the DER of every PEM block in text, in order (a
  // certificate chain as the server sends it).
  function fromPEM(text) {
    const blocks = [];
    const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
    let m;
    while ((m = re.exec(text)) !== null) { blocks.push(fromBase64(m[2])); }
    if (!blocks.length) { fail("malformed", "no PEM block"); }
    return blocks;
  }

  function toPEM(label, der) {
    const lines = toBase64(der).match(/.{1,64}/g);
    return "-----BEGIN " + label + "-----\n" + lines.join("\n") + "\n-----END " + label + "-----\n";
  }

  // ---- DER writing -----------------------------------------------------
  // Just what the structures below need: each function returns the whole
  // encoded element.

  function tlv(tag, ...parts) {
    const body = concat(parts);
    const n = body.length;
    let len;
    if (n < 0x80) {
      len = [n];
    } else {
      len = [];
      for (let v = n; v > 0; v = Math.floor(v / 256)) { len.unshift(v & 0xff); }
      len.unshift(0x80 | len.length);
    }
    return concat([Uint8Array.of(tag), Uint8Array.from(len), body]);
  }
  const seq = (...parts) => tlv(0x30, ...parts);
  // setOf sorts its elements, as DER wants of a SET OF (X.690 11.6).
  const setOf = (elems) => tlv(0x31, ...elems.slice().sort(compareBytes));
  const explicit = (n, ...parts) => tlv(0xa0 | n, ...parts);
  const octets = (b) => tlv(0x04, b);
  const bitString = (b) => tlv(0x03, Uint8Array.of(0), b);
  const NULL = Uint8Array.of(0x05, 0x00);
  const utf8String = (s) => tlv(0x0c, utf8(s));
  const printableString = (s) => tlv(0x13, utf8(s));

  // unsignedInt encodes big-endian magnitude bytes as an INTEGER: leading
  // zeros dropped, one put back where the top bit would make it negative.
  function unsignedInt(b) {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) { i++; }
    b = b.subarray(i);
    return tlv(0x02, b[0] & 0x80 ? concat([Uint8Array.of(0), b]) : b);
  }
  function int(n) {
    const b = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) { b.unshift(v & 0xff); }
    return unsignedInt(Uint8Array.from(b.length ? b : [0]));
  }

  function oid(dotted) {
    const arcs = dotted.split(".").map(Number);
    const out = [];
    [arcs[0] * 40 + arcs[1]].concat(arcs.slice(2)).forEach((arc) => {
      const group = [arc & 0x7f];
      for (arc = Math.floor(arc / 128); arc > 0; arc = Math.floor(arc / 128)) { group.unshift(0x80 | (arc & 0x7f)); }
      out.push(...group);
    });
    return tlv(0x06, Uint8Array.from(out));
  }

  // ---- DER reading -----------------------------------------------------
  // read returns the element at pos: its tag, its content (value), the
  // whole encoding (der) and where it ends. Only DER's definite lengths are
  // accepted, as Go's and OpenSSL's writers produce.

  function read(bytes, pos) {
    pos = pos || 0;
    if (pos + 2 > bytes.length || (bytes[pos] & 0x1f) === 0x1f) { fail("malformed"); }
    const tag = bytes[pos];
    let len = bytes[pos + 1];
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || pos + 2 + n > bytes.length) { fail("malformed"); }
      len = 0;
      for (let i = 0; i < n; i++) { len = len * 256 + bytes[pos + 2 + i]; }
      head += n;
    }
    const end = pos + head + len;
    if (end > bytes.length) { fail("malformed"); }
    return { tag, value: bytes.subarray(pos + head, end), der: bytes.subarray(pos, end), end };
  }

  // readAll reads bytes as exactly one element with the given tag.
  function readAll(bytes, tag) {
    const e = read(bytes);
    if (e.end !== bytes.length || e.tag !== tag) { fail("malformed"); }
    return e;
  }

  // children returns the elements inside a constructed element, checking
  // the tag of each one given in tags.
  function children(e, ...tags) {
    const out = [];
    for (let pos = 0; pos < e.value.length; pos = out[out.length - 1].end) {
      out.push(read(e.value, pos));
    }
    tags.forEach((t, i) => { if (t !== undefined && (!out[i] || out[i].tag !== t)) { fail("malformed"); } });
    return out;
  }

  function readOID(e) {
    if (e.tag !== 0x06 || !e.value.length) { fail("malformed"); }
    const arcs = [];
    let v = 0;
    for (const b of e.value) {
      v = v * 128 + (b & 0x7f);
      if (!(b & 0x80)) { arcs.push(v); v = 0; }
    }
    const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
    return [first, arcs[0] - 40 * first].concat(arcs.slice(1)).join(".");
  }

  function readInt(e) {
    if (e.tag !== 0x02 || !e.value.length || e.value.length > 6 || e.value[0] & 0x80) { fail("malformed"); }
    return e.value.reduce((n, b) => n * 256 + b, 0);
  }

  // ---- Object identifiers ----------------------------------------------

  const OID = {
    ecdsaWithSHA256: "1.2.840.10045.4.3.2",
    commonName: "2.5.4.3",
    surname: "2.5.4.4",
    serialNumber: "2.5.4.5",
    givenName: "2.5.4.42",
    organizationIdentifier: "2.5.4.97",
    data: "1.2.840.113549.1.7.1",
    encryptedData: "1.2.840.113549.1.7.6",
    shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
    certBag: "1.2.840.113549.1.12.10.1.3",
    x509Certificate: "1.2.840.113549.1.9.22.1",
    localKeyId: "1.2.840.113549.1.9.21",
    pbes2: "1.2.840.113549.1.5.13",
    pbkdf2: "1.2.840.113549.1.5.12",
    pbmac1: "1.2.840.113549.1.5.14",
    sha256: "2.16.840.1.101.3.4.2.1",
  };
  // HMACS are the PBKDF2 pseudo-random functions and PBMAC1 MACs read.
  const HMACS = {
    "1.2.840.113549.2.7": "SHA-1",
    "1.2.840.113549.2.9": "SHA-256",
    "1.2.840.113549.2.10": "SHA-384",
    "1.2.840.113549.2.11": "SHA-512",
  };
  const HMAC_SHA256 = "1.2.840.113549.2.9";
  // AES_CBC maps the AES-CBC identifiers to key lengths in bits.
  const AES_CBC = {
    "2.16.840.1.101.3.4.1.2": 128,
    "2.16.840.1.101.3.4.1.22": 192,
    "2.16.840.1.101.3.4.1.42": 256,
  };
  const AES256_CBC = "2.16.840.1.101.3.4.1.42";

  // ---- Keys, requests, signatures --------------------------------------

  function supported() {
    return Boolean(subtle && window.indexedDB && window.TextEncoder);
  }

  // generateKey makes an ECDSA P-256 key pair. The private key is
  // extractable so that exportPKCS12 can write it into the holder's file;
  // keyStore.save keeps a copy that is not.
  function generateKey() {
    return subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  }

  // ecdsaDER turns WebCrypto's IEEE P1363 signature (r || s, each as long
  // as the curve's order) into the DER Ecdsa-Sig-Value X.509 and CMS use.
  function ecdsaDER(raw) {
    const n = raw.length / 2;
    return seq(unsignedInt(raw.subarray(0, n)), unsignedInt(raw.subarray(n)));
  }

  // signDigestInfo signs bytes with privateKey: ECDSA over their SHA-256
  // digest, returned as DER. The server gives the bytes: the signed
  // attributes of a CMS signature (cades.Prepare) or a login challenge.
  async function signDigestInfo(privateKey, bytes) {
    return ecdsaDER(new Uint8Array(await subtle.sign(ECDSA_SHA256, privateKey, bytes)));
  }

  // csr makes a PKCS#10 request for keyPair naming the subject: pinfl (14
  // digits) in serialNumber for people, commonName, and for a legal
  // entity's representative its stir (9 digits) in organizationIdentifier
  // as "NTRUZ-<stir>". The CA checks these against the verified account
  // and writes the certificate's subject from its own records.
  async function csr(keyPair, subject) {
    subject = subject || {};
    const rdns = [];
    const add = (type, value) => { rdns.push(setOf([seq(oid(type), value)])); };
    if (subject.stir !== undefined) {
      if (!/^\d{9}$/.test(subject.stir)) { fail("invalid-subject", "STIR must be 9 digits"); }
      add(OID.organizationIdentifier, printableString("NTRUZ-" + subject.stir));
    }
    if (subject.pinfl !== undefined) {
      if (!/^\d{14}$/.test(subject.pinfl)) { fail("invalid-subject", "PINFL must be 14 digits"); }
      add(OID.serialNumber, printableString(subject.pinfl));
    }
    const cn = (subject.commonName || "").trim();
    if (cn) { add(OID.commonName, utf8String(cn)); }
    if (!rdns.length) { fail("invalid-subject", "a PINFL or a common name is required"); }
    const spki = new Uint8Array(await subtle.exportKey("spki", keyPair.publicKey));
    // CertificationRequestInfo: version 0, subject, key, no attributes.
    const info = seq(int(0), seq(...rdns), spki, explicit(0));
    const der = seq(info, seq(oid(OID.ecdsaWithSHA256)), bitString(await signDigestInfo(keyPair.privateKey, info)));
    return { der, pem: toPEM("CERTIFICATE REQUEST", der) };
  }

  // ---- Certificates ----------------------------------------------------

  const NAME_FIELDS = {
    [OID.commonName]: "commonName",
    [OID.serialNumber]: "serialNumber",
    [OID.organizationIdentifier]: "organizationIdentifier",
    [OID.givenName]: "givenName",
    [OID.surname]: "surname",
  };

  // readString decodes the string types names use: UTF8String,
  // PrintableString, IA5String and BMPString.
  function readString(e) {
    switch (e.tag) {
      case 0x0c: case 0x13: case 0x16:
        return new TextDecoder().decode(e.value);
      case 0x1e: {
        let s = "";
        for (let i = 0; i + 1 < e.value.length; i += 2) { s += String.fromCharCode(e.value[i] << 8 | e.value[i + 1]); }
        return s;
      }
    }
    return "";
  }

  function readName(e) {
    const out = {};
    for (const rdn of children(e)) {
      for (const atv of children(rdn)) {
        const [type, value] = children(atv, 0x06);
        const field = NAME_FIELDS[readOID(type)];
        if (field && value) { out[field] = readString(value); }
      }
    }
    return out;
  }

  // readTime reads UTCTime (years 1950–2049) and GeneralizedTime in UTC.
  function readTime(e) {
    const s = new TextDecoder().decode(e.value);
    const m = (e.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(s);
    if (!m || (e.tag !== 0x17 && e.tag !== 0x18)) { fail("malformed", "bad time"); }
    let year = Number(m[1]);
    if (e.tag === 0x17) { year += year < 50 ? 2000 : 1900; }
    return new Date(Date.UTC(year, m[2] - 1, m[3], m[4], m[5], m[6]));
  }

  // parseCertificate reads the parts of a certificate this script uses.
  function parseCertificate(der) {
    const tbs = children(readAll(der, 0x30), 0x30)[0];
    const f = children(tbs);
    const at = f[0].tag === 0xa0 ? 1 : 0; // [0] version, absent in v1
    if (f.length < at + 6 || f[at].tag !== 0x02) { fail("malformed", "not a certificate"); }
    const validity = children(f[at + 3]);
    if (validity.length !== 2) { fail("malformed", "bad validity"); }
    return {
      serial: f[at].value,
      issuer: f[at + 2],
      validity,
      subject: f[at + 4],
      spki: f[at + 5].der,
    };
  }

  // certificateInfo describes a certificate for pages: its serial number in
  // lowercase hex as the server writes it, the subject's and issuer's
  // common names and identifiers, and its validity.
  function certificateInfo(der) {
    const c = parseCertificate(der);
    return {
      serial: hex(c.serial).replace(/^0+(?=.)/, ""),
      subject: readName(c.subject),
      issuer: readName(c.issuer),
      notBefore: readTime(c.validity[0]),
      notAfter: readTime(c.validity[1]),
    };
  }

  // publicPoint is the key inside a SubjectPublicKeyInfo (its BIT STRING),
  // to compare keys however their algorithm parameters are written.
  function publicPoint(spki) {
    return children(readAll(spki, 0x30), 0x30, 0x03)[1].value;
  }

  // checkPair fails unless certDER certifies publicKey.
  async function checkPair(publicKey, certDER) {
    const mine = publicPoint(new Uint8Array(await subtle.exportKey("spki", publicKey)));
    if (!equalBytes(mine, publicPoint(parseCertificate(certDER).spki))) {
      fail("key-mismatch", "the certificate is not for this key");
    }
  }

  // ---- SHA-256 and the PKCS#12 MAC key -----------------------------------
  // The classic PKCS#12 MAC key (RFC 7292 appendix B.2) is SHA-256 applied
  // iteration times over and over, which WebCrypto cannot do in one call;
  // awaiting crypto.subtle.digest hundreds of thousands of times takes many
  // seconds, so the hashing is done here. Everything else uses WebCrypto.

  // The SHA-256 constants (FIPS 180-4 4.2.2, 5.3.3): the first 32 bits of
  // the fractional parts of the cube roots of the first 64 primes, and of
  // the square roots of the first 8.
  const PRIMES = [];
  for (let n = 2; PRIMES.length < 64; n++) {
    if (PRIMES.every((p) => n % p)) { PRIMES.push(n); }
  }
  const fraction32 = (x) => ((x - Math.floor(x)) * 0x100000000) | 0;
  const K = Int32Array.from(PRIMES, (p) => fraction32(Math.cbrt(p)));
  const H0 = Int32Array.from(PRIMES.slice(0, 8), (p) => fraction32(Math.sqrt(p)));

  const rotr = (x, n) => (x >>> n) | (x << (32 - n));

  // compress runs the SHA-256 compression function on state h (8 words,
  // updated) with the block's 16 words in w[0..15]; w has room for 64.
  function compress(h, w) {
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }

  // iteratedSHA256 returns SHA-256 applied count times: H(H(…H(data))).
  function iteratedSHA256(data, count) {
    const h = H0.slice();
    const w = new Int32Array(64);
    // The first hash: data padded with 0x80, zeros and its bit length.
    const blocks = Math.ceil((data.length + 9) / 64);
    const padded = new Uint8Array(blocks * 64);
    padded.set(data);
    padded[data.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 4, data.length * 8);
    for (let blk = 0; blk < blocks; blk++) {
      for (let i = 0; i < 16; i++) { w[i] = view.getInt32(blk * 64 + i * 4); }
      compress(h, w);
    }
    // Each further hash is of the 32-byte previous one: a single block of
    // its eight words, 0x80, zeros and the length, 256 bits.
    for (let n = 1; n < count; n++) {
      w.set(h);
      w[8] = 0x80000000 | 0;
      w.fill(0, 9, 15);
      w[15] = 256;
      h.set(H0);
      compress(h, w);
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    h.forEach((x, i) => ov.setInt32(i * 4, x));
    return out;
  }

  // bmpPassword is the password as PKCS#12's own key derivation takes it:
  // UTF-16 big-endian with a two-byte zero terminator.
  function bmpPassword(password) {
    const out = new Uint8Array(password.length * 2 + 2);
    for (let i = 0; i < password.length; i++) {
      out[2 * i] = password.charCodeAt(i) >> 8;
      out[2 * i + 1] = password.charCodeAt(i) & 0xff;
    }
    return out;
  }

  // pkcs12MacKey derives the 32-byte MAC key of RFC 7292 B.2 with SHA-256
  // (ID 3). The key is one hash long, so only the first round of the
  // procedure is needed: SHA-256^iterations(D || S || P), where D is 64
  // bytes of the ID and S and P repeat the salt and password to whole
  // 64-byte blocks.
  function pkcs12MacKey(password, salt, iterations) {
    const fill = (b) => {
      const out = new Uint8Array(64 * Math.ceil(b.length / 64));
      for (let i = 0; i < out.length; i++) { out[i] = b[i % b.length]; }
      return out;
    };
    return iteratedSHA256(concat([new Uint8Array(64).fill(3), fill(salt), fill(bmpPassword(password))]), iterations);
  }

  // ---- PKCS#12 -----------------------------------------------------------
  // Files are written as OpenSSL 3 and Go's pkcs12.Modern2023 write them,
  // which both read: the certificates in an encrypted SafeContents, the key
  // in a shrouded key bag, both with PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
  // and the classic PKCS#12 MAC with HMAC-SHA256. The certificates are
  // encrypted too because they name the holder (PINFL).

  // ITERATIONS is the PBKDF2 and MAC work of the files written, the same as
  // the server's own key files (keyFileIterations in package pki).
  const ITERATIONS = 600000;
  // MAX_ITERATIONS bounds the work a file read may ask for, so that a
  // hostile file cannot hang the page.
  const MAX_ITERATIONS = 10000000;

  const checkIterations = (n) => {
    if (n < 1 || n > MAX_ITERATIONS) { fail("unsupported", "iteration count " + n); }
    return n;
  };

  async function pbkdf2(password, salt, iterations, hash, bits) {
    const base = await subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", salt, iterations, hash }, base, bits));
  }

  // pbes2Encrypt encrypts data under password and returns the PBES2
  // AlgorithmIdentifier and the ciphertext. PBES2 takes the password as
  // UTF-8 (RFC 8018), as OpenSSL and Go do.
  async function pbes2Encrypt(data, password) {
    const salt = randomBytes(16);
    const iv = randomBytes(16);
    const raw = await pbkdf2(password, salt, ITERATIONS, "SHA-256", 256);
    const key = await subtle.importKey("raw", raw, "AES-CBC", false, ["encrypt"]);
    const ciphertext = new Uint8Array(await subtle.encrypt({ name: "AES-CBC", iv }, key, data));
    const params = seq(
      seq(oid(OID.pbkdf2), seq(octets(salt), int(ITERATIONS), seq(oid(HMAC_SHA256), NULL))),
      seq(oid(AES256_CBC), octets(iv)));
    return { algorithm: seq(oid(OID.pbes2), params), ciphertext };
  }

  // pbes2Decrypt decrypts ciphertext under the PBES2 algorithm identifier
  // alg: PBKDF2 with HMAC-SHA-1/256/384/512, AES-CBC of any key size.
  async function pbes2Decrypt(alg, ciphertext, password) {
    const [algOID, params] = children(alg, 0x06, 0x30);
    if (readOID(algOID) !== OID.pbes2) { fail("unsupported", "encryption " + readOID(algOID) + " (not PBES2)"); }
    const [kdf, scheme] = children(params, 0x30, 0x30);
    const [kdfOID, kdfParams] = children(kdf, 0x06, 0x30);
    if (readOID(kdfOID) !== OID.pbkdf2) { fail("unsupported", "key derivation " + readOID(kdfOID)); }
    const [salt, count, ...rest] = children(kdfParams, 0x04, 0x02);
    const prf = rest.find((e) => e.tag === 0x30);
    const hash = prf ? HMACS[readOID(children(prf, 0x06)[0])] : "SHA-1";
    const [encOID, iv] = children(scheme, 0x06, 0x04);
    const bits = AES_CBC[readOID(encOID)];
    if (!hash || !bits || iv.value.length !== 16) { fail("unsupported", "PBES2 algorithms"); }
    const raw = await pbkdf2(password, salt.value, checkIterations(readInt(count)), hash, bits);
    const key = await subtle.importKey("raw", raw, "AES-CBC", false, ["decrypt"]);
    try {
      return new Uint8Array(await subtle.decrypt({ name: "AES-CBC", iv: iv.value }, key, ciphertext));
    } catch (e) {
      fail("wrong-password", "cannot decrypt");
    }
  }

  async function hmacSHA256(key, data) {
    const k = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return new Uint8Array(await subtle.sign("HMAC", k, data));
  }

  // checkMac checks the MAC over the authenticated safe: the classic one
  // with SHA-256 (OpenSSL 3 and Go by default), or PBMAC1 (RFC 9579, as
  // OpenSSL 3.4 writes on request and Go's pkcs12.Modern2026). A MAC that
  // does not match means a wrong password, as a damaged file is rare.
  async function checkMac(macData, content, password) {
    const [digestInfo, salt, count] = children(macData, 0x30, 0x04);
    const [alg, digest] = children(digestInfo, 0x30, 0x04);
    const [algOID, params] = children(alg, 0x06);
    let mac;
    switch (readOID(algOID)) {
      case OID.sha256:
        mac = await hmacSHA256(pkcs12MacKey(password, salt.value, checkIterations(count ? readInt(count) : 1)), content);
        break;
      case OID.pbmac1: {
        if (!params) { fail("malformed", "no PBMAC1 parameters"); }
        const [kdf, macAlg] = children(params, 0x30, 0x30);
        const [kdfOID, kdfParams] = children(kdf, 0x06, 0x30);
        const [pSalt, pCount, keyLength, prf] = children(kdfParams, 0x04, 0x02, 0x02, 0x30);
        const hash = HMACS[readOID(children(prf, 0x06)[0])];
        const macHash = HMACS[readOID(children(macAlg, 0x06)[0])];
        const bytes = readInt(keyLength);
        if (readOID(kdfOID) !== OID.pbkdf2 || !hash || !macHash || bytes < 20 || bytes > 64) {
          fail("unsupported", "PBMAC1 parameters");
        }
        const key = await pbkdf2(password, pSalt.value, checkIterations(readInt(pCount)), hash, bytes * 8);
        const k = await subtle.importKey("raw", key, { name: "HMAC", hash: macHash }, false, ["sign"]);
        mac = new Uint8Array(await subtle.sign("HMAC", k, content));
        break;
      }
      default:
        fail("unsupported", "MAC " + readOID(algOID));
    }
    if (!equalBytes(mac, digest.value)) { fail("wrong-password"); }
  }

  // exportPKCS12 writes keyPair with its certificate chain (the holder's
  // certificate first) as a PKCS#12 file protected by password. The
  // private key must be extractable (as generateKey makes it).
  async function exportPKCS12(keyPair, chain, password) {
    if (typeof password !== "string" || password === "") { fail("invalid-password", "a password is required"); }
    if (!chain || !chain.length) { fail("malformed", "no certificate"); }
    await checkPair(keyPair.publicKey, chain[0]);
    if (!keyPair.privateKey.extractable) { fail("not-extractable", "this key cannot leave the browser"); }
    const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", keyPair.privateKey));
    // localKeyId ties the key to its certificate: the certificate's SHA-1
    // fingerprint, as OpenSSL and Go write it.
    const keyID = new Uint8Array(await subtle.digest("SHA-1", chain[0]));
    const attrs = setOf([seq(oid(OID.localKeyId), setOf([octets(keyID)]))]);

    const certBags = chain.map((der, i) => seq(oid(OID.certBag),
      explicit(0, seq(oid(OID.x509Certificate), explicit(0, octets(der)))),
      i === 0 ? attrs : new Uint8Array(0)));
    const certs = await pbes2Encrypt(seq(...certBags), password);
    // EncryptedData: version 0, EncryptedContentInfo with the ciphertext
    // under [0] IMPLICIT.
    const certsInfo = seq(oid(OID.encryptedData), explicit(0, seq(int(0),
      seq(oid(OID.data), certs.algorithm, tlv(0x80, certs.ciphertext)))));

    const key = await pbes2Encrypt(pkcs8, password);
    const keyBag = seq(oid(OID.shroudedKeyBag), explicit(0, seq(key.algorithm, octets(key.ciphertext))), attrs);
    const keyInfo = seq(oid(OID.data), explicit(0, octets(seq(keyBag))));

    const authSafe = seq(certsInfo, keyInfo);
    const macSalt = randomBytes(16);
    const mac = await hmacSHA256(pkcs12MacKey(password, macSalt, ITERATIONS), authSafe);
    return seq(int(3),
      seq(oid(OID.data), explicit(0, octets(authSafe))),
      seq(seq(seq(oid(OID.sha256)), octets(mac)), octets(macSalt), int(ITERATIONS)));
  }

  // bagAttribute returns the first value of a bag's attribute type, if any.
  function bagAttribute(attrs, type) {
    if (!attrs) { return null; }
    for (const a of children(attrs)) {
      const [t, values] = children(a, 0x06, 0x31);
      if (readOID(t) === type) { return children(values)[0] || null; }
    }
    return null;
  }

  // importPKCS12 reads a PKCS#12 file (bytes as a Uint8Array or
  // ArrayBuffer) in the modern format (PBES2 with AES, as exportPKCS12,
  // OpenSSL 3 and Go's pki.EncodePKCS12 write) holding one P-256 key and
  // its certificate, and returns {keyPair, chain}: the
  // private key not extractable, the public key from the certificate, the
  // chain with the key's certificate (by localKeyId, else the first) first.
  // Files with legacy algorithms (3DES, RC2, a SHA-1 MAC) are
  // "unsupported": the holder can convert them with OpenSSL 3.
  async function importPKCS12(bytes, password) {
    if (typeof password !== "string" || password === "") { fail("invalid-password", "a password is required"); }
    if (bytes instanceof ArrayBuffer) { bytes = new Uint8Array(bytes); }
    const [version, authSafe, macData] = children(readAll(bytes, 0x30), 0x02, 0x30);
    const [ctype, wrapped] = children(authSafe, 0x06, 0xa0);
    if (readInt(version) !== 3 || readOID(ctype) !== OID.data) { fail("unsupported", "not a password-protected PFX"); }
    const content = readAll(wrapped.value, 0x04).value;
    if (!macData || macData.tag !== 0x30) { fail("unsupported", "no MAC"); }
    await checkMac(macData, content, password);

    const certs = [];
    let key = null;
    for (const info of children(readAll(content, 0x30))) {
      const [type, explicitContent] = children(info, 0x06, 0xa0);
      let safeContents;
      switch (readOID(type)) {
        case OID.data:
          safeContents = readAll(explicitContent.value, 0x04).value;
          break;
        case OID.encryptedData: {
          const [, eci] = children(readAll(explicitContent.value, 0x30), 0x02, 0x30);
          const [, alg, ciphertext] = children(eci, 0x06, 0x30, 0x80);
          safeContents = await pbes2Decrypt(alg, ciphertext.value, password);
          break;
        }
        default:
          fail("unsupported", "content type " + readOID(type));
      }
      for (const bag of children(readAll(safeContents, 0x30))) {
        const [id, value, attrs] = children(bag, 0x06, 0xa0);
        const localKeyId = bagAttribute(attrs, OID.localKeyId);
        switch (readOID(id)) {
          case OID.certBag: {
            const [certType, certValue] = children(readAll(value.value, 0x30), 0x06, 0xa0);
            if (readOID(certType) === OID.x509Certificate) {
              certs.push({ der: readAll(certValue.value, 0x04).value.slice(), localKeyId });
            }
            break;
          }
          case OID.shroudedKeyBag: {
            if (key) { fail("unsupported", "more than one key"); }
            const [alg, ciphertext] = children(readAll(value.value, 0x30), 0x30, 0x04);
            key = { pkcs8: await pbes2Decrypt(alg, ciphertext.value, password), localKeyId };
            break;
          }
        }
      }
    }
    if (!key) { fail("no-key", "the file holds no private key"); }
    if (!certs.length) { fail("no-key", "the file holds no certificate"); }
    let leaf = key.localKeyId ? certs.findIndex((c) => c.localKeyId && equalBytes(c.localKeyId.value, key.localKeyId.value)) : -1;
    if (leaf < 0) { leaf = 0; }
    const chain = [certs[leaf].der].concat(certs.filter((c, i) => i !== leaf).map((c) => c.der));

    let privateKey, publicKey;
    try {
      privateKey = await subtle.importKey("pkcs8", key.pkcs8, ECDSA, false, ["sign"]);
      publicKey = await subtle.importKey("spki", parseCertificate(chain[0]).spki, ECDSA, true, ["verify"]);
    } catch (e) {
      fail("unsupported", "the key is not an ECDSA P-256 key");
    }
    // The key must be the certificate's: sign and check once.
    const probe = randomBytes(32);
    if (!await subtle.verify(ECDSA_SHA256, publicKey, await subtle.sign(ECDSA_SHA256, privateKey, probe), probe)) {
      fail("key-mismatch", "the certificate is not for this key");
    }
    return { keyPair: { privateKey, publicKey }, chain };
  }

  // ---- Key store ---------------------------------------------------------
  // Key pairs live in IndexedDB with their chains, one record per
  // certificate serial, so that signing needs no file once the key is in
  // this browser. IndexedDB keeps CryptoKey objects as they are, so a key
  // that is not extractable stays so.

  const DB_NAME = "egov-esign";
  const STORE = "keys";
  // PENDING keeps the key pairs of requests that wait for approval, by
  // request ID (version 2 of the database).
  const PENDING = "pending";

  function openDB() {
    return new Promise((resolve, reject) => {
      const req = window.indexedDB.open(DB_NAME, 2);
      req.onupgradeneeded = () => {
        const names = req.result.objectStoreNames;
        if (!names.contains(STORE)) { req.result.createObjectStore(STORE, { keyPath: "serial" }); }
        if (!names.contains(PENDING)) { req.result.createObjectStore(PENDING, { keyPath: "id" }); }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  // withStore runs op on the object store named store (the key store if
  // none) in a transaction of mode and returns the result of its request
  // once the transaction has committed.
  async function withStore(mode, op, store = STORE) {
    const db = await openDB();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const req = op(tx.objectStore(store));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  // record turns a stored record into what load and list return; null
  // for none.
  const record = (r) => (r ? {
    keyPair: { privateKey: r.privateKey, publicKey: r.publicKey },
    chain: r.chain.map((b) => new Uint8Array(b)),
    info: certificateInfo(new Uint8Array(r.chain[0])),
  } : null);

  const keyStore = {
    // save keeps keyPair with its chain under the certificate's serial,
    // replacing what was there, and returns the certificate's info. An
    // extractable private key is stored as a copy that is not, so that no
    // script can read the key out of the browser later: the PKCS#12 file is
    // the holder's copy.
    async save(keyPair, chain) {
      await checkPair(keyPair.publicKey, chain[0]);
      let privateKey = keyPair.privateKey;
      if (privateKey.extractable) {
        const pkcs8 = await subtle.exportKey("pkcs8", privateKey);
        privateKey = await subtle.importKey("pkcs8", pkcs8, ECDSA, false, ["sign"]);
      }
      const info = certificateInfo(chain[0]);
      await withStore("readwrite", (s) => s.put({
        serial: info.serial,
        privateKey,
        publicKey: keyPair.publicKey,
        chain: chain.map((der) => der.slice().buffer),
      }));
      return info;
    },
    // load returns {keyPair, chain, info} kept under serial, or null.
    async load(serial) {
      return record(await withStore("readonly", (s) => s.get(serial)));
    },
    // list returns {serial, info} of every key kept, the one that stays
    // valid longest first.
    async list() {
      const all = await withStore("readonly", (s) => s.getAll());
      return all.map((r) => ({ serial: r.serial, info: record(r).info }))
        .sort((a, b) => b.info.notAfter - a.info.notAfter);
    },
    // delete forgets the key kept under serial.
    async delete(serial) {
      await withStore("readwrite", (s) => s.delete(serial));
    },
    // keepPending keeps keyPair under the ID of a request that waits for
    // approval, until its certificate exists. The private key stays
    // extractable so that the holder's PKCS#12 backup can be written then;
    // save and dropPending end that.
    async keepPending(id, keyPair) {
      await withStore("readwrite", (s) => s.put({ id, privateKey: keyPair.privateKey, publicKey: keyPair.publicKey }), PENDING);
    },
    // pending returns {id, keyPair} of every key waiting for a certificate.
    async pending() {
      const all = await withStore("readonly", (s) => s.getAll(), PENDING);
      return all.map((r) => ({ id: r.id, keyPair: { privateKey: r.privateKey, publicKey: r.publicKey } }));
    },
    // dropPending forgets the key kept for request id.
    async dropPending(id) {
      await withStore("readwrite", (s) => s.delete(id), PENDING);
    },
  };

  window.egovSign = Object.freeze({
    EsignError,
    supported,
    generateKey,
    csr,
    signDigestInfo,
    exportPKCS12,
    importPKCS12,
    certificateInfo,
    keyStore: Object.freeze(keyStore),
    toBase64,
    fromBase64,
    fromPEM,
  });
}());
