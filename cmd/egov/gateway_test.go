package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestGatewayCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := egov(t, "gateway", "api-key", "--client", "UZ/GOV/301234567/deeds-registry", "--label", "Deeds registry",
		"--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "egov_") {
		t.Fatalf("api-key: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := egov(t, "gateway", "api-key", "--client", "UZ/GOV/301234567", "--label", "x", "--data-dir", dir); code == 0 ||
		!strings.Contains(errOut, "subsystem") {
		t.Errorf("a member's key: %d %q", code, errOut)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--central", "ftp://x"}, "--central"},
		{[]string{"--central", "http://127.0.0.1:1", "--member", "UZ/GOV/301234567/sub"}, "--member"},
		{[]string{"--central", "http://127.0.0.1:1", "--member", "UZ/GOV/301234567", "--name", "gw1",
			"--anchors", filepath.Join(dir, "none.pem")}, "--anchors"},
	} {
		code, _, errOut := egov(t, append([]string{"gateway", "--data-dir", dir}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("gateway %v: %d %q", c.args, code, errOut)
		}
	}
	if code, _, errOut := egov(t, "gateway", "--help"); !strings.Contains(errOut+out, "--provider-listen") {
		t.Errorf("help: %d %q", code, errOut)
	}
}
