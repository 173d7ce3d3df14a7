package xroad

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Origin is the first part of an error type: which party the protocol
// blames. PR-REST 4.6 names three, so that a consumer can tell its own
// mistakes from faults of either gateway.
type Origin string

// The three origins of X-Road errors.
const (
	// OriginClient blames the consumer information system: its request does
	// not conform to the protocol or is not allowed.
	OriginClient Origin = "Client"
	// OriginClientProxy blames the consumer's gateway.
	OriginClientProxy Origin = "Server.ClientProxy"
	// OriginServerProxy blames the provider's gateway, including its failure
	// to reach the provider service.
	OriginServerProxy Origin = "Server.ServerProxy"
)

// Code is the second part of an error type. The names are those of the
// X-Road security server (its ErrorCodes), so operators and client
// libraries that know X-Road recognise them.
type Code string

// Error codes used by egov's gateways.
const (
	CodeAccessDenied            Code = "AccessDenied"
	CodeBadRequest              Code = "BadRequest"
	CodeCertValidation          Code = "CertValidation"
	CodeDatabaseError           Code = "DatabaseError"
	CodeDuplicateHeaderField    Code = "DuplicateHeaderField"
	CodeIncorrectCertificate    Code = "IncorrectCertificate"
	CodeInternalError           Code = "InternalError"
	CodeInvalidClientIdentifier Code = "InvalidClientIdentifier"
	CodeInvalidHTTPMethod       Code = "InvalidHttpMethod"
	CodeInvalidProtocolVersion  Code = "InvalidProtocolVersion"
	CodeInvalidRequest          Code = "InvalidRequest"
	CodeInvalidSecurityServer   Code = "InvalidSecurityServer"
	CodeInvalidSignatureValue   Code = "InvalidSignatureValue"
	CodeLoggingFailed           Code = "LoggingFailed"
	CodeMissingHeader           Code = "MissingHeader"
	CodeMissingSignature        Code = "MissingSignature"
	CodeNetworkError            Code = "NetworkError"
	CodeOutdatedGlobalConf      Code = "OutdatedGlobalConf"
	CodeServiceDisabled         Code = "ServiceDisabled"
	CodeServiceFailed           Code = "ServiceFailed"
	CodeSSLAuthenticationFailed Code = "SslAuthenticationFailed"
	CodeTimestampingFailed      Code = "TimestampingFailed"
	CodeUnknownMember           Code = "UnknownMember"
	CodeUnknownService          Code = "UnknownService"
)

// Error is a fault that a gateway itself reports, as opposed to an error
// response of the provider service, which passes through unchanged.
type Error struct {
	// Type is Origin "." Code, e.g. "Server.ServerProxy.AccessDenied"; it is
	// sent in the body and, alone, in the X-Road-Error header.
	Type string
	// Message explains the fault to the consumer's developers. It must not
	// carry internal causes; those go to the log.
	Message string
	// Detail lets an operator find the fault in the logs; X-Road puts a
	// unique identifier here.
	Detail string
	// RequestID is the X-Road-Request-Id the gateway gave the exchange, when
	// it got that far; WriteError echoes it in that header.
	RequestID string
}

// Errorf returns an *Error of type origin.code with a formatted message.
func Errorf(origin Origin, code Code, format string, args ...any) *Error {
	return &Error{Type: string(origin) + "." + string(code), Message: fmt.Sprintf(format, args...)}
}

// Error returns the type and message.
func (e *Error) Error() string {
	return e.Type + ": " + e.Message
}

// Status returns the HTTP status PR-REST 4.6 prescribes: 400 Bad Request
// when the consumer is to blame (type starting with "Client."), 500
// Internal Server Error for any fault of a gateway or of reaching the
// provider service.
func (e *Error) Status() int {
	if strings.HasPrefix(e.Type, string(OriginClient)+".") {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// WriteError answers a request with a protocol error: the status from
// [Error.Status], a JSON body {"type", "message", "detail"}, Content-Type
// and the X-Road-Error header that tells consumers the fault is X-Road's
// and not the provider service's, and X-Road-Request-Id when known.
//
// An err that is not an *Error is a bug or an unclassified internal
// failure: it is written as Server.ClientProxy.InternalError with a fixed
// message, so internal details never reach the consumer; the caller logs
// err itself. The body is always JSON, the protocol's default; X-Road's
// optional XML rendering for other Accept values is not offered.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Errorf(OriginClientProxy, CodeInternalError, "internal error")
	}
	body, _ := json.Marshal(struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
	}{e.Type, e.Message, e.Detail})
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(HeaderError, e.Type)
	if e.RequestID != "" {
		h.Set(HeaderRequestID, e.RequestID)
	}
	w.WriteHeader(e.Status())
	_, _ = w.Write(body)
}
