package pki_test

import (
	"context"
	"crypto/x509/pkix"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// officer is an officer of the tests, serving in the agency "adliya".
var officer = pki.Subject{PINFL: "43001880000011", GivenName: "Nodira", Surname: "Saidova", Organization: "Adliya vazirligi"}

// submitOfficer stores a request of officer for a new key, in agency.
func (e *env) submitOfficer(t *testing.T, agency string) *pki.Request {
	t.Helper()
	r, err := e.svc.SubmitRequest(context.Background(), pki.RequestInput{Profile: pki.ProfileOfficer, Subject: officer, Agency: agency,
		CSR: csr(t, p256(t), pkix.Name{CommonName: "Saidova Nodira", SerialNumber: officer.PINFL}), Owner: "officer-1"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOfficerRequests covers a request's life: checked when it comes,
// listed for its agency, decided once, by someone other than its owner,
// and audited.
func TestOfficerRequests(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()

		// Bad requests are refused at once.
		key := p256(t)
		for name, c := range map[string]struct {
			in  pki.RequestInput
			msg string
		}{
			"personal profile": {pki.RequestInput{Profile: pki.ProfilePerson, Subject: officer, Agency: "adliya"}, pki.MsgRequestProfile},
			"no agency":        {pki.RequestInput{Profile: pki.ProfileOfficer, Subject: officer}, pki.MsgRequestAgency},
			"no organisation": {pki.RequestInput{Profile: pki.ProfileOfficer, Agency: "adliya",
				Subject: pki.Subject{PINFL: officer.PINFL, GivenName: "Nodira", Surname: "Saidova"}}, pki.MsgSubjectMismatch},
			"someone else's PINFL": {pki.RequestInput{Profile: pki.ProfileOfficer, Subject: officer, Agency: "adliya",
				CSR: csr(t, key, pkix.Name{SerialNumber: person.PINFL})}, pki.MsgSubjectMismatch},
			"no request": {pki.RequestInput{Profile: pki.ProfileOfficer, Subject: officer, Agency: "adliya", CSR: []byte("x")}, pki.MsgCSRMalformed},
		} {
			c.in.Owner = "officer-1"
			_, err := e.svc.SubmitRequest(ctx, c.in)
			if ae := apperr.As(err); ae == nil || ae.Code != apperr.EINVALID || ae.Message != c.msg {
				t.Errorf("%s: %v, want %s", name, err, c.msg)
			}
		}

		approved, rejected, other := e.submitOfficer(t, "adliya"), e.submitOfficer(t, "adliya"), e.submitOfficer(t, "soliq")
		if approved.State != pki.RequestPending || !reflect.DeepEqual(approved.Subject, officer) || len(approved.CSR) == 0 {
			t.Fatalf("submitted: %+v", approved)
		}
		count := func(f pki.RequestFilter) int {
			t.Helper()
			list, err := e.svc.FindRequests(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		owner, pending := "officer-1", pki.RequestPending
		for name, c := range map[string]struct {
			f    pki.RequestFilter
			want int
		}{
			"all":                  {pki.RequestFilter{}, 3},
			"the owner's":          {pki.RequestFilter{Owner: &owner}, 3},
			"adliya's pending":     {pki.RequestFilter{State: &pending, Agencies: []string{"adliya"}}, 2},
			"two agencies":         {pki.RequestFilter{Agencies: []string{"adliya", "soliq"}}, 3},
			"no agencies":          {pki.RequestFilter{Agencies: []string{}}, 0},
			"one":                  {pki.RequestFilter{Limit: 1}, 1},
			"another agency's one": {pki.RequestFilter{Agencies: []string{"dxa"}}, 0},
		} {
			if n := count(c.f); n != c.want {
				t.Errorf("%s: %d requests, want %d", name, n, c.want)
			}
		}

		// Nobody decides on their own request.
		if _, _, err := e.svc.ApproveRequest(ctx, "officer-1", approved.ID); !apperr.Is(err, apperr.EFORBIDDEN) {
			t.Errorf("approving one's own request: %v", err)
		}
		r, c, err := e.svc.ApproveRequest(ctx, "admin-1", approved.ID)
		if err != nil {
			t.Fatal(err)
		}
		x, err := c.X509()
		if err != nil {
			t.Fatal(err)
		}
		if c.Profile != pki.ProfileOfficer || c.Owner != "officer-1" || c.IssuedBy != "admin-1" || c.PINFL != officer.PINFL ||
			x.Subject.SerialNumber != officer.PINFL || len(x.Subject.Organization) != 1 || x.Subject.Organization[0] != officer.Organization {
			t.Errorf("certificate: %+v, subject %s", c, x.Subject)
		}
		stored, err := e.svc.FindRequest(ctx, approved.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.State != pki.RequestApproved || stored.Serial != c.Serial || stored.DecidedBy != "admin-1" || stored.DecidedAt == nil ||
			r.Serial != c.Serial {
			t.Errorf("approved request: %+v", stored)
		}
		if _, _, err := e.svc.ApproveRequest(ctx, "admin-1", approved.ID); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("approving twice: %v", err)
		}
		if _, err := e.svc.RejectRequest(ctx, "admin-1", approved.ID, "late"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("rejecting an approved request: %v", err)
		}

		// A rejection needs a reason the officer can read.
		for _, reason := range []string{"", "  ", strings.Repeat("x", 501), "\xff"} {
			if _, err := e.svc.RejectRequest(ctx, "admin-1", rejected.ID, reason); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("rejecting for %q: %v", reason, err)
			}
		}
		if _, err := e.svc.RejectRequest(ctx, "admin-1", rejected.ID, " Buyruq raqami koʻrsatilmagan "); err != nil {
			t.Fatal(err)
		}
		if stored, _ := e.svc.FindRequest(ctx, rejected.ID); stored.State != pki.RequestRejected || stored.Reason != "Buyruq raqami koʻrsatilmagan" ||
			stored.Serial != "" || stored.DecidedAt == nil {
			t.Errorf("rejected request: %+v", stored)
		}
		if _, _, err := e.svc.ApproveRequest(ctx, "admin-1", rejected.ID); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("approving a rejected request: %v", err)
		}
		if _, err := e.svc.FindRequest(ctx, "no-such-id"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("an unknown request: %v", err)
		}
		if n := count(pki.RequestFilter{State: &pending}); n != 1 || other.State != pki.RequestPending {
			t.Errorf("pending after the decisions: %d", n)
		}

		// Submission and both decisions are in the audit log.
		for id, want := range map[string][]string{approved.ID: {"pki.request.approved", "pki.request.submitted"},
			rejected.ID: {"pki.request.rejected", "pki.request.submitted"}} {
			typ := "certificate_request"
			entries, _, err := e.audit.List(ctx, audit.Filter{ObjectType: &typ, ObjectID: &id})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, en := range entries {
				got = append(got, en.Action)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("audit of %s: %v, want %v", id, got, want)
			}
		}
	})
}

// TestApproveRequestOnce approves one request from several nodes at once:
// exactly one approval wins and the officer holds exactly one valid
// certificate for it.
func TestApproveRequestOnce(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		r := e.submitOfficer(t, "adliya")
		nodes := []*pki.Service{e.svc, e.node(t), e.node(t)}
		errs := make([]error, len(nodes))
		var wg sync.WaitGroup
		for i, s := range nodes {
			wg.Go(func() { _, _, errs[i] = s.ApproveRequest(ctx, "admin-1", r.ID) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !apperr.Is(err, apperr.ECONFLICT):
				t.Errorf("approval: %v", err)
			}
		}
		owner, profile := "officer-1", pki.ProfileOfficer
		certs, err := e.svc.FindCertificates(ctx, pki.CertificateFilter{Owner: &owner, Profile: &profile})
		if err != nil {
			t.Fatal(err)
		}
		valid := 0
		for _, c := range certs {
			if c.RevokedAt == nil {
				valid++
			}
		}
		if won != 1 || valid != 1 {
			t.Errorf("%d approvals won, %d valid certificates of %d", won, valid, len(certs))
		}
	})
}

// TestSearchCertificates covers the administrators' search: by PINFL or
// serial, within their agencies' officer certificates or everywhere, never
// the platform's own.
func TestSearchCertificates(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		_, c, err := e.svc.ApproveRequest(ctx, "admin-1", e.submitOfficer(t, "adliya").ID)
		if err != nil {
			t.Fatal(err)
		}
		// The officer's personal certificate is no agency's business.
		if _, err := e.svc.Issue(ctx, pki.IssueRequest{Profile: pki.ProfilePerson, Owner: "officer-1", Actor: "officer-1",
			Subject: pki.Subject{PINFL: officer.PINFL, GivenName: officer.GivenName, Surname: officer.Surname},
			CSR:     csr(t, p256(t), pkix.Name{SerialNumber: officer.PINFL})}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Chain(ctx); err != nil { // loads the service certificates
			t.Fatal(err)
		}
		ocspProfile := pki.ProfileOCSP
		ocsp, err := e.svc.FindCertificates(ctx, pki.CertificateFilter{Profile: &ocspProfile})
		if err != nil || len(ocsp) == 0 {
			t.Fatalf("the responder's certificate: %v", err)
		}
		pinfl, colons, upper, responder := officer.PINFL, colonHex(c.Serial), strings.ToUpper(c.Serial), ocsp[0].Serial
		for name, f := range map[string]struct {
			search pki.CertificateSearch
			want   int
		}{
			"PINFL everywhere":         {pki.CertificateSearch{PINFL: &pinfl}, 2},
			"PINFL in the agency":      {pki.CertificateSearch{PINFL: &pinfl, Agencies: []string{"adliya"}}, 1},
			"PINFL in another agency":  {pki.CertificateSearch{PINFL: &pinfl, Agencies: []string{"soliq"}}, 0},
			"PINFL in no agency":       {pki.CertificateSearch{PINFL: &pinfl, Agencies: []string{}}, 0},
			"serial with colons":       {pki.CertificateSearch{Serial: &colons, Agencies: []string{"soliq", "adliya"}}, 1},
			"serial in capitals":       {pki.CertificateSearch{Serial: &upper}, 1},
			"the responder, by serial": {pki.CertificateSearch{Serial: &responder}, 0},
		} {
			got, err := e.svc.SearchCertificates(ctx, f.search)
			if err != nil || len(got) != f.want {
				t.Errorf("%s: %d found, want %d (%v)", name, len(got), f.want, err)
			}
		}
		bad := "not hex"
		for name, f := range map[string]pki.CertificateSearch{"nothing": {}, "bad serial": {Serial: &bad}} {
			if _, err := e.svc.SearchCertificates(ctx, f); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

// colonHex writes a hex serial with colons between bytes, as tools print
// it.
func colonHex(s string) string {
	if len(s)%2 == 1 {
		s = "0" + s
	}
	var parts []string
	for i := 0; i < len(s); i += 2 {
		parts = append(parts, s[i:i+2])
	}
	return strings.Join(parts, ":")
}

// TestRequestMessagesAreTranslated checks the errors of the requests and
// of the administrators' search (TestEveryMessageIsTranslated covers the
// templates).
func TestRequestMessagesAreTranslated(t *testing.T) {
	b, err := i18n.Load(web.Locales(), pki.Locales())
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{pki.MsgRequestProfile, pki.MsgRequestAgency, pki.MsgNoSuchRequest, pki.MsgRequestDecided, pki.MsgRequestOwn,
		pki.MsgRejectReason, pki.MsgSearchQuery}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}
