package dataset

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"flagsuite/common/countries"
)

// realZip is the book's data set, relative to this package's folder.
const realZip = "../../../shared/data/flags.zip"

func TestEmbeddedIsAValidFS(t *testing.T) {
	t.Parallel()
	if err := fstest.TestFS(Embedded(), "ad/ad.gif", "ad/metadata.json", "br/br.gif", "zw/metadata.json"); err != nil {
		t.Fatal(err)
	}
}

func TestEmbeddedCodes(t *testing.T) {
	t.Parallel()
	got, err := Codes(Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, cc := range countries.All() {
		want = append(want, strings.ToLower(cc))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Codes(Embedded()) = %d codes %v…; want the %d of countries.All", len(got), got[:min(3, len(got))], len(want))
	}
}

// TestEmbeddedGIFs checks what clients rely on: every image decodes, no two
// are alike, and the sizes spread like the real set's (SPEC §3).
func TestEmbeddedGIFs(t *testing.T) {
	t.Parallel()
	fsys := Embedded()
	codes, _ := Codes(fsys)
	seen := map[string]string{}   // file contents → code
	pixels := map[string]string{} // decoded pixels → code
	total, smallest, largest := 0, 1<<30, 0
	for _, cc := range codes {
		data, err := fs.ReadFile(fsys, cc+"/"+cc+".gif")
		if err != nil {
			t.Fatal(err)
		}
		img, err := gif.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: gif.Decode: %v", cc, err)
			continue
		}
		if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 {
			t.Errorf("%s: %v; want a flag about 500 pixels wide", cc, b)
		}
		if other, dup := seen[string(data)]; dup {
			t.Errorf("%s.gif is byte-identical to %s.gif", cc, other)
		}
		seen[string(data)] = cc
		// Distinct bytes could still decode to the same picture; compare
		// pixels and colours too.
		p := img.(*image.Paletted)
		key := fmt.Sprint(p.Palette) + string(p.Pix)
		if other, dup := pixels[key]; dup {
			t.Errorf("%s.gif looks the same as %s.gif", cc, other)
		}
		pixels[key] = cc
		total += len(data)
		smallest, largest = min(smallest, len(data)), max(largest, len(data))
	}
	mean := total / len(codes)
	t.Logf("%d GIFs: min %d, mean %d, max %d bytes; %d in all", len(codes), smallest, mean, largest, total)
	if smallest < 5000 || largest > 40000 {
		t.Errorf("sizes %d…%d bytes; want all within 5–40 KB", smallest, largest)
	}
	if mean < 11000 || mean > 13000 {
		t.Errorf("mean size %d bytes; want about 12 KB", mean)
	}
}

func TestEmbeddedMetadata(t *testing.T) {
	t.Parallel()
	fsys := Embedded()
	tests := []struct{ cc, want string }{
		{"ad", `{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra", "gec_cc": "AN"}`},
		{"ci", `{"tld_cc": ".ci", "iso_cc": "CI", "country": "C\u00f4te d'Ivoire", "gec_cc": "IV"}`},
	}
	for _, tt := range tests {
		got, err := fs.ReadFile(fsys, tt.cc+"/metadata.json")
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%s/metadata.json = %s; want %s", tt.cc, got, tt.want)
		}
	}
	codes, _ := Codes(fsys)
	for _, cc := range codes {
		data, _ := fs.ReadFile(fsys, cc+"/metadata.json")
		var m Metadata
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s/metadata.json: %v", cc, err)
		}
		c, _ := countries.Lookup(strings.ToUpper(cc))
		if want := (Metadata{TLD: c.TLD, ISO: c.ISO, Country: c.Name, GEC: c.GEC}); m != want {
			t.Errorf("%s/metadata.json decodes to %+v; want %+v", cc, m, want)
		}
	}
}

