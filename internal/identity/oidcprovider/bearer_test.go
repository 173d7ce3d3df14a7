package oidcprovider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// TestBearerToken checks what the JSON API learns from an access token:
// the person, client and scopes of a live one the provider issued, and
// ENOTFOUND for anything else.
func TestBearerToken(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c, _, err := f.svc.CreateClient(ctx, f.user.ID, webClient())
		if err != nil {
			t.Fatal(err)
		}
		issue := func() (id, token string) {
			t.Helper()
			_, code := f.signedIn(t, c, []string{"openid", "profile"})
			a, err := f.st.AuthRequestByCode(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			id, _, err = f.st.CreateAccessToken(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			token, err = op.CreateBearerToken(id, f.user.ID, f.svc.tokens)
			if err != nil {
				t.Fatal(err)
			}
			return id, token
		}
		id, token := issue()
		got, err := f.svc.BearerToken(ctx, token)
		if err != nil || got.UserID != f.user.ID || got.ClientID != c.ID || !slices.Equal(got.Scopes, []string{"openid", "profile"}) {
			t.Fatalf("live token: %+v %v", got, err)
		}

		other, err := NewService(ctx, d, f.clock, f.audit, f.accounts, f.svc.log, []byte("another-node-secret-0123456789abcdefghij"))
		if err != nil {
			t.Fatal(err)
		}
		foreign, _ := op.CreateBearerToken(id, f.user.ID, other.tokens)
		wrongSubject, _ := op.CreateBearerToken(id, "someone-else", f.svc.tokens)
		bare, _ := f.svc.tokens.Encrypt(id)
		tampered := []byte(token)
		tampered[len(tampered)/2] ^= 1
		for name, bad := range map[string]string{"empty": "", "garbage": "not-a-token", "tampered": string(tampered),
			"the bare row ID": id, "sealed by another secret": foreign, "another subject": wrongSubject, "no subject": bare} {
			if _, err := f.svc.BearerToken(ctx, bad); !apperr.Is(err, apperr.ENOTFOUND) {
				t.Errorf("%s: %v", name, err)
			}
		}

		if oerr := f.st.RevokeToken(ctx, id, "", c.ID); oerr != nil {
			t.Fatal(oerr)
		}
		if _, err := f.svc.BearerToken(ctx, token); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("revoked: %v", err)
		}
		_, token = issue()
		f.clock.Advance(AccessTokenTTL)
		if _, err := f.svc.BearerToken(ctx, token); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("expired: %v", err)
		}

		// A client acting for itself gets a token of no person.
		cid, _, err := f.svc.issueForClient(ctx, &clientRequest{clientID: c.ID, scopes: []string{"openid"}})
		if err != nil {
			t.Fatal(err)
		}
		own, _ := op.CreateBearerToken(cid, c.ID, f.svc.tokens)
		if got, err := f.svc.BearerToken(ctx, own); err != nil || got.UserID != "" || got.ClientID != c.ID {
			t.Errorf("client's own token: %+v %v", got, err)
		}
	})
}

// FuzzBearerToken checks that no token made without the node secret gets
// past the seal: each is ENOTFOUND before the database is asked (the
// service here has none, so asking it would panic).
func FuzzBearerToken(f *testing.F) {
	key, err := deriveKey(testSecret, "token-reference")
	if err != nil {
		f.Fatal(err)
	}
	sealer, err := newSealer(key)
	if err != nil {
		f.Fatal(err)
	}
	s := &Service{tokens: tokenCrypto{sealer}}
	for _, seed := range []string{"", "bm90LWEtdG9rZW4", strings.Repeat("A", 60), "0190a1b2-c3d4:user", "a:b:c"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		if _, err := s.BearerToken(context.Background(), token); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Fatalf("%q: %v", token, err)
		}
	})
}
