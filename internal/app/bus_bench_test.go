package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/benchtest"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// BenchmarkBusGateways measures exchanges through the demo's gateway pair
// (the portal's consumer gateway and the Ministry of Justice's provider
// gateway, in one egov process: mutual TLS, the request signed by the
// consumer and verified by the provider, the response signed and verified
// back, both gateways' message log written to the database) against
// calling the same service directly, in the same run, with 16 clients.
// The service echoes a POST body of 1 KB or 100 KB. It runs on SQLite and,
// when EGOV_TEST_POSTGRES_URL is set, on PostgreSQL.
func BenchmarkBusGateways(b *testing.B) {
	eachDemoNode(b, nil, func(b *testing.B, n *node, cfg app.Config) {
		ctx := context.Background()
		echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// HTTP/1 servers may drop the request body once the
			// response starts, so it is read whole first.
			data, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(data)
		}))
		b.Cleanup(echo.Close)
		service := xroad.ServiceID{Client: xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "201122919",
			Subsystem: "civil-registry"}, ServiceCode: "echo"}
		if _, err := n.app.Exchange.CreateService(ctx, "bench", bus.ServiceInput{Service: service, Title: "Echo", BaseURL: echo.URL}); err != nil {
			b.Fatal(err)
		}
		portal := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207283495", Subsystem: "portal"}
		if _, err := n.app.Exchange.GrantRight(ctx, "bench", service, bus.Grantee{Subsystem: portal}, bus.Whole); err != nil {
			b.Fatal(err)
		}
		key, err := os.ReadFile(filepath.Join(cfg.DataDir, "bus", "portal.api-key"))
		if err != nil {
			b.Fatal(err)
		}
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		gateway := "http://" + n.app.DemoBusGateway() + "/r1/" + service.String() + "/echo"
		for _, size := range []int{1 << 10, 100 << 10} {
			body := bytes.Repeat([]byte("x"), size)
			send := func(url string, viaBus bool) func(int, int) error {
				return func(_, _ int) error {
					req, err := http.NewRequest("POST", url, bytes.NewReader(body))
					if err != nil {
						return err
					}
					if viaBus {
						req.Header.Set("X-Road-Client", portal.String())
						req.Header.Set("X-Road-Api-Key", strings.TrimSpace(string(key)))
					}
					resp, err := client.Do(req)
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					got, err := io.ReadAll(resp.Body)
					if err != nil {
						return err
					}
					if resp.StatusCode != 200 || len(got) != size {
						return fmt.Errorf("status %d, %d bytes: %.200s", resp.StatusCode, len(got), got)
					}
					return nil
				}
			}
			b.Run(fmt.Sprintf("body=%dKB/direct", size>>10), func(b *testing.B) {
				benchtest.Clients(b, 16, "req/s", send(echo.URL+"/echo", false))
			})
			b.Run(fmt.Sprintf("body=%dKB/gateways", size>>10), func(b *testing.B) {
				benchtest.Clients(b, 16, "req/s", send(gateway, true))
			})
		}
	})
}

// eachDemoNode runs fn with a demo node serving on SQLite and, when
// EGOV_TEST_POSTGRES_URL is set, on PostgreSQL, its configuration changed
// by tune if given.
func eachDemoNode(b *testing.B, tune func(*app.Config), fn func(b *testing.B, n *node, cfg app.Config)) {
	for engine, u := range dbtest.URLs(b) {
		if engine == db.SQLite {
			u = ""
		}
		b.Run(string(engine), func(b *testing.B) {
			cfg := testConfig(b, u)
			cfg.LogLevel = "error"
			if tune != nil {
				tune(&cfg)
			}
			n := startNode(b, cfg)
			if err := n.app.LoadDemo(context.Background()); err != nil {
				b.Fatal(err)
			}
			fn(b, n, cfg)
		})
	}
}