func TestEncodeMetadataEscapes(t *testing.T) {
	t.Parallel()
	got := string(encodeMetadata(Metadata{TLD: `"q"`, ISO: `a\b`, Country: "\t😀", GEC: "ü"}))
	want := `{"tld_cc": "\"q\"", "iso_cc": "a\\b", "country": "\u0009\ud83d\ude00", "gec_cc": "\u00fc"}`
	if got != want {
		t.Errorf("encodeMetadata = %s; want %s", got, want)
	}
	var m Metadata
	if err := json.Unmarshal([]byte(got), &m); err != nil || m.Country != "\t😀" || m.GEC != "ü" {
		t.Errorf("json.Unmarshal(%s) = %+v, %v; want the original strings", got, m, err)
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, cc := range []string{"br", "zw", "xz"} {
		a, b := generate(cc, 12000), generate(cc, 12000)
		if !bytes.Equal(a, b) {
			t.Errorf("generate(%q) gave two different images", cc)
		}
	}
}

func TestGIF(t *testing.T) {
	t.Parallel()
	br, _ := fs.ReadFile(Embedded(), "br/br.gif")
	tests := []struct {
		cc      string
		want    []byte // nil: only check that it decodes
		wantNil bool
	}{
		{cc: "br", want: br},
		{cc: "BR", want: br},
		{cc: "xz"}, // not one of the 194: drawn the same way
		{cc: "b", wantNil: true},
		{cc: "b1", wantNil: true},
		{cc: "bra", wantNil: true},
	}
	for _, tt := range tests {
		got := GIF(tt.cc)
		switch {
		case tt.wantNil:
			if got != nil {
				t.Errorf("GIF(%q) = %d bytes; want nil", tt.cc, len(got))
			}
		case tt.want != nil && !bytes.Equal(got, tt.want):
			t.Errorf("GIF(%q) differs from Embedded's br/br.gif", tt.cc)
		default:
			if _, err := gif.Decode(bytes.NewReader(got)); err != nil {
				t.Errorf("GIF(%q): gif.Decode: %v", tt.cc, err)
			}
		}
	}
	// The caller owns the result.
	a := GIF("br")
	a[0] = 'X'
	if b := GIF("br"); b[0] != 'G' {
		t.Error("changing GIF's result changed the embedded set")
	}
}

// TestGenerationIsFast keeps start-up snappy: the whole set is built before
// the first answer. It times a fresh build, not the cached one; the bound is
// loose so that a busy machine does not fail it, the log shows the real time.
// BenchmarkGeneration times generating the whole embedded set, which the
// in-process servers do once per process (it should stay well under a
// second on 2 cores).
func BenchmarkGeneration(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		build()
	}
}

func TestCodes(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"br/br.gif":    {},
		"ad/ad.gif":    {},
		"BR/BR.gif":    {}, // upper case: not a code folder
		"abc/abc.gif":  {},
		"readme.txt":   {},
		"b1/b1.gif":    {},
		"zz/other.txt": {},
	}
	got, err := Codes(fsys)
	if want := []string{"ad", "br", "zz"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Codes = %v, %v; want %v, nil", got, err, want)
	}
}

func TestOpenZip(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(realZip); err != nil {
		t.Skipf("real data set not present (%v); skipping", err)
	}
	fsys, closer, err := Open(realZip)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	codes, err := Codes(fsys)
	if err != nil || len(codes) != 194 {
		t.Fatalf("Codes(Open(flags.zip)) = %d codes, %v; want 194", len(codes), err)
	}
	z, err := zip.OpenReader(realZip)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, name := range []string{"br/br.gif", "ad/metadata.json"} {
		got, err := fs.ReadFile(fsys, name)
		want, _ := fs.ReadFile(z, "flags/"+name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v; want the zip's %d bytes", name, len(got), err, len(want))
		}
	}
}

func TestOpenFolder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string // created under the temporary folder
		probe string   // a file the opened FS must hold
	}{
		{"codes at the root", []string{"br/br.gif", "br/metadata.json"}, "br/br.gif"},
		{"codes one level down", []string{"flags/br/br.gif", "readme.txt"}, "br/br.gif"},
		{"codes two levels down", []string{"data/flags/ad/ad.gif", "data/other/x.txt"}, "ad/ad.gif"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, filepath.FromSlash(f))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fsys, closer, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer closer.Close()
			if _, err := fs.Stat(fsys, tt.probe); err != nil {
				t.Errorf("Stat(%q) = %v; want the file", tt.probe, err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notZip := filepath.Join(dir, "notes.txt")
	os.WriteFile(notZip, []byte("hello"), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing"), "no such file"},
		{notZip, "not a folder or a zip archive"},
		{empty, "no code folders"},
	}
	for _, tt := range tests {
		fsys, closer, err := Open(tt.path)
		if err == nil {
			closer.Close()
			t.Errorf("Open(%q) = %v, nil; want an error", tt.path, fsys)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q) error = %q; want one line with %q", tt.path, err, tt.want)
		}
	}
	if _, _, err := Open(empty); !errors.Is(err, errNoCodes) {
		t.Errorf("Open(empty folder) error = %v; want errNoCodes", err)
	}
}

// TestOpenFolderKeepsLinksInside: a data folder is served through os.Root,
// so a symbolic link cannot expose a file outside it.
func TestOpenFolderKeepsLinksInside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("secret"), 0o644)
	data := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(data, "br"), 0o755)
	os.WriteFile(filepath.Join(data, "br", "br.gif"), []byte("GIF89a"), 0o644)
	os.Mkdir(filepath.Join(data, "ad"), 0o755)
	if err := os.Symlink(secret, filepath.Join(data, "ad", "ad.gif")); err != nil {
		t.Skipf("cannot make a symbolic link: %v", err)
	}
	fsys, closer, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	if got, err := fs.ReadFile(fsys, "ad/ad.gif"); err == nil {
		t.Errorf("ReadFile(ad/ad.gif → ../secret.txt) = %q; want an error", got)
	}
}
