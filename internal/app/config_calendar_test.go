package app

import (
	"testing"
	"time"
)

func TestConfiguredWorkingDays(t *testing.T) {
	loc := time.FixedZone("UZT", 5*60*60)
	cfg := Defaults()
	// Ramazon hayit 2027 on Saturday 20 March with Monday 22 March off in
	// its place, and Saturday 27 March worked instead.
	cfg.Holidays = "2027-03-22"
	cfg.WorkingDays = "2027-03-27"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cal := cfg.calendar(loc)
	friday := time.Date(2027, 3, 19, 10, 0, 0, 0, loc)
	// Fri → (Sat, Sun off, Mon 22 declared off, Tue 23 works) … 2 working
	// days later is Wednesday 24 March.
	if got := cal.AddWorkingDays(friday, 2); got.Day() != 24 {
		t.Errorf("two working days after Friday 19 March: %s", got.Format(time.DateOnly))
	}
	if !cal.IsWorkingDay(time.Date(2027, 3, 27, 10, 0, 0, 0, loc)) {
		t.Error("the transferred Saturday is not a working day")
	}
	cfg.Holidays = "2027-13-01"
	if err := cfg.Validate(); err == nil {
		t.Error("a month 13 holiday was accepted")
	}
}
