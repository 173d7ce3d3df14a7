package oidcprovider

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// fastHashing keeps demo-user creation quick in tests.
var fastHashing = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

var testSecret = []byte("oidc-test-secret-0123456789abcdefghijklmnop")

// agencyList is an agency register held in memory, standing in for the
// catalog's; the demo staff work in these three.
type agencyList []identity.Agency

func (l agencyList) Agencies(context.Context) ([]identity.Agency, error) { return l, nil }

var testAgencies = agencyList{
	{ID: "agency-adliya", Code: "adliya", Names: map[i18n.Locale]string{i18n.UzLatn: "Adliya vazirligi"}},
	{ID: "agency-dxa", Code: "dxa", Names: map[i18n.Locale]string{i18n.UzLatn: "Davlat xizmatlari agentligi"}},
	{ID: "agency-soliq", Code: "soliq", Names: map[i18n.Locale]string{i18n.UzLatn: "Soliq qoʻmitasi"}},
}

func testSets() []db.Migrations {
	return []db.Migrations{audit.Migrations(), identity.Migrations(), Migrations()}
}

// fixture is a Service on a fresh database with the demo people.
type fixture struct {
	svc      *Service
	st       *storage
	accounts *identity.Service
	audit    *audit.Log
	clock    *clock.Manual
	user     *identity.User
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Now())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	al := audit.New(d, c)
	accounts, err := identity.NewService(d, c, al, testAgencies, log, fastHashing)
	if err != nil {
		t.Fatal(err)
	}
	if err := accounts.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := accounts.Authenticate(ctx, "+998901000001", identity.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewService(ctx, d, c, al, accounts, log, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: &storage{s: svc, callbackPath: PathCallback}, accounts: accounts, audit: al, clock: c, user: u}
}

