package globalconf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
)

// Defaults of a Fetcher.
const (
	// DefaultInterval is how often a gateway downloads the configuration,
	// as X-Road's security servers do: well within half of
	// DefaultValidity, so a few failed downloads in a row cost nothing.
	DefaultInterval = time.Minute
	// DefaultFetchTimeout bounds one download.
	DefaultFetchTimeout = 30 * time.Second
	// DefaultMaxSize bounds a downloaded document. The OpenAPI
	// descriptions of the services make most of it.
	DefaultMaxSize = 64 << 20
)

// FetcherConfig configures a Fetcher.
type FetcherConfig struct {
	// URL is where the central server publishes the configuration, such
	// as "https://egov.uz/bus/globalconf"; required.
	URL string
	// Client downloads it; nil means a client with DefaultFetchTimeout.
	Client *http.Client
	// Verifier checks each document; required.
	Verifier *Verifier
	// File, if set, keeps the last valid document, so that a restarted
	// gateway starts from it (and refuses it all the same once expired).
	File string
	// Interval is how often Run downloads; DefaultInterval if zero.
	Interval time.Duration
	// MaxSize bounds a document; DefaultMaxSize if zero.
	MaxSize int64
	// Clock tells the time for expiry; nil means the system clock.
	Clock clock.Clock
	// Logger receives failed downloads and new versions; nil discards.
	Logger *slog.Logger
}

// Fetcher keeps a gateway's global configuration: the latest valid one it
// downloaded, which Current returns until it expires. It is safe for
// concurrent use.
type Fetcher struct {
	cfg FetcherConfig
	log *slog.Logger

	// refresh serialises downloads; mu guards the fields below it.
	refresh sync.Mutex
	mu      sync.RWMutex
	cur     *Config
	etag    string
	state   FetchState
}

// FetchState is how the downloads are going, for health checks and
// operators.
type FetchState struct {
	// Version and ExpiresAt are those of the configuration held; zero
	// when there is none.
	Version   int64
	ExpiresAt time.Time
	// LastSuccess is when a download last succeeded (the document was
	// new, the same, or not modified); LastError what the last failed one
	// failed with, nil once one succeeds.
	LastSuccess time.Time
	LastError   error
}

// NewFetcher checks cfg and returns the fetcher, holding the document
// kept in cfg.File if there is a valid one: expired or not, so that
// Current can say since when.
func NewFetcher(ctx context.Context, cfg FetcherConfig) (*Fetcher, error) {
	if cfg.URL == "" || cfg.Verifier == nil {
		return nil, errors.New("globalconf: the fetcher needs a URL and a verifier")
	}
	if cfg.Interval < 0 || cfg.MaxSize < 0 {
		return nil, errors.New("globalconf: negative interval or size")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultFetchTimeout}
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	f := &Fetcher{cfg: cfg, log: cfg.Logger}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if cfg.File != "" {
		f.load(ctx)
	}
	return f, nil
}

// load takes up the document kept in the file, if it is valid.
func (f *Fetcher) load(ctx context.Context) {
	der, err := os.ReadFile(f.cfg.File)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil && int64(len(der)) > f.cfg.MaxSize {
		err = fmt.Errorf("larger than %d bytes", f.cfg.MaxSize)
	}
	var c *Config
	if err == nil {
		c, err = f.cfg.Verifier.Verify(ctx, der)
	}
	if err != nil {
		f.log.LogAttrs(ctx, slog.LevelWarn, "bus global configuration: the kept one is not usable", slog.String("file", f.cfg.File),
			slog.Any("err", err))
		return
	}
	f.mu.Lock()
	f.cur = c
	f.state.Version, f.state.ExpiresAt = c.Version, c.ExpiresAt
	f.mu.Unlock()
}

// Current returns the configuration to work on: the latest valid one,
// unless it has expired (*ExpiredError) or there is none (ErrNotLoaded).
// Both are ErrUnavailable; see ProtocolError.
func (f *Fetcher) Current() (*Config, error) {
	f.mu.RLock()
	c := f.cur
	f.mu.RUnlock()
	if c == nil {
		return nil, ErrNotLoaded
	}
	if c.Expired(f.cfg.Clock.Now()) {
		return nil, &ExpiredError{Version: c.Version, ExpiresAt: c.ExpiresAt}
	}
	return c, nil
}

