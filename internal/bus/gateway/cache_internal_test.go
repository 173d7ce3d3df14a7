package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	c := newCache[string, int](time.Second, clk.Now)
	var loads atomic.Int32
	answer := 1
	load := func(context.Context) (int, error) {
		loads.Add(1)
		return answer, nil
	}
	get := func(key string) int {
		t.Helper()
		v, err := c.get(ctx, key, load)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if v := get("a"); v != 1 || loads.Load() != 1 {
		t.Fatalf("first get: %d after %d loads", v, loads.Load())
	}
	answer = 2
	clk.advance(999 * time.Millisecond)
	if v := get("a"); v != 1 || loads.Load() != 1 {
		t.Errorf("within the TTL: %d after %d loads, want the kept 1 after 1", v, loads.Load())
	}
	clk.advance(time.Millisecond)
	if v := get("a"); v != 2 || loads.Load() != 2 {
		t.Errorf("at the TTL: %d after %d loads, want a fresh 2 after 2", v, loads.Load())
	}
	if v := get("b"); v != 2 || loads.Load() != 3 {
		t.Errorf("another key: %d after %d loads", v, loads.Load())
	}

	// Errors are not kept.
	fail := errors.New("database down")
	for range 2 {
		if _, err := c.get(ctx, "e", func(context.Context) (int, error) { loads.Add(1); return 0, fail }); !errors.Is(err, fail) {
			t.Errorf("failing load: %v", err)
		}
	}
	if loads.Load() != 5 {
		t.Errorf("%d loads, want the failing one asked twice", loads.Load())
	}

	// Concurrent callers of a missing key wait for one load.
	release := make(chan struct{})
	slow := func(context.Context) (int, error) {
		loads.Add(1)
		<-release
		return 7, nil
	}
	before := loads.Load()
	var wg sync.WaitGroup
	results := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			v, err := c.get(ctx, "slow", slow)
			if err != nil {
				t.Error(err)
			}
			results <- v
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != 7 {
			t.Errorf("concurrent get: %d", v)
		}
	}
	if n := loads.Load() - before; n != 1 {
		t.Errorf("%d loads for 8 concurrent callers, want 1", n)
	}

	// A waiter whose context ends stops waiting.
	block, started := make(chan struct{}), make(chan struct{})
	go func() {
		_, _ = c.get(ctx, "stuck", func(context.Context) (int, error) { close(started); <-block; return 0, nil })
	}()
	<-started
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := c.get(short, "stuck", load); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting with an ended context: %v", err)
	}
	close(block)

	// It stays bounded.
	for i := range maxCached + 10 {
		_, _ = c.get(ctx, string(rune(i+1000)), load)
	}
	c.mu.Lock()
	n := len(c.items)
	c.mu.Unlock()
	if n > maxCached {
		t.Errorf("%d entries kept, more than %d", n, maxCached)
	}

	// A TTL not above zero keeps nothing.
	off := newCache[string, int](-1, clk.Now)
	before = loads.Load()
	for range 3 {
		_, _ = off.get(ctx, "a", load)
	}
	if loads.Load()-before != 3 {
		t.Errorf("without caching: %d loads for 3 gets", loads.Load()-before)
	}
}
