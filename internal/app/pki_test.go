package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoCertificateAuthority checks that a demo node signs from the
// start: its root is in the data dir for openssl to trust, and its TSA,
// CA certificates and CRL answer at the URLs certificates carry.
func TestDemoCertificateAuthority(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		cfg := testConfig(t, databaseURL)
		n := startNode(t, cfg)
		ctx := context.Background()
		for range 2 { // the second load changes nothing
			if err := n.app.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cas, err := n.app.PKI.Authorities(ctx)
		if err != nil || len(cas) != 2 {
			t.Fatalf("authorities: %d %v", len(cas), err)
		}
		dir := t.TempDir()
		root := filepath.Join(cfg.DataDir, "pki", "root.pem")
		doc := filepath.Join(dir, "doc.txt")
		if err := os.WriteFile(doc, []byte("Ariza matni"), 0o600); err != nil {
			t.Fatal(err)
		}
		openssl := func(args ...string) string {
			t.Helper()
			out, err := exec.Command("openssl", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		// A timestamp from the node's TSA verifies against the demo root.
		query := filepath.Join(dir, "q.tsq")
		openssl("ts", "-query", "-data", doc, "-sha256", "-cert", "-out", query)
		q, _ := os.ReadFile(query)
		resp, body := postBytes(t, n.base+"/pki/tsa", "application/timestamp-query", q)
		if resp != 200 {
			t.Fatalf("TSA: %d", resp)
		}
		reply := filepath.Join(dir, "r.tsr")
		if err := os.WriteFile(reply, body, 0o600); err != nil {
			t.Fatal(err)
		}
		chain := filepath.Join(dir, "chain.pem")
		issuing := ""
		for _, ca := range cas {
			if ca.Active {
				issuing = ca.Name
			}
		}
		_, crt := fetchBytes(t, n.base+"/pki/ca/"+issuing+".crt")
		if err := os.WriteFile(chain, crt, 0o600); err != nil {
			t.Fatal(err)
		}
		if out := openssl("ts", "-verify", "-data", doc, "-in", reply, "-CAfile", root, "-untrusted", chain); !strings.Contains(out, "Verification: OK") {
			t.Errorf("openssl ts -verify: %s", out)
		}
		// The issuing CA's CRL parses and names its issuer.
		crl := filepath.Join(dir, "ca.crl")
		code, der := fetchBytes(t, n.base+"/pki/crl/"+issuing+".crl")
		if code != 200 || os.WriteFile(crl, der, 0o600) != nil {
			t.Fatalf("CRL: %d", code)
		}
		if out := openssl("crl", "-inform", "DER", "-in", crl, "-noout", "-issuer"); !strings.Contains(out, "egov Demo Issuing CA") {
			t.Errorf("CRL issuer: %s", out)
		}
	})
}

// fetchBytes GETs u and returns the status and body.
func fetchBytes(t *testing.T, u string) (int, []byte) {
	t.Helper()
	return postBytes(t, u, "", nil)
}

// postBytes POSTs body as contentType to u (GETs u when contentType is
// empty) and returns the status and body.
func postBytes(t *testing.T, u, contentType string, body []byte) (int, []byte) {
	t.Helper()
	method := "POST"
	if contentType == "" {
		method = "GET"
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
