package globalconf_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

func TestBuild(t *testing.T) {
	e := newEnv(t)
	c := e.build(t)
	v, err := e.reg.Version(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != v || c.Instance != "UZ" || !c.GeneratedAt.Equal(e.clock.Now()) ||
		c.ExpiresAt.Sub(c.GeneratedAt) != globalconf.DefaultValidity {
		t.Errorf("version %d (registry %d), instance %q, %v to %v", c.Version, v, c.Instance, c.GeneratedAt, c.ExpiresAt)
	}
	if len(c.Members) != 3 || len(c.Subsystems) != 4 || len(c.Gateways) != 3 || len(c.Services) != 2 || len(c.Groups) != 2 ||
		len(c.GroupMembers) != 2 || len(c.Rights) != 7 {
		t.Errorf("contents: %d members, %d subsystems, %d gateways, %d services, %d groups, %d group members, %d rights",
			len(c.Members), len(c.Subsystems), len(c.Gateways), len(c.Services), len(c.Groups), len(c.GroupMembers), len(c.Rights))
	}
	// Nothing gateways do not need goes out to every member.
	for _, r := range c.Rights {
		if r.ID != "" || r.GrantedBy != "" || !r.GrantedAt.IsZero() {
			t.Errorf("right %+v", r)
		}
	}
	for _, s := range c.Services {
		if s.ID != "" || !s.CreatedAt.IsZero() {
			t.Errorf("service %+v", s)
		}
	}
	if string(c.Services[0].OpenAPI) != openAPI {
		t.Errorf("description %s", c.Services[0].OpenAPI)
	}
	if c.Expired(c.ExpiresAt.Add(-time.Second)) || !c.Expired(c.ExpiresAt) {
		t.Error("Expired is wrong at the boundary")
	}

	// A validity of one's own.
	c, err = globalconf.Build(e.ctx, e.reg, globalconf.BuildOptions{Instance: "UZ", Now: e.clock.Now(), Validity: time.Hour})
	if err != nil || c.ExpiresAt.Sub(c.GeneratedAt) != time.Hour {
		t.Errorf("validity: %v", err)
	}
	if _, err := globalconf.Build(e.ctx, e.reg, globalconf.BuildOptions{Instance: "U Z", Now: e.clock.Now()}); err == nil {
		t.Error("built with a bad instance")
	}
}

// TestMarshalParse checks that a configuration survives its JSON,
// descriptions byte for byte, and that the JSON reads as documented.
func TestMarshalParse(t *testing.T) {
	e := newEnv(t)
	c := e.build(t)
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := globalconf.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Snapshot, c.Snapshot) || back.Instance != c.Instance || !back.GeneratedAt.Equal(c.GeneratedAt) ||
		!back.ExpiresAt.Equal(c.ExpiresAt) || !reflect.DeepEqual(back.MemberClasses, c.MemberClasses) {
		t.Errorf("round trip:\n%+v\n%+v", back, c)
	}
	if len(back.Trust.Roots) != 1 || !back.Trust.Roots[0].Equal(e.chain[1]) || len(back.Trust.Intermediates) != 1 ||
		!back.Trust.Intermediates[0].Equal(e.chain[0]) || back.Trust.OCSPURL != c.Trust.OCSPURL {
		t.Errorf("trust %+v", back.Trust)
	}
	again, err := back.Marshal()
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("marshalled again differently: %v", err)
	}

	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["format"] != 1.0 || doc["instance"] != "UZ" {
		t.Errorf("head %v %v", doc["format"], doc["instance"])
	}
	for _, want := range []string{`"id":"UZ/GOV/201122919","name":"Adliya vazirligi FHDYo","subsystems":["civil-registry"]`,
		`{"service":"UZ/GOV/201122919/civil-registry/births","group":"UZ/state-bodies","method":"*","path":"/births/*/certificate"}`,
		`{"member":"UZ/GOV/201122919","name":"gw1","address":"civil.test:8443","auth_serial":"a1","sign_serial":"51"}`,
		`"id":"UZ/state-bodies","description":"Davlat organlari","members":["UZ/GOV/201122919/civil-registry","UZ/GOV/207000001/bpm"]`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the document lacks %s", want)
		}
	}

	// Fields a later central server adds are ignored; a new format is not.
	withMore := strings.Replace(string(data), `"format":1,`, `"format":1,"later":{"x":[1]},`, 1)
	if _, err := globalconf.Parse([]byte(withMore)); err != nil {
		t.Errorf("unknown field: %v", err)
	}
	for name, bad := range map[string]string{
		"format 2":        strings.Replace(string(data), `"format":1,`, `"format":2,`, 1),
		"trailing data":   string(data) + "{}",
		"unknown group":   strings.Replace(string(data), `"group":"UZ/state-bodies"`, `"group":"UZ/other"`, 1),
		"unknown service": strings.Replace(string(data), `"service":"UZ/GOV/201122919/civil-registry/births"`, `"service":"UZ/GOV/201122919/civil-registry/x"`, 1),
		"bad path":        strings.Replace(string(data), `"path":"/births/*/certificate"`, `"path":"/births/../x"`, 1),
		"bad member":      strings.Replace(string(data), `"id":"UZ/GOV/201122919"`, `"id":"UZ/XXX/201122919"`, 1),
		"gateway of none": strings.Replace(string(data), `"member":"UZ/GOV/201122919"`, `"member":"UZ/GOV/999999999"`, 1),
		"no expiry":       strings.Replace(string(data), `"expires_at"`, `"expired_at"`, 1),
		"not JSON":        "<config/>",
	} {
		if _, err := globalconf.Parse([]byte(bad)); !errors.Is(err, globalconf.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// signAs signs a configuration's JSON with any key, as Sign does but
// without its check of the signer, for the verifier to refuse.
func signAs(t *testing.T, e *env, data []byte, s cms.Signer) []byte {
	t.Helper()
	detached, err := cades.Sign(e.ctx, data, s, cades.SignOptions{Level: cades.LevelBLT, Time: e.clock.Now(), TSA: e.ca, OCSP: e.ca})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(detached)
	if err != nil {
		t.Fatal(err)
	}
	sd.Content = data
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestSignAndVerify(t *testing.T) {
	e := newEnv(t)
	c := e.build(t)
	der := e.sign(t, c)
	data, _ := c.Marshal()

	got, err := e.verifier().Verify(e.ctx, der)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Snapshot, c.Snapshot) || got.Version != c.Version {
		t.Error("verified configuration differs")
	}
	// It is a B-LT signature that an auditor's tools read as well.
	rep, err := (&cades.Verifier{Roots: e.roots, Now: e.clock.Now}).Verify(e.ctx, nil, der)
	if err != nil || rep.Verdict != cades.Valid || rep.Signatures[0].Level != cades.LevelBLT {
		t.Errorf("cades: %v %+v", err, rep)
	}
	opensslVerify(t, e, der, data)

	// Still verifiable after it expired: expiry is the caller's question.
	e.clock.Advance(time.Hour)
	if _, err := e.verifier().Verify(e.ctx, der); err != nil {
		t.Errorf("an hour later: %v", err)
	}

	wrong := func(name string, der []byte, want error) {
		t.Helper()
		if _, err := e.verifier().Verify(e.ctx, der); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	// Tampered content.
	i := bytes.Index(der, []byte(`"path":"/births/*"`))
	if i < 0 {
		t.Fatal("the content is not in the document")
	}
	tampered := bytes.Clone(der)
	copy(tampered[i:], `"path":"/birth*/*"`)
	wrong("tampered", tampered, globalconf.ErrSignature)
	other := bytes.Replace(data, []byte(`"method":"GET","path":"/births/*"`), []byte(`"method":"*","path":"/births/*"`), 1)
	sd, _ := cms.Parse(der)
	sd.Content = other
	swapped, _ := sd.Marshal()
	wrong("other content", swapped, globalconf.ErrSignature)
	// No content, or no signature.
	sd.Content = nil
	detached, _ := sd.Marshal()
	wrong("detached", detached, globalconf.ErrSignature)
	wrong("garbage", []byte("not a signature"), globalconf.ErrSignature)
	wrong("plain JSON", data, globalconf.ErrSignature)

	// A gateway's signing certificate, issued by the same CA, cannot
	// sign a configuration, nor an officer's.
	gw := e.issue(t, pki.ProfileGatewaySign, "egov-gw")
	if _, err := globalconf.Sign(e.ctx, c, gw, globalconf.SignOptions{Time: e.clock.Now()}); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("Sign with a gateway key: %v", err)
	}
	wrong("gateway-sign certificate", signAs(t, e, data, gw), globalconf.ErrSignature)
	wrong("gateway-auth certificate", signAs(t, e, data, e.issue(t, pki.ProfileGatewayAuth, "egov-gw")), globalconf.ErrSignature)

	// Another platform's root is not ours.
	foreign := &globalconf.Verifier{Roots: newEnv(t).roots, Now: e.clock.Now}
	if _, err := foreign.Verify(e.ctx, der); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("foreign roots: %v", err)
	}
	// Another instance's configuration is not this one's.
	if _, err := (&globalconf.Verifier{Roots: e.roots, Instance: "EE", Now: e.clock.Now}).Verify(e.ctx, der); !errors.Is(err, globalconf.ErrMalformed) {
		t.Errorf("other instance: %v", err)
	}
}

func TestVerifyTimesAndRevocation(t *testing.T) {
	e := newEnv(t)
	c := e.build(t)

	// B-B without a status source: the revocation status is unknown.
	bb, err := globalconf.Sign(e.ctx, c, e.signer(t), globalconf.SignOptions{Time: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.verifier().Verify(e.ctx, bb); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("B-B without status: %v", err)
	}
	withStatus := e.verifier()
	withStatus.Status = e.ca
	if _, err := withStatus.Verify(e.ctx, bb); err != nil {
		t.Errorf("B-B with status: %v", err)
	}

	// Signed after the configuration expired.
	e.clock.Advance(globalconf.DefaultValidity + time.Minute)
	if _, err := e.verifier().Verify(e.ctx, e.sign(t, c)); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("signed after expiry: %v", err)
	}

	// Signed with a key revoked before.
	c = e.build(t)
	s := e.signer(t)
	if _, err := e.ca.Revoke(e.ctx, "admin", s.Cert.SerialNumber.Text(16), pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	der, err := globalconf.Sign(e.ctx, c, s, globalconf.SignOptions{Time: e.clock.Now(), TSA: e.ca, OCSP: e.ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.verifier().Verify(e.ctx, der); !errors.Is(err, globalconf.ErrSignature) {
		t.Errorf("revoked signer: %v", err)
	}
	// The platform then signs with a new one.
	if _, err := e.verifier().Verify(e.ctx, e.sign(t, c)); err != nil {
		t.Errorf("new signer: %v", err)
	}
}

func TestProtocolError(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 10, 0, 0, time.UTC)
	e := globalconf.ProtocolError(&globalconf.ExpiredError{Version: 7, ExpiresAt: at}, xroad.OriginServerProxy)
	if e == nil || e.Type != "Server.ServerProxy.OutdatedGlobalConf" ||
		e.Message != "the global configuration has expired since 2026-11-23T09:10:00Z" {
		t.Errorf("expired: %+v", e)
	}
	e = globalconf.ProtocolError(globalconf.ErrNotLoaded, xroad.OriginClientProxy)
	if e == nil || e.Type != "Server.ClientProxy.OutdatedGlobalConf" {
		t.Errorf("not loaded: %+v", e)
	}
	if globalconf.ProtocolError(errors.New("other"), xroad.OriginClientProxy) != nil ||
		globalconf.ProtocolError(globalconf.ErrSignature, xroad.OriginClientProxy) != nil {
		t.Error("other errors are protocol errors")
	}
}

// opensslVerify checks the document with openssl cms, as an operator
// would, and that it holds the JSON.
func opensslVerify(t *testing.T, e *env, der, data []byte) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed to check the document as an operator would")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	in := filepath.Join(dir, "globalconf.der")
	out := filepath.Join(dir, "globalconf.json")
	_ = os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.chain[1].Raw}), 0o600)
	_ = os.WriteFile(in, der, 0o600)
	msg, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-CAfile", root,
		"-purpose", "any", "-out", out).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, msg)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Error("openssl read other content")
	}
}
