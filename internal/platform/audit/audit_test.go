package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// schema is what tests migrate.
func schema() []db.Migrations { return []db.Migrations{Migrations()} }

// start is the time of the first entry in tests; its nanoseconds are cut to
// microseconds when stored.
const start = "2026-03-01T09:00:00.123456789Z"

// startTime is start as a time.
func startTime() time.Time {
	t, err := time.Parse(time.RFC3339Nano, start)
	if err != nil {
		panic(err)
	}
	return t
}

// seed appends n entries, one second apart, with varied contents.
func seed(t testing.TB, l *Log, c *clock.Manual, n int) {
	t.Helper()
	ctx := WithSource(context.Background(), Source{IP: "192.0.2.7", RequestID: "req-1", UserAgent: "test"})
	for i := range n {
		r := Record{
			Actor:      fmt.Sprintf("user-%d", i%3),
			Action:     "test.thing.changed",
			ObjectType: "thing",
			ObjectID:   fmt.Sprintf("thing-%d", i),
			Details:    map[string]any{"i": i, "note": "naïve <b>&</b>", "nested": map[string]any{"z": 1, "a": []any{true, nil}}},
		}
		if err := l.Append(ctx, r); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		c.Advance(time.Second)
	}
}

// exec runs a statement as someone with direct database access.
func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.Writer().ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// dropGuards removes the triggers that keep audit_log append-only, as an
// attacker with DDL rights would.
func dropGuards(t *testing.T, d *db.DB) {
	t.Helper()
	if d.Engine() == db.Postgres {
		exec(t, d, `DROP TRIGGER audit_log_append_only ON audit_log`)
		return
	}
	exec(t, d, `DROP TRIGGER audit_log_no_update`)
	exec(t, d, `DROP TRIGGER audit_log_no_delete`)
}

// readRow returns the stored entry seq.
func readRow(t *testing.T, d *db.DB, seq int64) *row {
	t.Helper()
	r := &row{}
	err := d.Reader().QueryRowContext(context.Background(), `SELECT seq, id, at, actor, action, object_type, object_id,
		ip, request_id, user_agent, details, prev_hash, hash FROM audit_log WHERE seq = $1`, seq).Scan(
		&r.seq, &r.id, &r.at, &r.actor, &r.action, &r.objectType, &r.objectID,
		&r.ip, &r.requestID, &r.userAgent, &r.details, &r.prevHash, &r.hash)
	if err != nil {
		t.Fatalf("read entry %d: %v", seq, err)
	}
	return r
}

// forge stores r with a fresh ID, its hash recomputed unless keepHash.
func forge(t *testing.T, d *db.DB, r *row, keepHash bool) {
	t.Helper()
	r.id = db.NewID()
	if !keepHash {
		var h hasher
		r.hash = string(h.sum(r))
	}
	err := d.Tx(context.Background(), func(tx *sql.Tx) error { return insertRow(context.Background(), tx, r) })
	if err != nil {
		t.Fatalf("forge entry %d: %v", r.seq, err)
	}
}

// makeRoom renumbers the entries from seq on one up, as an attacker making
// room for a forged entry would (in two steps, since seq is unique).
func makeRoom(t *testing.T, d *db.DB, seq int64) {
	t.Helper()
	exec(t, d, `UPDATE audit_log SET seq = -seq WHERE seq >= $1`, seq)
	exec(t, d, `UPDATE audit_log SET seq = 1 - seq WHERE seq < 0`)
	exec(t, d, `UPDATE audit_head SET last_seq = last_seq + 1`)
}

func verify(t *testing.T, l *Log) Report {
	t.Helper()
	rep, err := l.Verify(context.Background())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestVerifyCleanChain(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		c := clock.NewManual(startTime())
		l := New(d, c)
		if rep := verify(t, l); !rep.OK || rep.Checked != 0 || rep.Problem != nil {
			t.Errorf("empty log: %+v, want OK with 0 checked", rep)
		}
		seed(t, l, c, 25)
		rep := verify(t, l)
		if !rep.OK || rep.Checked != 25 || rep.Problem != nil {
			t.Errorf("clean log: %+v, want OK with 25 checked", rep)
		}
		if got, want := rep.String(), "audit log OK: 25 entries verified"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
		first := readRow(t, d, 1)
		if first.prevHash != genesisHash {
			t.Errorf("first prev_hash = %q, want the genesis", first.prevHash)
		}
		if !first.at.Equal(startTime().Truncate(time.Microsecond)) {
			t.Errorf("first at = %v, want %v", first.at, startTime().Truncate(time.Microsecond))
		}
	})
}

