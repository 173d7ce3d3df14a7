package pki_test

import (
	"context"
	"errors"
	"testing"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

// TestVerifyEncapsulatedContent checks the verifier on containers that hold
// the document, and on detached signatures that come without it.
func TestVerifyEncapsulatedContent(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	s, _ := e.signer(t, p256(t))
	doc := []byte("Maʼlumotnoma")
	sd, err := cms.Sign(doc, s, cms.SignOptions{Attributes: []cms.Attribute{cms.SigningTimeAttr(e.clock.Now()), cms.SigningCertificateV2Attr(s.Cert)}})
	if err != nil {
		t.Fatal(err)
	}
	attached, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if rep := e.verify(t, nil, attached); rep.Verdict != cades.Valid || rep.Signatures[0].Level != cades.LevelBB {
		t.Errorf("the encapsulated document: %s %s", rep.Verdict, rep.Reason)
	}
	// A document given beside the container is the one checked.
	if rep := e.verify(t, []byte("boshqa"), attached); rep.Verdict != cades.Invalid || rep.Reason != cades.ReasonDigest {
		t.Errorf("another document: %s %s", rep.Verdict, rep.Reason)
	}

	detached, err := cades.Sign(ctx, doc, s, cades.SignOptions{Level: cades.LevelBT, TSA: e.svc})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.Verifier(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, nil, detached); !errors.Is(err, cades.ErrNoContent) {
		t.Errorf("detached without the document: %v", err)
	}
	// An empty document is a document.
	if rep, err := v.Verify(ctx, []byte{}, detached); err != nil || rep.Reason != cades.ReasonDigest {
		t.Errorf("detached with an empty document: %v %+v", err, rep)
	}
	rep := e.verify(t, doc, detached)
	if ts := rep.Signatures[0].Timestamp; ts == nil || ts.Accuracy.Seconds() != 1 {
		t.Errorf("timestamp accuracy: %+v", ts)
	}
}
