package servers

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		in        string
		label     string
		base      string
		wantError bool
	}{
		{"LOCAL", "LOCAL", "http://localhost:8000/flags", false},
		{"local", "LOCAL", "http://localhost:8000/flags", false},
		{"Delay", "DELAY", "http://localhost:8001/flags", false},
		{"error", "ERROR", "http://localhost:8002/flags", false},
		{"remote", "REMOTE", "https://www.fluentpython.com/data/flags", false},
		{"http://localhost:8002/flags/", "ERROR", "http://localhost:8002/flags", false},
		{"http://127.0.0.1:9000/flags/", "URL", "http://127.0.0.1:9000/flags", false},
		{"HTTPS://example.test/x", "URL", "HTTPS://example.test/x", false},
		{"ftp://x/flags", "", "", true},
		{"nowhere", "", "", true},
		{"http://", "", "", true},
		{"http://:80/flags", "", "", true},
		{"http://h/flags?x=1", "", "", true},
		{"http://h/%zz", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Lookup(tt.in)
			if (err != nil) != tt.wantError {
				t.Fatalf("Lookup(%q) error = %v; want error %v", tt.in, err, tt.wantError)
			}
			if got.Label != tt.label || got.BaseURL != tt.base {
				t.Errorf("Lookup(%q) = %+v; want {%s %s}", tt.in, got, tt.label, tt.base)
			}
		})
	}
}

func TestPort(t *testing.T) {
	for _, tt := range []struct {
		s    Server
		want string
	}{{Local, "8000"}, {Delay, "8001"}, {Error, "8002"}, {Remote, ""}} {
		if got := tt.s.Port(); got != tt.want {
			t.Errorf("%s.Port() = %q; want %q", tt.s.Label, got, tt.want)
		}
	}
}
