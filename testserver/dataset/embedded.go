package dataset

import (
	"cmp"
	"hash/fnv"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"

	"flagsuite/common/countries"
)

// Embedded returns the generated data set: for each of the 194 codes of
// countries.All, "<cc>/<cc>.gif" (see GIF) and "<cc>/metadata.json" with the
// country's names and codes. It is built on first use, in parallel, and the
// same fs.FS is returned every time; it is read-only and safe for
// concurrent use.
func Embedded() fs.FS { return embedded() }

var embedded = sync.OnceValue(build)

// build generates the set, one worker per processor.
func build() *memFS {
	codes := countries.All()
	gifs := make([][]byte, len(codes))
	targets := targets(codes)
	var wg sync.WaitGroup
	next := make(chan int, len(codes))
	for i := range codes {
		next <- i
	}
	close(next)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next { // each worker fills only the slots it takes
				gifs[i] = generate(strings.ToLower(codes[i]), targets[i])
			}
		})
	}
	wg.Wait()
	files := make(map[string][]byte, 2*len(codes))
	for i, cc := range codes {
		c, _ := countries.Lookup(cc)
		lc := strings.ToLower(cc)
		files[lc+"/"+lc+".gif"] = gifs[i]
		files[lc+"/metadata.json"] = encodeMetadata(Metadata{TLD: c.TLD, ISO: c.ISO, Country: c.Name, GEC: c.GEC})
	}
	return newMemFS(files)
}

// targets gives each code a file size. The codes, taken in the order of a
// hash, get evenly spaced quantiles of targetSize, so the set's sizes follow
// the real set's spread exactly rather than by luck, while which country
// gets which size looks arbitrary.
func targets(codes []string) []int {
	order := make([]int, len(codes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(codeHash(codes[a]), codeHash(codes[b])) })
	sizes := make([]int, len(codes))
	for rank, i := range order {
		sizes[i] = targetSize((float64(rank) + 0.5) / float64(len(codes)))
	}
	return sizes
}

func codeHash(cc string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(cc)))
	r := rng(h.Sum64() ^ 0x5eed)
	return r.next()
}

// GIF returns the generated image for a two-letter code, in either case:
// for the 194 codes of the embedded set, a copy of what Embedded serves; for
// other codes, an image drawn the same way. It returns nil when cc is not
// two ASCII letters.
func GIF(cc string) []byte {
	lc := strings.ToLower(cc)
	if !IsCode(lc) {
		return nil
	}
	if countries.Known(strings.ToUpper(lc)) {
		data, _ := embedded().ReadFile(lc + "/" + lc + ".gif")
		return data
	}
	r := rng(codeHash(lc))
	return generate(lc, targetSize(r.unit()))
}
