package behavior

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"flagsuite/chaos/fault"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Item
	}{
		{"", nil},
		{"  ", nil},
		{"25:error,50:delay", []Item{{25, "error"}, {50, "delay"}}},
		{" 25 : error , 50:DELAY ", []Item{{25, "error"}, {50, "delay"}}},
		{"100:delay", []Item{{100, "delay"}}},
		{"0.5:reset,.5:hang", []Item{{.5, "reset"}, {.5, "hang"}}},
		{"10:delay+truncate", []Item{{10, "delay+truncate"}}},
		{"30:limit-data,70:reset_peer", []Item{{30, "limit_data"}, {70, "reset_peer"}}},
		{"0:error", []Item{{0, "error"}}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"60:error,50:delay", "add up to 110, over 100"},
		{"101:error", "over 100"},
		{"25:explode", `unknown behavior "explode"`},
		{"error", "not PERCENT:NAME"},
		{"25:", "has no name"},
		{":error", "bad percentage"},
		{"-5:error", "bad percentage"},
		{"1e1:error", "bad percentage"},
		{"25:error,", "not PERCENT:NAME"},
		{"25:error,,5:delay", "not PERCENT:NAME"},
		{"5:error,5:error", "listed twice"},
		{"1.2.3:error", "bad percentage"},
		{"5:delay+", "has no name"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v; want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestFlagsToConfigs(t *testing.T) {
	t.Parallel()
	fs := pflag.NewFlagSet("chaos", pflag.ContinueOnError)
	opts := AddFlags(fs)
	err := fs.Parse([]string{"--behavior-delay-sleep", ".5", "--behavior-error-status=418", "--behavior-limit-data-bytes", "10"})
	if err != nil {
		t.Fatal(err)
	}
	items, _ := Parse("25:error,50:delay,10:delay+truncate")
	got := Configs(items, opts.Values())
	want := []fault.Config{
		{Name: "error", Percent: 25, Options: map[string]string{"status": "418"}},
		{Name: "delay", Percent: 50, Options: map[string]string{"sleep": ".5"}},
		{Name: "delay+truncate", Percent: 10, Options: map[string]string{"delay.sleep": ".5"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Configs = %+v; want %+v", got, want)
	}
	if _, err := newSet(fault.HTTP, got); err != nil {
		t.Errorf("NewPlan(Configs) = %v", err)
	}
	if got := FormatConfigs(got); got != "25:error,50:delay,10:delay+truncate" {
		t.Errorf("FormatConfigs = %q", got)
	}
}

func TestPrintUsage(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	PrintUsage(&b)
	for _, want := range []string{"--behavior-delay-sleep 1", "--behavior-limit-data-bytes", "reset_peer"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}

// FuzzParse checks the parser never panics and that what it accepts is a
// valid plan that prints back to an equal list.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"25:error,50:delay", "100:delay", "0.5:reset,.5:hang", "10:delay+truncate", "60:error,50:delay", "", "x", "1:", ":1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := Parse(s)
		if err != nil {
			return
		}
		var total float64
		for _, it := range items {
			if it.Percent < 0 || it.Percent > 100 {
				t.Fatalf("Parse(%q) accepted percentage %v", s, it.Percent)
			}
			total += it.Percent
		}
		if total > 100+1e-9 {
			t.Fatalf("Parse(%q) accepted a total of %v", s, total)
		}
		again, err := Parse(Format(items))
		if err != nil || !reflect.DeepEqual(again, items) {
			t.Fatalf("Parse(Format(Parse(%q))) = %v, %v; want %v", s, again, err, items)
		}
		// Names are known, so only the protocol split can refuse a plan.
		for _, p := range []fault.Protocol{fault.HTTP, fault.TCP} {
			if _, err := newSet(p, Configs(items, nil)); err != nil && !strings.Contains(err.Error(), "toxic; this proxy") {
				t.Fatalf("NewPlan(%s, %q) = %v", p, s, err)
			}
		}
	})
}

// newSet builds the toxics a bucket list becomes, as a proxy would.
func newSet(p fault.Protocol, cfgs []fault.Config) (*fault.Set, error) {
	ts, err := fault.Buckets(cfgs)
	if err != nil {
		return nil, err
	}
	return fault.NewSet(p, ts)
}
