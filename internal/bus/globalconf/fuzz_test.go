package globalconf_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/egovuz/egov/internal/bus/globalconf"
)

// seedDocument is a small configuration of every kind of entry.
const seedDocument = `{"format":1,"instance":"UZ","version":7,"generated_at":"2026-11-23T09:00:00Z","expires_at":"2026-11-23T09:10:00Z",
"member_classes":["GOV","COM","NGO","ORG"],
"members":[{"id":"UZ/GOV/201122919","name":"FHDYo","subsystems":["civil-registry"]},{"id":"UZ/GOV/207000001","name":"Egov","subsystems":["portal","bpm"]}],
"gateways":[{"member":"UZ/GOV/201122919","name":"gw1","address":"civil.test:8443","auth_serial":"a1","sign_serial":"51"}],
"services":[{"id":"UZ/GOV/201122919/civil-registry/births","title":"Births","base_url":"https://civil.test/api/","openapi":"{\"openapi\": \"3.0.3\", \"paths\": {}}"}],
"groups":[{"id":"UZ/state","description":"State","members":["UZ/GOV/207000001/bpm"]}],
"rights":[{"service":"UZ/GOV/201122919/civil-registry/births","subsystem":"UZ/GOV/207000001/portal","method":"GET","path":"/births/*"},
{"service":"UZ/GOV/201122919/civil-registry/births","group":"UZ/state","method":"*","path":"**"}],
"trust":{"ocsp_url":"https://egov.test/pki/ocsp"}}`

// FuzzParse feeds the configuration parser anything, as a compromised or
// broken download could: it must refuse what it cannot read with
// ErrMalformed and never panic, and what it accepts must survive being
// written and read again unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(seedDocument))
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`{"format":1,"instance":"UZ","generated_at":"2026-11-23T09:00:00Z","expires_at":"2026-11-23T09:00:01Z","member_classes":["GOV"]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"format":1,"rights":[{"service":"a/b/c/d/e","group":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := globalconf.Parse(data)
		if err != nil {
			if !errors.Is(err, globalconf.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("parsed but cannot marshal: %v", err)
		}
		back, err := globalconf.Parse(out)
		if err != nil {
			t.Fatalf("its own output refused: %v\n%s", err, out)
		}
		again, err := back.Marshal()
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not stable:\n%s\n%s", out, again)
		}
		if !c.ExpiresAt.After(c.GeneratedAt) {
			t.Fatal("accepted a configuration that expires before it was made")
		}
	})
}