// actions counts the audit log's entries by action.
func (f *fixture) actions(t *testing.T) map[string]int {
	t.Helper()
	entries, _, err := f.audit.List(context.Background(), audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range entries {
		out[e.Action]++
	}
	return out
}

func webClient() ClientInput {
	return ClientInput{Name: "Soliq kabineti", Type: Confidential, RedirectURIs: []string{"https://my.soliq.uz/oidc/callback"},
		PostLogoutRedirectURIs: []string{"https://my.soliq.uz/"}, GrantTypes: []string{GrantAuthorizationCode, GrantRefreshToken},
		Scopes: []string{ScopeOpenID, ScopeProfile, ScopePhone, ScopeOfflineAccess}}
}

func TestClientCRUD(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		bad := []struct {
			name  string
			edit  func(*ClientInput)
			field string
		}{
			{"no name", func(in *ClientInput) { in.Name = "  " }, "name"},
			{"unknown type", func(in *ClientInput) { in.Type = "secret" }, "type"},
			{"plain http", func(in *ClientInput) { in.RedirectURIs = []string{"http://my.soliq.uz/cb"} }, "redirect_uris"},
			{"fragment", func(in *ClientInput) { in.RedirectURIs = []string{"https://my.soliq.uz/cb#x"} }, "redirect_uris"},
			{"wildcard", func(in *ClientInput) { in.RedirectURIs = []string{"https://*.soliq.uz/cb"} }, "redirect_uris"},
			{"relative", func(in *ClientInput) { in.RedirectURIs = []string{"/cb"} }, "redirect_uris"},
			{"script", func(in *ClientInput) { in.RedirectURIs = []string{"javascript:alert(1)"} }, "redirect_uris"},
			{"user info", func(in *ClientInput) { in.RedirectURIs = []string{"https://evil@my.soliq.uz/cb"} }, "redirect_uris"},
			{"no redirect", func(in *ClientInput) { in.RedirectURIs = nil }, "redirect_uris"},
			{"bad logout uri", func(in *ClientInput) { in.PostLogoutRedirectURIs = []string{"ftp://x"} }, "post_logout_redirect_uris"},
			{"no grant", func(in *ClientInput) { in.GrantTypes = nil }, "grant_types"},
			{"refresh alone", func(in *ClientInput) { in.GrantTypes = []string{GrantRefreshToken} }, "grant_types"},
			{"public machine", func(in *ClientInput) {
				in.Type, in.GrantTypes = Public, []string{GrantAuthorizationCode, GrantClientCredentials}
			}, "grant_types"},
			{"unknown scope", func(in *ClientInput) { in.Scopes = append(in.Scopes, "admin") }, "scopes"},
			{"no openid", func(in *ClientInput) { in.Scopes = []string{ScopeProfile} }, "scopes"},
		}
		for _, tc := range bad {
			in := webClient()
			tc.edit(&in)
			_, _, err := f.svc.CreateClient(ctx, f.user.ID, in)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID || e.Fields[tc.field] == "" {
				t.Errorf("%s: got %v, want EINVALID on %s", tc.name, err, tc.field)
			}
		}

		dev := webClient()
		dev.RedirectURIs = []string{"http://localhost:8081/cb", "http://127.0.0.1/cb", "https://my.soliq.uz/oidc/callback"}
		c, secret, err := f.svc.CreateClient(ctx, f.user.ID, dev)
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) < 40 || c.secretHash == secret || c.secretHash != hashSecret(secret) {
			t.Fatalf("secret %q stored as %q", secret, c.secretHash)
		}
		if _, err := f.svc.authenticateClient(ctx, c.ID, secret); err != nil {
			t.Errorf("right secret refused: %v", err)
		}
		if _, err := f.svc.authenticateClient(ctx, c.ID, secret+"x"); !apperr.Is(err, apperr.EUNAUTHORIZED) {
			t.Errorf("wrong secret: %v", err)
		}
		pub := webClient()
		pub.Name, pub.Type, pub.GrantTypes = "Mobil ilova", Public, []string{GrantAuthorizationCode}
		p, psecret, err := f.svc.CreateClient(ctx, f.user.ID, pub)
		if err != nil || psecret != "" {
			t.Fatalf("public client: %v, secret %q", err, psecret)
		}
		if _, err := f.svc.authenticateClient(ctx, p.ID, ""); !apperr.Is(err, apperr.EUNAUTHORIZED) {
			t.Errorf("public client authenticated: %v", err)
		}

		list, err := f.svc.FindClients(ctx)
		if err != nil || len(list) != 2 || list[0].Name != "Mobil ilova" {
			t.Fatalf("list: %v %v", list, err)
		}

		upd := dev
		upd.Name = "Soliq — shaxsiy kabinet"
		upd.Type = Public
		if _, err := f.svc.UpdateClient(ctx, f.user.ID, c.ID, upd); apperr.As(err) == nil || apperr.As(err).Fields["type"] != msgTypeFixed {
			t.Errorf("type change: %v", err)
		}
		upd.Type = Confidential
		if got, err := f.svc.UpdateClient(ctx, f.user.ID, c.ID, upd); err != nil || got.Name != upd.Name {
			t.Fatalf("update: %v", err)
		}
		got, err := f.svc.FindClientByID(ctx, c.ID)
		if err != nil || got.Name != upd.Name || len(got.RedirectURIs) != 3 || got.secretHash != c.secretHash {
			t.Fatalf("after update: %+v %v", got, err)
		}

		fresh, err := f.svc.ResetClientSecret(ctx, f.user.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.authenticateClient(ctx, c.ID, secret); err == nil {
			t.Error("old secret works after reset")
		}
		if _, err := f.svc.authenticateClient(ctx, c.ID, fresh); err != nil {
			t.Errorf("new secret: %v", err)
		}

		// Deleting a client takes its requests and consents along.
		a, err := f.st.CreateAuthRequest(ctx, &oidc.AuthRequest{ClientID: c.ID, RedirectURI: dev.RedirectURIs[0], Scopes: []string{"openid"},
			ResponseType: oidc.ResponseTypeCode}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteClient(ctx, f.user.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.FindClientByID(ctx, c.ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("deleted client still found: %v", err)
		}
		if _, err := f.svc.findAuthRequest(ctx, a.GetID()); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("request of deleted client: %v", err)
		}
		if err := f.svc.DeleteClient(ctx, f.user.ID, c.ID); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("second delete: %v", err)
		}
		acts := f.actions(t)
		for _, want := range []string{"oidc.client.created", "oidc.client.updated", "oidc.client.secret_reset", "oidc.client.deleted", "oidc.keys.created"} {
			if acts[want] == 0 {
				t.Errorf("no %s in the audit log: %v", want, acts)
			}
		}
	})
}