func TestVerifyDetectsTampering(t *testing.T) {
	// Every case starts from a clean log of entries 1 to 10.
	tests := []struct {
		name       string
		sqliteOnly bool // the tampering is impossible on PostgreSQL's types
		tamper     func(t *testing.T, d *db.DB)
		ok         bool
		seq        int64
		kind       string
		checked    int64
	}{
		{
			name:   "actor changed",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`) },
			seq:    3, kind: KindAltered, checked: 2,
		},
		{
			name:   "details changed",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `UPDATE audit_log SET details = '{"i":7}' WHERE seq = 7`) },
			seq:    7, kind: KindAltered, checked: 6,
		},
		{
			name: "time changed",
			tamper: func(t *testing.T, d *db.DB) {
				exec(t, d, `UPDATE audit_log SET at = $1 WHERE seq = 4`, startTime().Add(-time.Hour))
			},
			seq: 4, kind: KindAltered, checked: 3,
		},
		{
			name: "prev_hash changed",
			tamper: func(t *testing.T, d *db.DB) {
				exec(t, d, `UPDATE audit_log SET prev_hash = $1 WHERE seq = 6`, genesisHash)
			},
			seq: 6, kind: KindAltered, checked: 5,
		},
		{
			name:       "time made unreadable",
			sqliteOnly: true,
			tamper:     func(t *testing.T, d *db.DB) { exec(t, d, `UPDATE audit_log SET at = 'yesterday' WHERE seq = 2`) },
			seq:        2, kind: KindAltered, checked: 1,
		},
		{
			name:   "first entry deleted",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `DELETE FROM audit_log WHERE seq = 1`) },
			seq:    1, kind: KindDeleted, checked: 0,
		},
		{
			name:   "middle entry deleted",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `DELETE FROM audit_log WHERE seq = 5`) },
			seq:    5, kind: KindDeleted, checked: 4,
		},
		{
			name:   "several entries deleted",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `DELETE FROM audit_log WHERE seq BETWEEN 4 AND 6`) },
			seq:    4, kind: KindDeleted, checked: 3,
		},
		{
			name:   "last entry deleted",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `DELETE FROM audit_log WHERE seq = 10`) },
			seq:    10, kind: KindDeleted, checked: 9,
		},
		{
			// The limit of an unkeyed chain: cutting the tail and moving
			// the head back leaves a consistent, shorter log.
			name: "last entry deleted and head rolled back",
			tamper: func(t *testing.T, d *db.DB) {
				nine := readRow(t, d, 9)
				exec(t, d, `DELETE FROM audit_log WHERE seq = 10`)
				exec(t, d, `UPDATE audit_head SET last_seq = 9, last_hash = $1`, nine.hash)
			},
			ok: true, checked: 9,
		},
		{
			name:   "head row deleted",
			tamper: func(t *testing.T, d *db.DB) { exec(t, d, `DELETE FROM audit_head`) },
			seq:    0, kind: KindDeleted, checked: 0,
		},
		{
			name: "forged entry numbered 0",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 1)
				r.seq, r.actor = 0, "mallory"
				forge(t, d, r, false)
			},
			seq: 0, kind: KindInserted, checked: 0,
		},
		{
			name: "forged entry beyond the head",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 10)
				r.seq, r.actor, r.prevHash = 11, "mallory", r.hash
				forge(t, d, r, false)
			},
			seq: 11, kind: KindInserted, checked: 10,
		},
		{
			// Checked first, the made-up hash makes it "altered".
			name: "forged entry with a made-up hash slipped in",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 5)
				makeRoom(t, d, 5)
				r.actor, r.hash = "mallory", strings.Repeat("f", 64)
				forge(t, d, r, true)
			},
			seq: 5, kind: KindAltered, checked: 4,
		},
		{
			// The forgery links and hashes correctly; the renumbered
			// genuine entry after it no longer matches its hash.
			name: "forged entry with a correct hash slipped in",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 5)
				makeRoom(t, d, 5)
				r.actor = "mallory"
				forge(t, d, r, false)
			},
			seq: 6, kind: KindAltered, checked: 5,
		},
		{
			name: "entry replaced by a consistent forgery with a made-up link",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 5)
				exec(t, d, `DELETE FROM audit_log WHERE seq = 5`)
				r.actor, r.prevHash = "mallory", strings.Repeat("ab", 32)
				forge(t, d, r, false)
			},
			seq: 5, kind: KindInserted, checked: 4,
		},
		{
			name: "entry altered and its hash recomputed",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 3)
				r.actor = "mallory"
				var h hasher
				exec(t, d, `UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = 3`, r.actor, string(h.sum(r)))
			},
			seq: 4, kind: KindInserted, checked: 3,
		},
		{
			name: "last entry altered and its hash recomputed",
			tamper: func(t *testing.T, d *db.DB) {
				r := readRow(t, d, 10)
				r.actor = "mallory"
				var h hasher
				exec(t, d, `UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = 10`, r.actor, string(h.sum(r)))
			},
			seq: 10, kind: KindInserted, checked: 9,
		},
		{
			name: "gap bridged by a forgery that links across it",
			tamper: func(t *testing.T, d *db.DB) {
				four, six := readRow(t, d, 4), readRow(t, d, 6)
				exec(t, d, `DELETE FROM audit_log WHERE seq IN (5, 6)`)
				six.prevHash = four.hash
				forge(t, d, six, false)
			},
			seq: 6, kind: KindInserted, checked: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(t *testing.T, d *db.DB) {
				c := clock.NewManual(startTime())
				l := New(d, c)
				seed(t, l, c, 10)
				dropGuards(t, d)
				tt.tamper(t, d)
				rep := verify(t, l)
				if rep.Checked != tt.checked {
					t.Errorf("Checked = %d, want %d (%v)", rep.Checked, tt.checked, rep)
				}
				if tt.ok {
					if !rep.OK || rep.Problem != nil {
						t.Errorf("report = %v, want OK", rep)
					}
					return
				}
				if rep.OK || rep.Problem == nil {
					t.Fatalf("report = %v, want a problem", rep)
				}
				if rep.Problem.Seq != tt.seq || rep.Problem.Kind != tt.kind {
					t.Errorf("problem = %+v, want %s at seq %d", *rep.Problem, tt.kind, tt.seq)
				}
				t.Log(rep)
			}
			if tt.sqliteOnly {
				check(t, dbtest.Open(t, db.SQLite, schema()))
				return
			}
			dbtest.Each(t, schema(), check)
		})
	}
}

func TestAppendOnlyGuards(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		c := clock.NewManual(startTime())
		l := New(d, c)
		seed(t, l, c, 3)
		for _, q := range []string{
			`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`,
			`DELETE FROM audit_log WHERE seq = 3`,
		} {
			if _, err := d.Writer().ExecContext(context.Background(), q); err == nil {
				t.Errorf("%s succeeded, want it refused", q)
			}
		}
		if rep := verify(t, l); !rep.OK || rep.Checked != 3 {
			t.Errorf("after refused changes: %v", rep)
		}
	})
}

func TestRecordJoinsCallersTransaction(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d, clock.NewManual(startTime()))
		boom := errors.New("boom")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := l.Record(ctx, tx, Record{Actor: "u1", Action: "test.rolled.back"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		if _, n, err := l.List(ctx, Filter{}); err != nil || n != 0 {
			t.Fatalf("after rollback: %d entries, %v; want 0", n, err)
		}

		err = d.Tx(ctx, func(tx *sql.Tx) error {
			for _, a := range []string{"test.first", "test.second"} {
				if err := l.Record(ctx, tx, Record{Actor: "u1", Action: a}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		got, n, err := l.List(ctx, Filter{})
		if err != nil || n != 2 || len(got) != 2 {
			t.Fatalf("after commit: %d entries, %v; want 2", n, err)
		}
		if got[1].Seq != 1 || got[1].Action != "test.first" || got[0].Seq != 2 || got[0].Action != "test.second" {
			t.Errorf("entries = %+v, want test.first at 1 and test.second at 2", got)
		}
		if rep := verify(t, l); !rep.OK || rep.Checked != 2 {
			t.Errorf("Verify = %v, want OK with 2", rep)
		}
	})
}

// openTwice opens two pools on one fresh, migrated database of the engine, as
// two nodes would.
func openTwice(t *testing.T, engine db.Engine) (*db.DB, *db.DB) {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "egov.db")
	if engine == db.Postgres {
		raw = dbtest.PostgresURL(t)
	}
	var pools [2]*db.DB
	for i := range pools {
		d, err := db.Open(context.Background(), raw, db.Options{})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(context.Background(), schema(), nil); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		pools[i] = d
	}
	return pools[0], pools[1]
}

func TestConcurrentAppendsFormOneChain(t *testing.T) {
	const workers, each = 8, 25
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			d1, d2 := openTwice(t, engine)
			c := clock.NewManual(startTime())
			logs := []*Log{New(d1, c), New(d2, c)}
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						// Half the appends join a business transaction.
						l := logs[(w+i)%2]
						r := Record{Actor: fmt.Sprintf("worker-%d", w), Action: "test.concurrent", Details: map[string]any{"i": i}}
						if i%2 == 0 {
							errs <- l.Append(context.Background(), r)
							continue
						}
						errs <- l.db.Tx(context.Background(), func(tx *sql.Tx) error {
							return l.Record(context.Background(), tx, r)
						})
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("append: %v", err)
				}
			}
			for i, l := range logs {
				rep := verify(t, l)
				if !rep.OK || rep.Checked != workers*each {
					t.Errorf("pool %d: Verify = %v, want OK with %d", i, rep, workers*each)
				}
			}
			actor := "worker-3"
			got, n, err := logs[0].List(context.Background(), Filter{Actor: &actor, Limit: 1000})
			if err != nil || n != each || len(got) != each {
				t.Errorf("entries of %s: %d (%d listed), %v; want %d", actor, n, len(got), err, each)
			}
		})
	}
}

func TestSourceIsStored(t *testing.T) {
	if got := SourceFrom(context.Background()); got != (Source{}) {
		t.Errorf("SourceFrom(empty) = %+v, want zero", got)
	}
	tests := []struct {
		name string
		in   Source
		want Source
	}{
		{
			name: "plain",
			in:   Source{IP: "2001:db8::1", RequestID: "01J0000000", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"},
			want: Source{IP: "2001:db8::1", RequestID: "01J0000000", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"},
		},
		{
			name: "control characters dropped and bad UTF-8 replaced",
			in:   Source{IP: "10.0.0.1\x00", RequestID: "r1\r\nforged: yes", UserAgent: "bad\xffagent\x7f"},
			want: Source{IP: "10.0.0.1", RequestID: "r1forged: yes", UserAgent: "bad\uFFFDagent"},
		},
		{
			name: "long values cut on a character boundary",
			in:   Source{UserAgent: "a" + strings.Repeat("ў", 600)},
			want: Source{UserAgent: "a" + strings.Repeat("ў", 255)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SourceFrom(WithSource(context.Background(), tt.in)); got != tt.in {
				t.Errorf("SourceFrom(WithSource(s)) = %+v, want %+v", got, tt.in)
			}
			dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
				ctx := WithSource(context.Background(), tt.in)
				l := New(d, clock.NewManual(startTime()))
				if err := l.Append(ctx, Record{Action: "identity.login.failed", Details: map[string]any{"login": "nobody"}}); err != nil {
					t.Fatalf("Append: %v", err)
				}
				got, _, err := l.List(ctx, Filter{})
				if err != nil || len(got) != 1 {
					t.Fatalf("List: %v, %v", got, err)
				}
				if got[0].Source != tt.want {
					t.Errorf("stored source = %+v, want %+v", got[0].Source, tt.want)
				}
				if rep := verify(t, l); !rep.OK {
					t.Errorf("Verify = %v", rep)
				}
			})
		})
	}
}

func TestRecordValidation(t *testing.T) {
	tests := []struct {
		name  string
		r     Record
		field string
	}{
		{name: "no action", r: Record{Actor: "u1"}, field: "action"},
		{name: "action with capitals", r: Record{Action: "Identity.Login"}, field: "action"},
		{name: "action with spaces", r: Record{Action: "identity login"}, field: "action"},
		{name: "action too long", r: Record{Action: strings.Repeat("a", maxAction+1)}, field: "action"},
		{name: "actor too long", r: Record{Action: "x", Actor: strings.Repeat("a", maxActor+1)}, field: "actor"},
		{name: "actor with newline", r: Record{Action: "x", Actor: "u1\nsystem"}, field: "actor"},
		{name: "object type not UTF-8", r: Record{Action: "x", ObjectType: "\xff"}, field: "object_type"},
		{name: "object ID with NUL", r: Record{Action: "x", ObjectID: "a\x00b"}, field: "object_id"},
		{name: "details not JSON", r: Record{Action: "x", Details: map[string]any{"f": func() {}}}, field: "details"},
		{name: "details too big", r: Record{Action: "x", Details: map[string]any{"blob": strings.Repeat("a", maxDetails)}}, field: "details"},
	}
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d, clock.NewManual(startTime()))
		for _, tt := range tests {
			for _, op := range []struct {
				name string
				run  func(Record) error
			}{
				{"Append", func(r Record) error { return l.Append(ctx, r) }},
				{"Record", func(r Record) error {
					return d.Tx(ctx, func(tx *sql.Tx) error { return l.Record(ctx, tx, r) })
				}},
			} {
				err := op.run(tt.r)
				e := apperr.As(err)
				if e == nil || e.Code != apperr.EINVALID || e.Fields[tt.field] == "" {
					t.Errorf("%s: %s = %v, want invalid %s", tt.name, op.name, err, tt.field)
				}
			}
		}
		if _, n, err := l.List(ctx, Filter{}); err != nil || n != 0 {
			t.Errorf("after invalid records: %d entries, %v; want 0", n, err)
		}
		if err := l.Append(ctx, Record{Actor: System, Action: "platform.started"}); err != nil {
			t.Errorf("valid record: %v", err)
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(startTime())
		l := New(d, c)
		seed(t, l, c, 12) // actors user-0, user-1, user-2 in turn; object thing-i

		all, n, err := l.List(ctx, Filter{})
		if err != nil || n != 12 || len(all) != 12 {
			t.Fatalf("List all: %d (%d listed), %v", n, len(all), err)
		}
		for i, e := range all {
			if e.Seq != int64(12-i) {
				t.Fatalf("entry %d has seq %d, want newest first", i, e.Seq)
			}
		}
		e := all[11]
		if e.Actor != "user-0" || e.Action != "test.thing.changed" || e.ObjectType != "thing" || e.ObjectID != "thing-0" ||
			!e.At.Equal(startTime().Truncate(time.Microsecond)) || e.At.Location() != time.UTC || e.PrevHash != genesisHash || len(e.Hash) != 64 || e.ID == "" {
			t.Errorf("first entry = %+v", e)
		}
		if e.Details["i"] != json.Number("0") || e.Details["note"] != "naïve <b>&</b>" {
			t.Errorf("details = %#v", e.Details)
		}
		if all[10].PrevHash != e.Hash {
			t.Errorf("entry 2 links to %s, want %s", all[10].PrevHash, e.Hash)
		}

		str := func(s string) *string { return &s }
		tests := []struct {
			name  string
			f     Filter
			seqs  []int64
			total int
		}{
			{name: "actor", f: Filter{Actor: str("user-1")}, seqs: []int64{11, 8, 5, 2}, total: 4},
			{name: "object", f: Filter{ObjectType: str("thing"), ObjectID: str("thing-4")}, seqs: []int64{5}, total: 1},
			{name: "actor and object", f: Filter{Actor: str("user-1"), ObjectID: str("thing-4")}, seqs: []int64{5}, total: 1},
			{name: "no match", f: Filter{ObjectType: str("person")}, seqs: []int64{}, total: 0},
			{name: "page", f: Filter{Limit: 3, Offset: 2}, seqs: []int64{10, 9, 8}, total: 12},
			{name: "page of actor", f: Filter{Actor: str("user-0"), Limit: 2, Offset: 1}, seqs: []int64{7, 4}, total: 4},
			{name: "past the end", f: Filter{Offset: 20}, seqs: []int64{}, total: 12},
		}
		for _, tt := range tests {
			got, total, err := l.List(ctx, tt.f)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			seqs := []int64{}
			for _, e := range got {
				seqs = append(seqs, e.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(tt.seqs) || total != tt.total {
				t.Errorf("%s: seqs %v total %d, want %v total %d", tt.name, seqs, total, tt.seqs, tt.total)
			}
		}
		for _, f := range []Filter{{Limit: -1}, {Offset: -1}} {
			if _, _, err := l.List(ctx, f); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("List(%+v) = %v, want invalid", f, err)
			}
		}
	})
}

func TestHashEncoding(t *testing.T) {
	base := row{
		seq: 42, id: "01900000-0000-7000-8000-000000000000", at: time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC),
		actor: "u1", action: "identity.login", objectType: "user", objectID: "u1",
		ip: "192.0.2.1", requestID: "r1", userAgent: "ua", details: `{"a":1}`, prevHash: genesisHash,
	}
	var h hasher
	// The value pins the encoding: existing logs must keep verifying, so a
	// change here needs a new hashDomain, not a new expected value.
	if got, want := string(h.sum(&base)), "67ce0b0bd944a256c4daee39c7f213f26e58bb7da4fc2300e7b663c8b04be7cd"; got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
	// Moving bytes from one field to the next, or changing the time's
	// zone, must change the hash.
	variants := []func(r *row){
		func(r *row) { r.actor, r.action = "u", "1identity.login" },
		func(r *row) { r.objectType, r.objectID = "useru", "1" },
		func(r *row) { r.seq = 43 },
		func(r *row) { r.at = r.at.Add(time.Microsecond) },
		func(r *row) { r.details = `{"a": 1}` },
		func(r *row) { r.prevHash = strings.Repeat("1", 64) },
		func(r *row) { r.userAgent = "ub" },
	}
	seen := map[string]bool{string(h.sum(&base)): true}
	for i, change := range variants {
		r := base
		change(&r)
		sum := string(h.sum(&r))
		if seen[sum] {
			t.Errorf("variant %d hashes like an earlier one", i)
		}
		seen[sum] = true
	}
	tashkent := base
	tashkent.at = base.at.In(time.FixedZone("UZT", 5*3600))
	if string(h.sum(&tashkent)) != string(h.sum(&base)) {
		t.Error("the same instant in another zone hashes differently")
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct {
		in   map[string]any
		want string
	}{
		{in: nil, want: `{}`},
		{in: map[string]any{}, want: `{}`},
		{in: map[string]any{"b": 1, "a": map[string]any{"d": "<x>", "c": []any{2.5, nil}}}, want: `{"a":{"c":[2.5,null],"d":"<x>"},"b":1}`},
	}
	for _, tt := range tests {
		got, err := canonicalJSON(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("canonicalJSON(%v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestReportString(t *testing.T) {
	tests := []struct {
		r    Report
		want string
	}{
		{Report{OK: true, Checked: 3}, "audit log OK: 3 entries verified"},
		{Report{OK: true, Checked: 1}, "audit log OK: 1 entry verified"},
		{Report{}, "audit log not verified"},
		{
			Report{Checked: 4, Problem: &Problem{Seq: 5, Kind: KindDeleted, Detail: "entry 5 is missing: entry 6 does not link to entry 4"}},
			"audit log BROKEN at seq 5 (deleted): entry 5 is missing: entry 6 does not link to entry 4; 4 entries verified before it",
		},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
