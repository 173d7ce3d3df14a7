package oidcprovider_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"golang.org/x/oauth2"
)

// BenchmarkTokenEndpoint measures the token endpoint through the whole
// HTTP stack of an in-process node on loopback: client_credentials from
// parallel clients, and refresh_token rotation (each refresh spends the
// previous token, so it runs one after another). Every grant writes the
// token row and an audit entry.
//
//	go test ./internal/identity/oidcprovider/ -run '^$' -bench TokenEndpoint -benchtime 2000x
func BenchmarkTokenEndpoint(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			n := startNode(b, engine)
			site, _, secret := registerClients(b, ctx, n)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			post := func(b *testing.B, form url.Values, basic bool) (int, []byte) {
				req, _ := http.NewRequest("POST", n.base+"/oidc/token", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if basic {
					req.SetBasicAuth(site.ID, secret)
				}
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, body
			}

			b.Run("client_credentials", func(b *testing.B) {
				form := url.Values{"grant_type": {"client_credentials"}}
				b.SetParallelism(4)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if code, body := post(b, form, true); code != http.StatusOK {
							b.Errorf("token: %d %s", code, body)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})

			b.Run("refresh_token", func(b *testing.B) {
				rp := newRP(b, ctx, n.base, site.ID, secret, webRedirect, "openid", "offline_access")
				br := newBrowser(b, n, "+998901000003")
				verifier := oauth2.GenerateVerifier()
				code := rp.login(b, br, verifier, "bench")
				tok, err := rp.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
				if err != nil {
					b.Fatal(err)
				}
				refresh := tok.RefreshToken
				ts := rp.cfg
				b.ResetTimer()
				for range b.N {
					next, err := ts.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
					if err != nil {
						b.Fatal(err)
					}
					refresh = next.RefreshToken
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		})
	}
}
