package strategy

import "testing"

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Name
		ok   bool
	}{
		{"loop", Loop, true}, {"POOL", Pool, true}, {"Sequential", Sequential, true},
		{"", "", false}, {"threads", "", false}, {"loops", "", false},
	} {
		got, err := Parse(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	want := map[Name]int{Sequential: 1, Pool: 30, Loop: 5}
	for _, n := range All {
		if got := n.DefaultConcurrency(); got != want[n] {
			t.Errorf("%s.DefaultConcurrency() = %d; want %d", n, got, want[n])
		}
		if got := n.IgnoresM(); got != (n == Sequential) {
			t.Errorf("%s.IgnoresM() = %v", n, got)
		}
	}
	if List() != "sequential, pool, loop" {
		t.Errorf("List() = %q", List())
	}
}
