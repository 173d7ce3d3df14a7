package portal_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/portal"
)

// fakeSignatures takes a "signature" to be the PINFL of its signer
// followed by the content it signs.
type fakeSignatures struct{}

func (fakeSignatures) Check(_ context.Context, content, sig []byte) (portal.SignatureCheck, error) {
	if len(sig) < 14 || !bytes.Equal(sig[14:], content) {
		return portal.SignatureCheck{}, nil
	}
	return portal.SignatureCheck{Valid: true, PINFL: string(sig[:14]), Signer: "signer " + string(sig[:14])}, nil
}

// TestSignedApplications: a service that requires the applicant's
// signature refuses an unsigned application online but not from a public
// service centre; a signature of other content or by someone else is
// refused; the applicant's own is kept with whom it names.
func TestSignedApplications(t *testing.T) {
	schema := []db.Migrations{audit.Migrations(), events.Migrations(), jobs.Migrations(), portal.Migrations()}
	dbtest.Each(t, schema, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := jobs.New(d, jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		apps := newModule(t, d).UseApplications(portal.Deps{Forms: testForms{}, Processes: &startedProcesses{vars: map[string]map[string]any{}},
			Jobs: q, Outbox: events.NewOutbox(clock.System{}, ""), Notifier: &told{}, Signatures: fakeSignatures{}})
		aziz := portal.Applicant{UserID: "user-aziz", PINFL: "30101900000011"}
		answers := map[string]any{"reason": "  lost "}
		in := func(key string, sig []byte) portal.SubmitInput {
			return portal.SubmitInput{Applicant: aziz, ServiceCode: "signed-service", FormVersion: 3, Answers: answers,
				IdempotencyKey: key, Channel: portal.ChannelOnline, Signature: sig}
		}
		content, err := portal.SignedContent("signed-service", 3, aziz.PINFL, map[string]any{"reason": "lost"})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			sig []byte
			key string
		}{
			"unsigned":            {nil, portal.MsgSignatureRequired},
			"other content":       {append([]byte(aziz.PINFL), []byte(`{"x":1}`)...), portal.MsgSignature},
			"by someone else":     {append([]byte("40202900000022"), content...), portal.MsgSignature},
			"no signature at all": {[]byte("garbage"), portal.MsgSignature},
		} {
			_, err := apps.Submit(ctx, in("k-"+name, c.sig))
			if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || e.Fields["signature"] != c.key {
				t.Errorf("%s: %v", name, err)
			}
		}
		app, err := apps.Submit(ctx, in("k-good", append([]byte(aziz.PINFL), content...)))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := apps.Find(ctx, aziz.UserID, app.ID); got.SignedBy != "signer "+aziz.PINFL {
			t.Errorf("SignedBy = %q", got.SignedBy)
		}
		exempt := in("k-exempt", append([]byte(aziz.PINFL), content...))
		exempt.FeeExempt = true
		if _, err := apps.Submit(ctx, exempt); apperr.As(err) == nil || apperr.As(err).Fields["fee_exempt"] != portal.MsgNoExemption {
			t.Errorf("an exemption from no fee: %v", err)
		}
		psc := in("k-psc", nil)
		psc.Channel, psc.OperatorID = portal.ChannelPSC, "operator-1"
		if _, err := apps.Submit(ctx, psc); err != nil {
			t.Errorf("unsigned at a centre: %v", err)
		}
	})
}
