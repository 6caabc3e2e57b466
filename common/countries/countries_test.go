package countries

import (
	"archive/zip"
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTableIsSortedAndComplete(t *testing.T) {
	if !sorted() {
		t.Fatal("table is not sorted by ISO code; Lookup needs it sorted")
	}
	if got := len(All()); got != 194 {
		t.Fatalf("len(All()) = %d; want 194", got)
	}
	for _, c := range table {
		if len(c.ISO) != 2 || c.Name == "" || len(c.GEC) != 2 || !strings.HasPrefix(c.TLD, ".") {
			t.Errorf("incomplete entry %+v", c)
		}
	}
}

func TestDefaultCodesAreKnown(t *testing.T) {
	if len(Default) != 20 {
		t.Fatalf("len(Default) = %d; want 20", len(Default))
	}
	for _, cc := range Default {
		if !Known(cc) {
			t.Errorf("Known(%q) = false; want true", cc)
		}
	}
}

func TestEvery(t *testing.T) {
	e := Every()
	if len(e) != 676 || e[0] != "AA" || e[675] != "ZZ" || !slices.IsSorted(e) {
		t.Fatalf("Every() = %d codes from %s to %s; want 676 sorted AA…ZZ", len(e), e[0], e[len(e)-1])
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		cc, name string
		ok       bool
	}{
		{"AD", "Andorra", true},
		{"BR", "Brazil", true},
		{"ZW", "Zimbabwe", true},
		{"XZ", "", false},
		{"br", "", false},
	}
	for _, tt := range tests {
		c, ok := Lookup(tt.cc)
		if ok != tt.ok || c.Name != tt.name {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.cc, c.Name, ok, tt.name, tt.ok)
		}
	}
}

// TestAgainstRealDataSet checks the typed-in facts (codes, GEC and TLD) against
// the real Factbook metadata when ../shared/data/flags.zip is present.
func TestAgainstRealDataSet(t *testing.T) {
	const path = "../../../shared/data/flags.zip"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("real data set not present (%v); skipping", err)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, c := range table {
		data, err := fs.ReadFile(z, "flags/"+strings.ToLower(c.ISO)+"/metadata.json")
		if err != nil {
			t.Errorf("%s: %v", c.ISO, err)
			continue
		}
		var m struct{ TLD, ISO, GEC string }
		var raw map[string]string
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Errorf("%s: %v", c.ISO, err)
			continue
		}
		m.TLD, m.ISO, m.GEC = raw["tld_cc"], raw["iso_cc"], raw["gec_cc"]
		if m.ISO != c.ISO || m.GEC != c.GEC || m.TLD != c.TLD {
			t.Errorf("%s: real metadata %+v; table has %+v", c.ISO, m, c)
		}
	}
}