// signedIn runs an authorization request up to a consented request with a
// code, as the pages would.
func (f *fixture) signedIn(t *testing.T, c *Client, scopes []string) (*authRequest, string) {
	t.Helper()
	ctx := context.Background()
	verifier := "a-verifier-that-is-long-enough-to-satisfy-rfc-7636-rules"
	sum := sha256.Sum256([]byte(verifier))
	req, err := f.st.CreateAuthRequest(ctx, &oidc.AuthRequest{ClientID: c.ID, RedirectURI: c.RedirectURIs[0], Scopes: scopes,
		ResponseType: oidc.ResponseTypeCode, State: "st", Nonce: "n", CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
		CodeChallengeMethod: oidc.CodeChallengeMethodS256}, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.bindAuthRequest(ctx, req.GetID(), f.user.ID, "0123456789ab", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.giveConsent(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	code := randomToken(32)
	if err := f.st.SaveAuthCode(ctx, a.id, code); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveAuthCode(ctx, a.id, randomToken(32)); !apperr.Is(err, apperr.ECONFLICT) {
		t.Errorf("second code for one request: %v", err)
	}
	return a, code
}

func TestAuthRequestRules(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		pubIn := webClient()
		pubIn.Type, pubIn.GrantTypes = Public, []string{GrantAuthorizationCode}
		pub, _, err := f.svc.CreateClient(ctx, f.user.ID, pubIn)
		if err != nil {
			t.Fatal(err)
		}
		base := oidc.AuthRequest{ClientID: pub.ID, RedirectURI: pub.RedirectURIs[0], Scopes: []string{"openid", "profile", "email"},
			ResponseType: oidc.ResponseTypeCode}
		for _, tc := range []struct {
			name      string
			challenge string
			method    oidc.CodeChallengeMethod
			ok        bool
		}{
			{"public without PKCE", "", "", false},
			{"plain downgrade", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq", oidc.CodeChallengeMethodPlain, false},
			{"challenge without method means plain", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq", "", false},
			{"method without challenge", "", oidc.CodeChallengeMethodS256, false},
			{"S256", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq", oidc.CodeChallengeMethodS256, true},
		} {
			req := base
			req.CodeChallenge, req.CodeChallengeMethod = tc.challenge, tc.method
			a, err := f.st.CreateAuthRequest(ctx, &req, "")
			if tc.ok != (err == nil) {
				t.Errorf("%s: %v", tc.name, err)
			}
			if tc.ok {
				// Scopes the client may not ask for are dropped.
				if got := a.GetScopes(); len(got) != 2 || got[0] != "openid" || got[1] != "profile" {
					t.Errorf("scopes: %v", got)
				}
			}
		}
	})
}

func TestCodeIsSingleUse(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c, _, err := f.svc.CreateClient(ctx, f.user.ID, webClient())
		if err != nil {
			t.Fatal(err)
		}
		a, code := f.signedIn(t, c, []string{"openid", "profile", "offline_access"})
		got, err := f.st.AuthRequestByCode(ctx, code)
		if err != nil || got.GetID() != a.id || got.GetSubject() != f.user.ID || !got.Done() {
			t.Fatalf("first exchange: %v", err)
		}
		access, refresh, _, err := f.st.CreateAccessAndRefreshTokens(ctx, got, "")
		if err != nil || refresh == "" {
			t.Fatalf("tokens: %v", err)
		}
		if _, err := f.svc.activeAccessToken(ctx, access); err != nil {
			t.Fatalf("fresh access token: %v", err)
		}
		// Tokens are issued once per code, even if asked twice.
		if _, _, _, err := f.st.CreateAccessAndRefreshTokens(ctx, got, ""); err == nil {
			t.Error("second issuance for one code")
		}

		// The replay fails and takes the first exchange's tokens with it.
		if _, err := f.st.AuthRequestByCode(ctx, code); !errors.Is(err, errCodeReplayed) {
			t.Fatalf("replayed code: %v", err)
		}
		if _, err := f.svc.activeAccessToken(ctx, access); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("access token survived the replay: %v", err)
		}
		if _, err := f.st.TokenRequestByRefreshToken(ctx, refresh); err == nil {
			t.Error("refresh token survived the replay")
		}
		if _, err := f.st.AuthRequestByCode(ctx, "not-a-code"); !errors.Is(err, errCodeInvalid) {
			t.Errorf("unknown code: %v", err)
		}

		// An expired code is refused and stays unused.
		_, late := f.signedIn(t, c, []string{"openid"})
		f.clock.Advance(CodeTTL + time.Second)
		if _, err := f.st.AuthRequestByCode(ctx, late); !errors.Is(err, errCodeInvalid) {
			t.Errorf("expired code: %v", err)
		}
		if f.actions(t)["oidc.code.replayed"] != 1 {
			t.Errorf("replay not audited")
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		c, _, err := f.svc.CreateClient(ctx, f.user.ID, webClient())
		if err != nil {
			t.Fatal(err)
		}
		_, code := f.signedIn(t, c, []string{"openid", "profile", "offline_access"})
		a, err := f.st.AuthRequestByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		access1, r1, _, err := f.st.CreateAccessAndRefreshTokens(ctx, a, "")
		if err != nil {
			t.Fatal(err)
		}
		req, err := f.st.TokenRequestByRefreshToken(ctx, r1)
		if err != nil {
			t.Fatal(err)
		}
		if req.GetSubject() != f.user.ID || req.GetClientID() != c.ID || len(req.GetScopes()) != 3 {
			t.Fatalf("refresh request: %+v", req)
		}
		req.SetCurrentScopes([]string{"openid"})
		access2, r2, _, err := f.st.CreateAccessAndRefreshTokens(ctx, req, r1)
		if err != nil || r2 == "" || r2 == r1 {
			t.Fatalf("rotation: %q %v", r2, err)
		}
		at2, err := f.svc.activeAccessToken(ctx, access2)
		if err != nil || len(at2.scopes) != 1 {
			t.Fatalf("narrowed access token: %+v %v", at2, err)
		}
		// The successor keeps the grant's full scope (RFC 6749 §6).
		if next, err := f.svc.useRefreshToken(ctx, r2); err != nil || len(next.GetScopes()) != 3 {
			t.Fatalf("successor: %v", err)
		}

		// Reusing the rotated token revokes the family: r2 and the access
		// tokens of both rounds.
		if _, err := f.st.TokenRequestByRefreshToken(ctx, r1); !errors.Is(err, errRefreshReused) {
			t.Fatalf("reuse: %v", err)
		}
		if _, err := f.st.TokenRequestByRefreshToken(ctx, r2); !errors.Is(err, errRefreshInvalid) {
			t.Errorf("successor after reuse: %v", err)
		}
		for _, id := range []string{access1, access2} {
			if _, err := f.svc.activeAccessToken(ctx, id); !apperr.Is(err, apperr.ENOTFOUND) {
				t.Errorf("access token %s survived reuse", id)
			}
		}
		acts := f.actions(t)
		if acts["oidc.refresh.reused"] != 1 || acts["oidc.token.granted"] != 2 || acts["oidc.consent.given"] != 1 {
			t.Errorf("audit: %v", acts)
		}

		// A refresh token expires.
		_, code = f.signedIn(t, c, []string{"openid", "offline_access"})
		a, _ = f.st.AuthRequestByCode(ctx, code)
		_, r3, _, err := f.st.CreateAccessAndRefreshTokens(ctx, a, "")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(RefreshTokenTTL + time.Minute)
		if _, err := f.st.TokenRequestByRefreshToken(ctx, r3); !errors.Is(err, errRefreshInvalid) {
			t.Errorf("expired refresh token: %v", err)
		}
		if n, err := f.svc.PurgeExpired(ctx); err != nil || n == 0 {
			t.Errorf("purge: %d %v", n, err)
		}
	})
}

func TestKeyRotationKeepsOldKeysInJWKS(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		first, err := f.st.SigningKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ids, _ := f.svc.KeyIDs(ctx); len(ids) != 1 || ids[0] != first.ID() {
			t.Fatalf("initial JWKS: %v", ids)
		}
		// A second start does not add a key.
		if err := f.svc.ensureSigningKey(ctx); err != nil {
			t.Fatal(err)
		}
		// The private key is sealed in the database, not stored in clear.
		var stored string
		if err := d.Reader().QueryRowContext(ctx, `SELECT private_key FROM oidc_signing_keys WHERE id = $1`, first.ID()).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(stored); err == nil {
			if _, err := x509.ParsePKCS8PrivateKey(raw); err == nil {
				t.Error("private key stored in clear")
			}
		}
		other, err := NewService(ctx, d, f.clock, f.audit, f.accounts, slog.New(slog.NewTextHandler(io.Discard, nil)),
			[]byte("another-secret-another-secret-another-secret"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.signingKey(ctx); !errors.Is(err, errNoSigningKey) {
			t.Errorf("a node with another secret opened the key: %v", err)
		}

		f.clock.Advance(time.Hour)
		if err := f.svc.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		second, err := f.st.SigningKey(ctx)
		if err != nil || second.ID() == first.ID() {
			t.Fatalf("after rotation: %v", err)
		}
		ids, err := f.svc.KeyIDs(ctx)
		if err != nil || len(ids) != 2 || ids[0] != second.ID() || ids[1] != first.ID() {
			t.Fatalf("JWKS after rotation: %v %v", ids, err)
		}
		keys, err := f.st.KeySet(ctx)
		if err != nil || len(keys) != 2 || keys[1].Use() != "sig" || keys[1].Algorithm() != "RS256" {
			t.Fatalf("key set: %v", err)
		}
		// Once every token the old key signed has expired, it leaves the
		// JWKS, and the next rotation deletes it.
		f.clock.Advance(KeyRetention + time.Minute)
		if ids, _ := f.svc.KeyIDs(ctx); len(ids) != 1 || ids[0] != second.ID() {
			t.Errorf("JWKS after retention: %v", ids)
		}
		if err := f.svc.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_signing_keys`).Scan(&n); err != nil || n != 2 {
			t.Errorf("keys kept after second rotation: %d %v", n, err)
		}
		if f.actions(t)["oidc.keys.rotated"] != 2 {
			t.Error("rotation not audited")
		}
	})
}

// TestRolesClaim checks that an agency role names its agency by the
// register's code.
func TestRolesClaim(t *testing.T) {
	dbtest.Each(t, testSets(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		officer, err := f.accounts.Authenticate(ctx, "+998901000011", identity.DemoPassword)
		if err != nil {
			t.Fatal(err)
		}
		var info oidc.UserInfo
		if err := f.svc.userinfo(ctx, &info, officer.ID, []string{ScopeRoles}); err != nil {
			t.Fatal(err)
		}
		got, _ := info.Claims["roles"].([]roleClaim)
		if want := []roleClaim{{Role: "citizen"}, {Role: "officer", Agency: "adliya"}}; !slices.Equal(got, want) {
			t.Errorf("roles = %+v, want %+v", got, want)
		}
	})
}
