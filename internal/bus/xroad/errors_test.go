package xroad

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
		wantBody   string
		wantReqID  string
	}{
		{
			// PR-REST 4.6 example 3.
			name: "client fault",
			err: &Error{
				Type:    "Client.BadRequest",
				Message: "Error parsing the client's REST request.",
				Detail:  "018cbcae-537e-421b-b6f6-2608dc97bd90",
			},
			wantStatus: 400,
			wantType:   "Client.BadRequest",
			wantBody:   `{"type":"Client.BadRequest","message":"Error parsing the client's REST request.","detail":"018cbcae-537e-421b-b6f6-2608dc97bd90"}`,
		},
		{
			// PR-REST 4.6 example 2: the provider service timed out.
			name:       "provider unreachable",
			err:        &Error{Type: "Server.ServerProxy.NetworkError", Message: "connect timed out", Detail: "9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5", RequestID: "f92591a3-6bf0-49b1-987b-0dd78c034cc3"},
			wantStatus: 500,
			wantType:   "Server.ServerProxy.NetworkError",
			wantBody:   `{"type":"Server.ServerProxy.NetworkError","message":"connect timed out","detail":"9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5"}`,
			wantReqID:  "f92591a3-6bf0-49b1-987b-0dd78c034cc3",
		},
		{
			name:       "access denied by the provider gateway",
			err:        Errorf(OriginServerProxy, CodeAccessDenied, "Request is not allowed: %s", "UZ/GOV/201122919/civil-registry/births"),
			wantStatus: 500,
			wantType:   "Server.ServerProxy.AccessDenied",
			wantBody:   `{"type":"Server.ServerProxy.AccessDenied","message":"Request is not allowed: UZ/GOV/201122919/civil-registry/births","detail":""}`,
		},
		{
			name:       "consumer gateway fault, wrapped",
			err:        fmt.Errorf("sign request: %w", Errorf(OriginClientProxy, CodeOutdatedGlobalConf, "global configuration expired")),
			wantStatus: 500,
			wantType:   "Server.ClientProxy.OutdatedGlobalConf",
			wantBody:   `{"type":"Server.ClientProxy.OutdatedGlobalConf","message":"global configuration expired","detail":""}`,
		},
		{
			name:       "unclassified error hides its text",
			err:        errors.New("pq: password authentication failed for user egov"),
			wantStatus: 500,
			wantType:   "Server.ClientProxy.InternalError",
			wantBody:   `{"type":"Server.ClientProxy.InternalError","message":"internal error","detail":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			w.Header().Set("Content-Length", "999")
			WriteError(w, tt.err)
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("X-Road-Error"); got != tt.wantType {
				t.Errorf("X-Road-Error %q, want %q", got, tt.wantType)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := w.Header().Get("Content-Length"); got != "" {
				t.Errorf("stale Content-Length %q kept", got)
			}
			if got := w.Header().Get("X-Road-Request-Id"); got != tt.wantReqID {
				t.Errorf("X-Road-Request-Id %q, want %q", got, tt.wantReqID)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body\n%s\nwant\n%s", got, tt.wantBody)
			}
		})
	}
}

func TestErrorStatus(t *testing.T) {
	for _, tt := range []struct {
		origin Origin
		status int
	}{
		{OriginClient, http.StatusBadRequest},
		{OriginClientProxy, http.StatusInternalServerError},
		{OriginServerProxy, http.StatusInternalServerError},
	} {
		e := Errorf(tt.origin, CodeAccessDenied, "x")
		if e.Status() != tt.status {
			t.Errorf("%s: status %d, want %d", e.Type, e.Status(), tt.status)
		}
		if got, want := e.Error(), e.Type+": x"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
	// A type that merely starts with the letters of "Client" is not one.
	if s := (&Error{Type: "ClientX.Foo"}).Status(); s != http.StatusInternalServerError {
		t.Errorf("ClientX.Foo: status %d", s)
	}
}