// State tells how the downloads are going.
func (f *Fetcher) State() FetchState {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state
}

// Run downloads the configuration at once and then every Interval until
// ctx ends, logging failures; it returns ctx's error.
func (f *Fetcher) Run(ctx context.Context) error {
	t := time.NewTicker(f.cfg.Interval)
	defer t.Stop()
	for {
		if err := f.Refresh(ctx); err != nil && ctx.Err() == nil {
			f.log.LogAttrs(ctx, slog.LevelWarn, "bus global configuration: download failed", slog.String("url", f.cfg.URL),
				slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Refresh downloads the configuration once, verifies it and takes it up
// if it is newer than the one held: a later version, or the same version
// signed later (which extends its validity). An older version is refused
// with ErrVersion; the one held stays either way.
//
// Errors: ErrSignature, ErrMalformed, ErrVersion, *ExpiredError for a
// document that was already expired, or the download's.
func (f *Fetcher) Refresh(ctx context.Context) error {
	f.refresh.Lock()
	defer f.refresh.Unlock()
	err := f.refreshOnce(ctx)
	f.mu.Lock()
	f.state.LastError = err
	if err == nil {
		f.state.LastSuccess = f.cfg.Clock.Now()
	}
	f.mu.Unlock()
	return err
}

func (f *Fetcher) refreshOnce(ctx context.Context) error {
	der, etag, err := f.download(ctx)
	if err != nil || der == nil {
		return err
	}
	c, err := f.cfg.Verifier.Verify(ctx, der)
	if err != nil {
		return err
	}
	if c.Expired(f.cfg.Clock.Now()) {
		return fmt.Errorf("download global configuration: %w", &ExpiredError{Version: c.Version, ExpiresAt: c.ExpiresAt})
	}
	f.mu.RLock()
	held := f.cur
	f.mu.RUnlock()
	switch {
	case held != nil && c.Version < held.Version:
		return fmt.Errorf("%w: version %d, holding %d", ErrVersion, c.Version, held.Version)
	case held != nil && c.Version == held.Version && !c.ExpiresAt.After(held.ExpiresAt):
		return nil
	}
	if f.cfg.File != "" {
		if err := writeFile(f.cfg.File, der); err != nil {
			// The gateway works on the new one all the same; only a
			// restart would fall back to the older file.
			f.log.LogAttrs(ctx, slog.LevelWarn, "bus global configuration: cannot keep it", slog.String("file", f.cfg.File),
				slog.Any("err", err))
		}
	}
	f.mu.Lock()
	f.cur, f.etag = c, etag
	f.state.Version, f.state.ExpiresAt = c.Version, c.ExpiresAt
	f.mu.Unlock()
	if held == nil || held.Version != c.Version {
		f.log.LogAttrs(ctx, slog.LevelInfo, "bus global configuration: new version", slog.Int64("version", c.Version),
			slog.Time("expires_at", c.ExpiresAt))
	}
	return nil
}

// download fetches the document; nil without error when the server says
// the one held is current.
func (f *Fetcher) download(ctx context.Context) (der []byte, etag string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.URL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("download global configuration: %w", err)
	}
	req.Header.Set("Accept", MediaType)
	f.mu.RLock()
	if f.cur != nil && f.etag != "" {
		req.Header.Set("If-None-Match", f.etag)
	}
	f.mu.RUnlock()
	resp, err := f.cfg.Client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download global configuration: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return nil, "", nil
	case http.StatusOK:
	default:
		return nil, "", fmt.Errorf("download global configuration: %s answered %s", f.cfg.URL, resp.Status)
	}
	der, err = io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("download global configuration: %w", err)
	}
	if int64(len(der)) > f.cfg.MaxSize {
		return nil, "", fmt.Errorf("download global configuration: larger than %d bytes", f.cfg.MaxSize)
	}
	return der, resp.Header.Get("ETag"), nil
}

// writeFile replaces path with data atomically: a crash leaves the old
// file or the new one, never a part.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
