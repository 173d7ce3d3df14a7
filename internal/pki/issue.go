package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// IssueRequest asks for a certificate for a key the holder keeps.
type IssueRequest struct {
	Profile Profile
	// Subject is whom the certificate is for, as the caller verified it;
	// the request must name the same person or system (see Issue).
	Subject Subject
	// CSR is the PKCS#10 request, PEM or DER.
	CSR []byte
	// Owner is the account the certificate belongs to, if any.
	Owner string
	// Actor is who issues it, for the audit log.
	Actor string
}

// Issue certifies the key of a signing request under the active issuing CA
// for Config.EndEntityValidity (cut to the CA's own end), with the subject
// built from req.Subject. The request must carry the subject's PINFL in
// serialNumber (people) or the system name as common name (gateways), and
// no other organisation identifier than the subject's STIR.
//
// Errors: EINVALID with field messages when req.Subject lacks what the
// profile needs; EINVALID MsgProfileUnknown, MsgProfileInternal,
// MsgCSRMalformed, MsgCSRSignature, MsgKeyUnsupported, MsgKeyRSATooSmall or
// MsgSubjectMismatch; EINTERNAL MsgNoCA when no issuing CA is set up.
func (s *Service) Issue(ctx context.Context, req IssueRequest) (*Certificate, error) {
	if _, err := ParseProfile(string(req.Profile)); err != nil {
		return nil, err
	}
	if req.Profile.internal() {
		return nil, apperr.New(apperr.EINVALID, MsgProfileInternal)
	}
	if f := req.Subject.validate(req.Profile); len(f) > 0 {
		return nil, apperr.Invalid(MsgSubjectMismatch, f)
	}
	csr, err := ParseCSR(req.CSR)
	if err != nil {
		return nil, err
	}
	if err := matchRequest(csr, req.Profile, req.Subject); err != nil {
		return nil, err
	}
	st, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.issue(ctx, st, issueParams{profile: req.Profile, subject: req.Subject, pub: csr.PublicKey, owner: req.Owner,
		actor: req.Actor, validity: s.cfg.EndEntityValidity, now: s.clock.Now()})
	if err != nil {
		return nil, fmt.Errorf("issue certificate: %w", err)
	}
	return c, nil
}

// issueParams are the parts of one issuance.
type issueParams struct {
	profile      Profile
	subject      Subject
	pub          any
	owner, actor string
	validity     time.Duration
	now          time.Time
	// seal, when set, seals the platform's own key for the certificate
	// with the given serial, to be stored beside it.
	seal func(serial string) ([]byte, error)
}

// issue signs a certificate with the issuing CA of st and stores it with
// an audit record.
func (s *Service) issue(ctx context.Context, st *state, p issueParams) (*Certificate, error) {
	ca := st.issuing
	tmpl, err := newTemplate(p.pub, p.now, minTime(p.now.Add(p.validity), ca.cert.NotAfter))
	if err != nil {
		return nil, err
	}
	tmpl.Subject = p.subject.name(p.profile)
	if p.profile == ProfileGatewayAuth {
		tmpl.DNSNames = p.subject.DNSNames
	}
	if err := p.profile.apply(tmpl, p.pub); err != nil {
		return nil, err
	}
	tmpl.BasicConstraintsValid = true
	tmpl.IssuingCertificateURL = []string{s.cfg.caURL(ca.name)}
	tmpl.CRLDistributionPoints = []string{s.cfg.crlURL(ca.name)}
	if p.profile != ProfileOCSP {
		tmpl.OCSPServer = []string{s.cfg.ocspURL()}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, p.pub, ca.signer)
	if err != nil {
		return nil, err
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c := &Certificate{Serial: serialHex(tmpl.SerialNumber), Issuer: ca.name, Profile: p.profile, Owner: p.owner,
		Subject: NameText(x.Subject), NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, IssuedAt: p.now, IssuedBy: p.actor, DER: der}
	if p.profile.personal() {
		c.PINFL = p.subject.PINFL
	}
	if p.profile == ProfileLegal {
		c.STIR = p.subject.STIR
	}
	var sealed []byte
	if p.seal != nil {
		if sealed, err = p.seal(c.Serial); err != nil {
			return nil, err
		}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertCertificate(ctx, tx, c, sealed); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: p.actor, Action: "pki.certificate.issued", ObjectType: "certificate",
			ObjectID: c.Serial, Details: map[string]any{"ca": ca.name, "profile": string(p.profile), "owner": p.owner}})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
