package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/bus"
)

// TestFailoverToTheMembersNextGateway checks that when a member's first
// gateway cannot be reached, the consumer gateway sends the exchange to
// the member's next one, and that naming the dead one with
// X-Road-Security-Server gives the protocol's network error.
func TestFailoverToTheMembersNextGateway(t *testing.T) {
	e := newSecEnv(t)
	dead := e.security(t, "civil-gw0")
	if _, err := e.reg.CreateGateway(context.Background(), "admin", bus.GatewayInput{Member: civil, Name: "gw0", Address: "127.0.0.1:1",
		AuthSerial: serialOf(dead.Auth.Leaf), SignSerial: serialOf(dead.Sign.Cert)}); err != nil {
		t.Fatal(err)
	}
	cons := e.consumer(t, e.egov, nil)
	resp, body := call(t, cons, getBirth)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Aziz Karimov") {
		t.Fatalf("with the first gateway down: %d %s", resp.StatusCode, body)
	}
	resp, body = call(t, cons, getBirth+"\nX-Road-Security-Server: UZ/GOV/201122919/gw0")
	if resp.StatusCode != 500 || resp.Header.Get("X-Road-Error") != "Server.ClientProxy.NetworkError" {
		t.Errorf("the dead gateway by name: %d %s", resp.StatusCode, body)
	}
}
