package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/workflow"
)

// TestBirthRecordOverTheBus is the exchange bus end to end in one demo
// node: an officer's process fetches a citizen's birth record from the
// civil registry through the portal's gateway and the Ministry of
// Justice's, signed and logged on both; the citizen sees the access on
// their profile; the message log holds the exchange on both gateways,
// timestamped.
func TestBirthRecordOverTheBus(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		aziz := identity.DemoPeople()[0]
		var agencyID string
		if err := n.app.DB.Reader().QueryRow(`SELECT id FROM catalog_agencies WHERE code = 'adliya'`).Scan(&agencyID); err != nil {
			t.Fatal(err)
		}
		id, err := n.app.Workflow.Start(ctx, workflow.StartRequest{Key: "birth-certificate-duplicate", BusinessKey: "2026-0000901",
			AgencyID: agencyID, Variables: map[string]any{"applicationId": "2026-0000901", "applicant": map[string]any{"pinfl": aziz.PINFL}}})
		if err != nil {
			t.Fatal(err)
		}
		var record map[string]any
		eventually(t, "the birth record in the process", func() bool {
			inst, err := n.app.Workflow.Instance(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			record, _ = inst.Variables["birthRecord"].(map[string]any)
			return record != nil
		})
		child, _ := record["child"].(map[string]any)
		if child["pinfl"] != aziz.PINFL || child["lastName"] != aziz.LastName || child["firstName"] != aziz.FirstName {
			t.Errorf("birth record %v", record)
		}

		// Aziz sees who fetched it and why.
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		_, page := v.get("/profile?lang=en")
		page = html.UnescapeString(page)
		for _, want := range []string{"Elektron hukumat loyihalarini boshqarish markazi", "UZ/GOV/207283495/portal",
			"UZ/GOV/201122919/civil-registry/births", "2026-0000901"} {
			if !strings.Contains(page, want) {
				t.Errorf("Aziz's profile lacks %q", want)
			}
		}
		// Malika does not.
		m := newVisitor(t, n.base)
		m.login("+998901000002", identity.DemoPassword, "/profile")
		if _, page := m.get("/profile?lang=en"); strings.Contains(page, "2026-0000901") {
			t.Error("Malika sees Aziz's data access")
		}

		// Both gateways logged the exchange, under the task's query ID,
		// with the consumer's request signature and the provider's
		// response signature; a timestamp run covers both.
		var queryID string
		if err := n.app.DB.Reader().QueryRow(`SELECT query_id FROM bus_data_accesses WHERE issue = '2026-0000901'`).Scan(&queryID); err != nil {
			t.Fatal(err)
		}
		if _, err := n.app.MessageLog.TimestampBatch(ctx, n.app.PKI); err != nil {
			t.Fatal(err)
		}
		for _, gw := range []string{"UZ/GOV/207283495/gw1", "UZ/GOV/201122919/gw1"} {
			ev, err := n.app.MessageLog.Evidence(ctx, gw, queryID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].Batch == nil || len(ev[0].Record.RequestSignature) == 0 || len(ev[0].Record.ResponseSignature) == 0 ||
				ev[0].Record.Status != 200 || ev[0].Record.Service != "UZ/GOV/201122919/civil-registry/births" {
				t.Errorf("evidence on %s: %+v", gw, ev)
			}
			if err := n.app.MessageLog.Verify(ctx, gw); err != nil {
				t.Errorf("log of %s: %v", gw, err)
			}
		}

		// The platform administrator finds the exchange in the message
		// log and downloads its evidence, which an auditor checks with
		// openssl alone; an officer may do neither.
		admin := newVisitor(t, n.base)
		admin.login("+998901000031", identity.DemoPassword, "/admin/bus")
		if _, page := admin.get("/admin/bus/log?lang=en&query=" + url.QueryEscape(queryID)); !strings.Contains(page, "UZ/GOV/207283495/gw1") ||
			!strings.Contains(page, "UZ/GOV/201122919/gw1") {
			t.Errorf("message log search lacks the exchange:\n%s", page)
		}
		evidenceURL := "/admin/bus/evidence?" + url.Values{"gateway": {"UZ/GOV/201122919/gw1"}, "query": {queryID}}.Encode()
		resp, bundle := admin.get(evidenceURL)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
			t.Fatalf("evidence download: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		checkEvidenceWithOpenSSL(t, []byte(bundle))
		officer := newVisitor(t, n.base)
		officer.login("+998901000011", identity.DemoPassword, "/work")
		if resp, _ := officer.get(evidenceURL); resp.StatusCode != 403 {
			t.Errorf("an officer downloads evidence: %d", resp.StatusCode)
		}
		if resp, _ := admin.get("/admin/bus/evidence?gateway=UZ/GOV/201122919/gw1&query=nope"); resp.StatusCode != 404 {
			t.Errorf("evidence of an unknown exchange: %d", resp.StatusCode)
		}
	})
}

