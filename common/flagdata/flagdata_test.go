package flagdata

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestURLs(t *testing.T) {
	if got, want := ImageURL("http://h/flags", "BR"), "http://h/flags/br/br.gif"; got != want {
		t.Errorf("ImageURL = %q; want %q", got, want)
	}
	if got, want := MetadataURL("http://h/flags", "BR"), "http://h/flags/br/metadata.json"; got != want {
		t.Errorf("MetadataURL = %q; want %q", got, want)
	}
}

func tinyGIF(t testing.TB) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, 4, 2), color.Palette{color.White, color.Black})
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckGIF(t *testing.T) {
	good := tinyGIF(t)
	tests := []struct {
		name string
		body []byte
		want string // "" for valid
	}{
		{"valid", good, ""},
		{"html", []byte("<html><body>oops</body></html>"), "not a GIF image (30 bytes of text/html"},
		{"empty", nil, "not a GIF image (0 bytes"},
		{"signature only", []byte("GIF89a"), "damaged GIF image"},
		{"cut off", good[:len(good)-1], "incomplete GIF image"},
	}
	for _, tt := range tests {
		err := CheckGIF(tt.body)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: CheckGIF = %v; want %q", tt.name, err, tt.want)
		}
	}
}

func TestDecodeMetadata(t *testing.T) {
	tests := []struct {
		body    string
		country string
		want    string // error part, "" when valid
	}{
		{`{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra", "gec_cc": "AN"}`, "Andorra", ""},
		{`{"iso_cc": "ad", "country": "Andorra"}`, "Andorra", ""},
		{`{"iso_cc": "AD", "country": ""}`, "", "no country name"},
		{`{"iso_cc": "AD", "country": "  "}`, "", "no country name"},
		{`{"iso_cc": "AD"}`, "", "no country name"},
		{`{"iso_cc": "BR", "country": "Brazil"}`, "", `iso_cc "BR" does not match AD`},
		{`{"iso_cc": "AD", "country": 7}`, "", "not valid JSON"},
		{`<html>`, "", "not valid JSON"},
		{``, "", "not valid JSON"},
	}
	for _, tt := range tests {
		m, err := DecodeMetadata([]byte(tt.body), "AD")
		switch {
		case tt.want == "" && (err != nil || m.Country != tt.country):
			t.Errorf("DecodeMetadata(%s) = %+v, %v; want country %q", tt.body, m, err, tt.country)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrBadMetadata)):
			t.Errorf("DecodeMetadata(%s) error = %v; want ErrBadMetadata with %q", tt.body, err, tt.want)
		}
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ country, cc, want string }{
		{"Andorra", "AD", "Andorra-AD.gif"},
		{"United States", "us", "United_States-US.gif"},
		{"Côte d'Ivoire", "CI", "Côte_d'Ivoire-CI.gif"},
		{"../../etc/passwd", "XX", "__.._etc_passwd-XX.gif"},
		{"..", "XX", "_-XX.gif"},
		{".hidden", "XX", "_hidden-XX.gif"},
		{`a\b/c`, "XX", "a_b_c-XX.gif"},
		{"nul\x00x", "XX", "nul_x-XX.gif"},
		{"tab\tnew\nline", "XX", "tab_new_line-XX.gif"},
		{"bad\xffutf8", "XX", "bad_utf8-XX.gif"},
		{"", "XX", "_-XX.gif"},
	}
	for _, tt := range tests {
		if got := FileName(tt.country, tt.cc); got != tt.want {
			t.Errorf("FileName(%q, %q) = %q; want %q", tt.country, tt.cc, got, tt.want)
		}
	}
	if got := FileName(strings.Repeat("é", 500), "XX"); len(got) > 200 || !utf8.ValidString(got) {
		t.Errorf("FileName of a long name = %d bytes, valid UTF-8 %v; want <= 200 and valid", len(got), utf8.ValidString(got))
	}
}

// FuzzFileName checks that no country name maps outside the destination.
func FuzzFileName(f *testing.F) {
	for _, s := range []string{"Andorra", "../x", "/abs", `C:\x`, ".", "..", "a/../../b", "\x00", "\xff"} {
		f.Add(s, "AD")
	}
	f.Fuzz(func(t *testing.T, country, cc string) {
		if len(strings.Trim(strings.ToUpper(cc), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")) != 0 || len(cc) != 2 {
			return // codes come from the command line, which allows only AA…ZZ
		}
		name := FileName(country, cc)
		dest := filepath.Join("dest")
		path := filepath.Join(dest, name)
		if filepath.Dir(path) != dest || filepath.Base(path) != name {
			t.Fatalf("FileName(%q) = %q escapes the folder (%q)", country, name, path)
		}
		if strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\\\x00") || !utf8.ValidString(name) {
			t.Fatalf("FileName(%q) = %q is unsafe", country, name)
		}
		if len(name) > 255 {
			t.Fatalf("FileName(%q) is %d bytes; want <= 255", country, len(name))
		}
	})
}

// FuzzDecodeMetadata checks that decoding never panics and that what it
// accepts always has a country and the right code.
func FuzzDecodeMetadata(f *testing.F) {
	f.Add([]byte(`{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra", "gec_cc": "AN"}`))
	f.Add([]byte(`{"iso_cc": "AD", "country": "../../x"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := DecodeMetadata(body, "AD")
		if err != nil {
			return
		}
		if strings.TrimSpace(m.Country) == "" || !strings.EqualFold(m.ISO, "AD") {
			t.Fatalf("DecodeMetadata(%q) accepted %+v", body, m)
		}
		name := FileName(m.Country, "AD")
		if filepath.Base(filepath.Join("dest", name)) != name {
			t.Fatalf("metadata %q names %q outside the folder", body, name)
		}
	})
}
