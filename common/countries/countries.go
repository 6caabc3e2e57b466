// Package countries holds the country codes the flag downloaders know about:
// the 194 codes of the "all available flags" list with their names, the 20
// most populous countries used when no code is given, and the 676 two-letter
// combinations AA…ZZ.
package countries

import (
	"slices"
	"sort"
)

// Country is one entry of the embedded list. The names are ISO 3166-1 common
// names; the real Factbook data set words a few of them differently.
type Country struct {
	ISO  string // ISO 3166-1 alpha-2 code, upper case: "AD"
	Name string // "Andorra"
	GEC  string // CIA World Factbook (GEC) code: "AN"
	TLD  string // country-code top-level domain: ".ad"
}

// Default is the list used when no codes are given: the 20 most populous
// countries, in the book's order.
var Default = []string{
	"CN", "IN", "US", "ID", "BR", "PK", "NG", "BD", "RU", "JP",
	"MX", "PH", "VN", "ET", "EG", "DE", "IR", "TR", "CD", "FR",
}

// All returns the 194 codes of the embedded list, sorted. The caller owns the
// returned slice.
func All() []string {
	codes := make([]string, len(table))
	for i, c := range table {
		codes[i] = c.ISO
	}
	return codes
}

// Every returns the 676 codes AA…ZZ, sorted.
func Every() []string {
	codes := make([]string, 0, 26*26)
	for a := 'A'; a <= 'Z'; a++ {
		codes = append(codes, Letter(a)...)
	}
	return codes
}

// Letter returns the 26 codes that start with the upper-case letter a:
// Letter('B') is BA…BZ.
func Letter(a rune) []string {
	codes := make([]string, 0, 26)
	for b := 'A'; b <= 'Z'; b++ {
		codes = append(codes, string([]rune{a, b}))
	}
	return codes
}

// Lookup returns the country for an upper-case ISO code.
func Lookup(cc string) (Country, bool) {
	i := sort.Search(len(table), func(i int) bool { return table[i].ISO >= cc })
	if i < len(table) && table[i].ISO == cc {
		return table[i], true
	}
	return Country{}, false
}

// Name returns the country name for an upper-case ISO code, or "" when the
// code is not in the embedded list.
func Name(cc string) string {
	c, _ := Lookup(cc)
	return c.Name
}

// Known reports whether cc is one of the 194 codes of the embedded list.
func Known(cc string) bool {
	_, ok := Lookup(cc)
	return ok
}

// sorted reports whether the embedded table is in code order; Lookup relies on it.
func sorted() bool {
	return slices.IsSortedFunc(table[:], func(a, b Country) int {
		if a.ISO < b.ISO {
			return -1
		}
		if a.ISO > b.ISO {
			return 1
		}
		return 0
	})
}
