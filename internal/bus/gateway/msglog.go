package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// MessageLog keeps the evidence of the exchanges a gateway passes, for
// non-repudiation: *msglog.Log, which has the records timestamped in
// batches apart from the exchanges.
type MessageLog interface {
	// Record stores one exchange; the answer is relayed only once it has.
	Record(ctx context.Context, e msglog.Entry) (msglog.Record, error)
	// Healthy returns an error, saying why, when gateway must not accept
	// messages: its records have waited longer than maxAge for a
	// timestamp (msglog.ErrTimestampOverdue) or the log cannot tell.
	Healthy(ctx context.Context, gateway string, maxAge time.Duration) error
}

var _ MessageLog = (*msglog.Log)(nil)

// DefaultMaxTimestampAge is how long a gateway's records may wait for a
// timestamp before it stops accepting messages, when the configuration
// does not say.
const DefaultMaxTimestampAge = time.Hour

// logTimeout bounds recording an exchange, which runs after the other
// party answered and so outside the exchange's timeout.
const logTimeout = 5 * time.Second

// messageLog is a gateway side's use of its MessageLog: its records are
// kept under gateway, and its errors are of origin.
type messageLog struct {
	log     MessageLog
	gateway string
	maxAge  time.Duration
	origin  xroad.Origin
	// health keeps the log's answer to Healthy, which is asked before
	// every message, for the gateway's CacheTTL.
	health *cache[struct{}, struct{}]
}

// newMessageLog checks the message log settings of a configuration and
// fills in the default age; log may be nil, for no message log. Its
// answers to Healthy are reused for ttl (see cache) with the time of now.
func newMessageLog(log MessageLog, gateway string, maxAge time.Duration, origin xroad.Origin, ttl time.Duration, now func() time.Time) (messageLog, error) {
	switch {
	case log != nil && gateway == "":
		return messageLog{}, errors.New("bus gateway: a message log needs the gateway's name")
	case maxAge < 0:
		return messageLog{}, errors.New("bus gateway: negative timestamp age")
	}
	if maxAge == 0 {
		maxAge = DefaultMaxTimestampAge
	}
	return messageLog{log: log, gateway: gateway, maxAge: maxAge, origin: origin,
		health: newCache[struct{}, struct{}](ttl, now)}, nil
}

// healthy refuses a message, before it is handled, when the log says the
// gateway must not accept any: with TimestampingFailed when timestamps are
// overdue, else with LoggingFailed. The caller learns the rule that was
// broken; the log's details (which record waits, another client's query
// ID) go to the operator's log only.
//
// A healthy answer is reused for the cache's time, so a log that has
// become overdue stops the gateway that much later; a refusal is not
// reused, so that a gateway accepts messages again as soon as its log is
// timestamped.
func (l messageLog) healthy(ctx context.Context) error {
	if l.log == nil {
		return nil
	}
	_, err := l.health.get(ctx, struct{}{}, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, l.log.Healthy(ctx, l.gateway, l.maxAge)
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, msglog.ErrTimestampOverdue):
		return failf(err, l.origin, xroad.CodeTimestampingFailed, "the gateway accepts no messages: its message log has not been timestamped within %s", l.maxAge)
	}
	return failf(err, l.origin, xroad.CodeLoggingFailed, "the gateway accepts no messages: its message log cannot be checked")
}

// record stores the exchange ex, answered with status, in the log. The
// recording outlives the caller hanging up, since the exchange happened
// all the same. Its error is LoggingFailed: the answer must then not be
// relayed.
func (l messageLog) record(ctx context.Context, ex *exchange, status int) error {
	if l.log == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), logTimeout)
	defer cancel()
	if _, err := l.log.Record(ctx, msglog.Entry{Gateway: l.gateway, QueryID: ex.id,
		Client: ex.req.Client.String(), Service: ex.req.Service.String(),
		RequestHash: ex.requestHash, RequestSignature: ex.requestSignature,
		ResponseHash: ex.responseHash, ResponseSignature: ex.responseSignature, Status: status}); err != nil {
		return failf(err, l.origin, xroad.CodeLoggingFailed, "recording the exchange in the message log failed")
	}
	return nil
}
