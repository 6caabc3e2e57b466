package flagdata

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Metadata is the content of {base}/{cc}/metadata.json:
//
//	{"tld_cc": ".ad", "iso_cc": "AD", "country": "Andorra", "gec_cc": "AN"}
type Metadata struct {
	TLD     string `json:"tld_cc"`
	ISO     string `json:"iso_cc"`
	Country string `json:"country"`
	GEC     string `json:"gec_cc"`
}

// ErrBadMetadata is wrapped by every error of DecodeMetadata.
var ErrBadMetadata = errors.New("bad metadata")

// DecodeMetadata reads the metadata of code cc and checks what a client
// relies on: valid JSON, a non-empty country, and an iso_cc that matches cc.
func DecodeMetadata(body []byte, cc string) (Metadata, error) {
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return Metadata{}, fmt.Errorf("%w: not valid JSON: %v", ErrBadMetadata, err)
	}
	if strings.TrimSpace(m.Country) == "" {
		return Metadata{}, fmt.Errorf("%w: no country name", ErrBadMetadata)
	}
	if !strings.EqualFold(m.ISO, cc) {
		return Metadata{}, fmt.Errorf("%w: iso_cc %q does not match %s", ErrBadMetadata, m.ISO, cc)
	}
	return m, nil
}

// maxNameBytes keeps file names well under the 255-byte limit of common
// file systems, with room for "-CC.gif" and a writer's temporary suffix.
const maxNameBytes = 180

// FileName returns <Country_Name>-<CC>.gif for a country: spaces become
// underscores, and anything unsafe in a file name — path separators, NUL and
// other control characters, invalid UTF-8, characters Windows forbids, a
// leading dot — becomes an underscore, so that no metadata, however hostile,
// names a file outside the destination folder.
func FileName(country, cc string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(strings.TrimSpace(country), "\uFFFD") {
		if b.Len()+utf8.RuneLen(r) > maxNameBytes {
			break
		}
		switch {
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r), !unicode.IsPrint(r),
			strings.ContainsRune(`/\:*?"<>|`, r):
			r = '_'
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name == "" || strings.HasPrefix(name, ".") {
		name = "_" + strings.TrimLeft(name, ".")
	}
	return name + "-" + strings.ToUpper(cc) + ".gif"
}