// r1 sends a request to the demo portal gateway's consumer side as a local
// information system would, and returns the response with its body.
func r1(t *testing.T, gw, method, target string, header map[string][]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+gw+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestXRoadProtocolThroughTheDemoGateways sends requests as the X-Road
// Message Protocol for REST shows them to the gateways egov serve --demo
// runs, and checks the answers and the errors.
func TestXRoadProtocolThroughTheDemoGateways(t *testing.T) {
	cfg := testConfig(t, "")
	n := startNode(t, cfg)
	ctx := context.Background()
	if err := n.app.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	gw := n.app.DemoBusGateway()
	key, err := os.ReadFile(filepath.Join(cfg.DataDir, "bus", "portal.api-key"))
	if err != nil {
		t.Fatal(err)
	}
	aziz := identity.DemoPeople()[0]
	portal := "UZ/GOV/207283495/portal"
	auth := func(h map[string][]string) map[string][]string {
		h["X-Road-Api-Key"] = []string{strings.TrimSpace(string(key))}
		return h
	}

	// A service call, identifiers percent-encoded part by part as the
	// protocol allows, with the optional headers.
	resp, body := r1(t, gw, "GET", "/r1/UZ/GOV/201122919/civil%2Dregistry/births/"+aziz.PINFL, auth(map[string][]string{
		"X-Road-Client": {"UZ/GOV/207283495/portal"}, "X-Road-Id": {"c1a0b2d3-query"}, "X-Road-UserId": {"UZ" + aziz.PINFL},
		"X-Road-Issue": {"ARIZA-1"}, "Accept": {"application/json"}}))
	if resp.StatusCode != 200 {
		t.Fatalf("service call: %d %s", resp.StatusCode, body)
	}
	for name, want := range map[string]string{"X-Road-Client": portal, "X-Road-Service": "UZ/GOV/201122919/civil-registry/births",
		"X-Road-Id": "c1a0b2d3-query"} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if resp.Header.Get("X-Road-Request-Id") == "" || resp.Header.Get("X-Road-Request-Hash") == "" || resp.Header.Get("X-Egov-Signature") != "" {
		t.Errorf("response headers %v", resp.Header)
	}
	var birth struct {
		Child struct{ PINFL, LastName string }
	}
	if err := json.Unmarshal(body, &birth); err != nil || birth.Child.PINFL != aziz.PINFL {
		t.Errorf("birth record %s", body)
	}

	// Metaservices of the provider, and listClients of the instance.
	client := map[string][]string{"X-Road-Client": {portal}, "Accept": {"application/json"}}
	resp, body = r1(t, gw, "GET", "/r1/UZ/GOV/201122919/civil-registry/listMethods", auth(client))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"births"`) || !strings.Contains(string(body), `"marriages"`) {
		t.Errorf("listMethods: %d %s", resp.StatusCode, body)
	}
	resp, body = r1(t, gw, "GET", "/r1/UZ/GOV/201122919/civil-registry/allowedMethods", auth(client))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"births"`) {
		t.Errorf("allowedMethods: %d %s", resp.StatusCode, body)
	}
	resp, body = r1(t, gw, "GET", "/r1/UZ/GOV/201122919/civil-registry/getOpenAPI?serviceCode=births", auth(client))
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"openapi"`) {
		t.Errorf("getOpenAPI: %d %.200s", resp.StatusCode, body)
	}
	resp, body = r1(t, gw, "GET", "/listClients", map[string][]string{"Accept": {"application/json"}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"207283495"`) || !strings.Contains(string(body), `"civil-registry"`) {
		t.Errorf("listClients: %d %.300s", resp.StatusCode, body)
	}

	// Errors, in the protocol's form.
	long := "/r1/UZ/GOV/201122919/civil-registry/births/" + strings.Repeat("a", 2000)
	for _, c := range []struct {
		name, target string
		header       map[string][]string
		status       int
		typ          string
	}{
		{"no client", "/r1/UZ/GOV/201122919/civil-registry/births/" + aziz.PINFL, auth(map[string][]string{}), 400, "Client.MissingHeader"},
		{"two clients", "/r1/UZ/GOV/201122919/civil-registry/births/" + aziz.PINFL,
			auth(map[string][]string{"X-Road-Client": {portal, portal}}), 400, ""},
		{"malformed client", "/r1/UZ/GOV/201122919/civil-registry/births/" + aziz.PINFL,
			auth(map[string][]string{"X-Road-Client": {"UZ/XXX/207283495/portal"}}), 400, "Client.InvalidClientIdentifier"},
		{"encoded slash", "/r1/UZ/GOV/201122919/civil-registry/births/..%2F..%2Fetc", auth(map[string][]string{"X-Road-Client": {portal}}), 400, ""},
		{"traversal", "/r1/UZ/GOV/201122919/civil-registry/births/../marriages", auth(map[string][]string{"X-Road-Client": {portal}}), 400, ""},
		{"too long", long, auth(map[string][]string{"X-Road-Client": {portal}}), 400, ""},
		{"unknown service", "/r1/UZ/GOV/201122919/civil-registry/deaths/1", auth(map[string][]string{"X-Road-Client": {portal}}), 500,
			"Server.ServerProxy.UnknownService"},
		{"no key", "/r1/UZ/GOV/201122919/civil-registry/births/" + aziz.PINFL, map[string][]string{"X-Road-Client": {portal}}, 400,
			"Client.AccessDenied"},
	} {
		resp, body := r1(t, gw, "GET", c.target, c.header)
		var e struct{ Type, Message, Detail string }
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != c.status || resp.Header.Get("X-Road-Error") != e.Type ||
			e.Type == "" || e.Message == "" || e.Detail == "" || (c.typ != "" && e.Type != c.typ) {
			t.Errorf("%s: %d %s %s", c.name, resp.StatusCode, resp.Header.Get("X-Road-Error"), body)
		}
	}

	// Prometheus counts each gateway's traffic and errors per service.
	_, metrics := fetch(t, http.DefaultClient, "GET", n.base+"/metrics", nil)
	for _, want := range []string{
		`egov_bus_exchanges_total{gateway="UZ/GOV/201122919/gw1",result="ok",service="UZ/GOV/201122919/civil-registry/births",side="provider"} 1`,
		`egov_bus_exchanges_total{gateway="UZ/GOV/207283495/gw1",result="ok",service="UZ/GOV/201122919/civil-registry/births",side="consumer"} 1`,
		`egov_bus_exchanges_total{gateway="UZ/GOV/207283495/gw1",result="Client.MissingHeader",service="none",side="consumer"} 1`,
		`egov_bus_exchanges_total{gateway="UZ/GOV/207283495/gw1",result="Server.ServerProxy.UnknownService",service="none",side="consumer"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// A subsystem without rights is refused by the provider's gateway.
	archive := "UZ/GOV/207283495/archive"
	parsed, err := xroad.ParseClientID(archive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.app.Exchange.CreateSubsystem(ctx, "admin", parsed); err != nil {
		t.Fatal(err)
	}
	_, archiveKey, err := n.app.APIKeys.Create(ctx, "admin", parsed, "archive")
	if err != nil {
		t.Fatal(err)
	}
	resp, body = r1(t, gw, "GET", "/r1/UZ/GOV/201122919/civil-registry/births/"+aziz.PINFL,
		map[string][]string{"X-Road-Client": {archive}, "X-Road-Api-Key": {archiveKey}})
	if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != "Server.ServerProxy.AccessDenied" {
		t.Errorf("not granted: %d %s", resp.StatusCode, body)
	}
}

// checkEvidenceWithOpenSSL unpacks an evidence bundle and runs the checks
// its README gives an auditor: both signatures with openssl cms, the
// batch's timestamp with openssl ts, and the record's hash in the batch.
func checkEvidenceWithOpenSSL(t *testing.T, bundle []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range zr.File {
		path := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ex := filepath.Join(dir, "exchange-1")
	for _, args := range [][]string{
		{"cms", "-verify", "-binary", "-inform", "DER", "-in", "request.sig", "-content", "request-hash.txt", "-CAfile", "../root.pem", "-purpose", "any", "-out", os.DevNull},
		{"cms", "-verify", "-binary", "-inform", "DER", "-in", "response.sig", "-content", "response-hash.txt", "-CAfile", "../root.pem", "-purpose", "any", "-out", os.DevNull},
		{"ts", "-verify", "-data", "batch-hashes.bin", "-in", "token.der", "-token_in", "-CAfile", "../root.pem", "-untrusted", "../tsa.pem"},
	} {
		cmd := exec.Command("openssl", args...)
		cmd.Dir = ex
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	var rec struct {
		Hash  string
		Batch struct{ Position int }
	}
	raw, err := os.ReadFile(filepath.Join(ex, "record.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	hashes, err := os.ReadFile(filepath.Join(ex, "batch-hashes.bin"))
	if err != nil {
		t.Fatal(err)
	}
	recordBin, err := os.ReadFile(filepath.Join(ex, "record.bin"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(recordBin)
	if hex.EncodeToString(sum[:]) != rec.Hash || len(hashes) < 32*(rec.Batch.Position+1) ||
		!bytes.Equal(hashes[32*rec.Batch.Position:32*(rec.Batch.Position+1)], sum[:]) {
		t.Errorf("the record's hash %s is not at position %d of the batch", rec.Hash, rec.Batch.Position)
	}
}
