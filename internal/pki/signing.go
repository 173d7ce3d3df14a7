package pki

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Paths of the signing page and its API. The holder's key signs in the
// browser; the server sees neither the key nor the document, only the
// document's SHA-256, and makes the CAdES B-T signature around the value
// the key produced.
const (
	PathSign         = "/signatures/sign"
	PathPrepareAPI   = "/api/v1/signatures/prepare"
	PathAssembleAPI  = "/api/v1/signatures/assemble"
	signingStateTTL  = 10 * time.Minute
	maxSigningBody   = 64 << 10
	signingStateInfo = "egov pki signing state"
)

// Message keys of signing.
const (
	MsgSignDigest      = "pki.sign.digest"      // not a SHA-256 digest
	MsgSignCertificate = "pki.sign.certificate" // not a valid certificate of this CA
	MsgSignState       = "pki.sign.state"       // the signing has expired or was tampered with
	MsgSignValue       = "pki.sign.value"       // the key's signature does not verify
)

// signingRoutes registers the signing page and its two API calls. They
// are public: what they sign for is proved by the holder's key, and they
// change nothing but hand out a timestamp.
func (m *Module) signingRoutes(r *web.Router) {
	r.Handle("GET "+PathSign, web.Public, m.showSign)
	r.Handle("POST "+PathPrepareAPI, web.Public, m.apiPrepare, web.CSRFExempt())
	r.Handle("POST "+PathAssembleAPI, web.Public, m.apiAssemble, web.CSRFExempt())
}

func (m *Module) showSign(w http.ResponseWriter, r *http.Request) error {
	return m.sign.Render(w, r, http.StatusOK, nil)
}

// prepareJSON asks to sign a document by its SHA-256 with a certificate.
type prepareJSON struct {
	Digest      []byte `json:"digest"`
	Certificate []byte `json:"certificate"`
}

// apiPrepare answers the bytes the holder's key must sign (the signed
// attributes) and the state to send back with the signature, sealed so
// that it cannot be changed on the way.
func (m *Module) apiPrepare(w http.ResponseWriter, r *http.Request) error {
	var in prepareJSON
	if err := web.ReadJSON(r, maxSigningBody, &in); err != nil {
		return err
	}
	if len(in.Digest) != sha256.Size {
		return apperr.Invalid(MsgSignDigest, map[string]string{"digest": MsgSignDigest})
	}
	ctx := r.Context()
	bad := apperr.Invalid(MsgSignCertificate, map[string]string{"certificate": MsgSignCertificate})
	cert, err := x509.ParseCertificate(in.Certificate)
	if err != nil {
		return bad
	}
	now := m.svc.clock.Now()
	st, err := m.svc.CertificateStatus(ctx, cert)
	if err != nil {
		return err
	}
	if !st.Known || !st.RevokedAt.IsZero() || now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return bad
	}
	chain, err := m.svc.Chain(ctx)
	if err != nil {
		return err
	}
	p, tbs, err := cades.Prepare(in.Digest, cert, chain, now)
	if err != nil {
		return bad
	}
	state, err := p.MarshalBinary()
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"to_be_signed": tbs, "state": m.sealState(state)})
}

// assembleJSON brings the key's signature with the prepared state.
type assembleJSON struct {
	State     []byte `json:"state"`
	Signature []byte `json:"signature"`
}

// apiAssemble makes the CAdES B-T signature (detached, DER) around the
// key's signature value, with a timestamp from this TSA.
func (m *Module) apiAssemble(w http.ResponseWriter, r *http.Request) error {
	var in assembleJSON
	if err := web.ReadJSON(r, maxSigningBody, &in); err != nil {
		return err
	}
	stale := apperr.Invalid(MsgSignState, map[string]string{"state": MsgSignState})
	state, ok := m.openState(in.State)
	if !ok {
		return stale
	}
	var p cades.Prepared
	if err := p.UnmarshalBinary(state); err != nil || m.svc.clock.Now().Sub(p.Time) > signingStateTTL {
		return stale
	}
	sig, err := p.Assemble(r.Context(), in.Signature, cades.AssembleOptions{Level: cades.LevelBT, TSA: m.svc})
	if errors.Is(err, cades.ErrSignatureValue) {
		return apperr.Invalid(MsgSignValue, map[string]string{"signature": MsgSignValue})
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"signature": sig})
}

// stateKey is the MAC key of signing states, derived from the key secret.
func (m *Module) stateKey() []byte {
	k, err := hkdf.Key(sha256.New, m.svc.cfg.KeySecret, nil, signingStateInfo, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give
	}
	return k
}

// sealState prefixes state with its HMAC-SHA256.
func (m *Module) sealState(state []byte) []byte {
	mac := hmac.New(sha256.New, m.stateKey())
	mac.Write(state)
	return append(mac.Sum(nil), state...)
}

// openState checks and strips the HMAC of a sealed state.
func (m *Module) openState(sealed []byte) ([]byte, bool) {
	if len(sealed) < sha256.Size {
		return nil, false
	}
	mac := hmac.New(sha256.New, m.stateKey())
	mac.Write(sealed[sha256.Size:])
	if !hmac.Equal(mac.Sum(nil), sealed[:sha256.Size]) {
		return nil, false
	}
	return bytes.Clone(sealed[sha256.Size:]), true
}
