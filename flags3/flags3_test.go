package main

import (
	"context"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"flagsuite/common/flagdata"
	"flagsuite/common/report"
	"flagsuite/testserver/clienttest"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

// metadataName returns the file name flags3 should give a code: the
// country of the metadata data serves, spaces as underscores, then -CC.gif.
func metadataName(t *testing.T, data fs.FS) func(report.JSONResult) string {
	return func(r report.JSONResult) string {
		lc := strings.ToLower(r.CC)
		meta, err := fs.ReadFile(data, lc+"/metadata.json")
		if err != nil {
			t.Fatal(err)
		}
		m, err := flagdata.DecodeMetadata(meta, r.CC)
		if err != nil {
			t.Fatal(err)
		}
		if r.Country != m.Country {
			t.Errorf("%s: country %q; want %q", r.CC, r.Country, m.Country)
		}
		return strings.ReplaceAll(m.Country, " ", "_") + "-" + r.CC + ".gif"
	}
}

func TestAllFromLocal(t *testing.T) {
	t.Parallel()
	base := clienttest.Serve(t, site.New(site.Config{}))
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-a", "-m", "20", "--strategy", strategy, "-s", base, "--dest", dest)
			if code != 0 || rep.OK != 194 {
				t.Fatalf("exit %d, ok %d; want 0, 194\n%s", code, rep.OK, stderr)
			}
			clienttest.CheckRun(t, rep, dest, dataset.Embedded(), metadataName(t, dataset.Embedded()))
		})
	}
}

func TestErrorServerTally(t *testing.T) {
	t.Parallel()
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			s := site.New(site.Config{Mode: site.Error, ErrorDelay: -1, Seed: 11, Seeded: true})
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-e", "-m", "100", "--strategy", strategy, "-s", clienttest.Serve(t, s), "--dest", dest)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			clienttest.CheckRun(t, rep, dest, dataset.Embedded(), metadataName(t, dataset.Embedded()))
			// A code is an error if either of its requests failed, so there are
			// at most as many errors as injected failures, and some of them.
			if injected := s.Stats().InjectedErrors; rep.Errors == 0 || int64(rep.Errors) > injected {
				t.Errorf("errors %d, injected %d; want 0 < errors <= injected", rep.Errors, injected)
			}
		})
	}
}

func TestRealDataSet(t *testing.T) {
	t.Parallel()
	data := clienttest.RealData(t)
	base := clienttest.Serve(t, site.New(site.Config{Data: data}))
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			dest := t.TempDir()
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "-a", "-m", "30", "--strategy", strategy, "-s", base, "--dest", dest)
			if code != 0 || rep.OK != 194 {
				t.Fatalf("exit %d, ok %d; want 0, 194\n%s", code, rep.OK, stderr)
			}
			clienttest.CheckRun(t, rep, dest, data, metadataName(t, data))
		})
	}
}

// TestSemaphoreCountsRequests watches the server's own in-flight counter:
// -m bounds requests, not codes, and with -m 1 the two requests of a code
// are never in flight together.
func TestSemaphoreCountsRequests(t *testing.T) {
	t.Parallel()
	for _, strategy := range clienttest.Strategies() {
		for _, m := range []int{1, 3} {
			s := site.New(site.Config{Mode: site.Delay, MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond})
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "B", "-m", strconv.Itoa(m), "--strategy", strategy,
				"-s", clienttest.Serve(t, s), "--dest", t.TempDir())
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			st := s.Stats()
			if st.MaxInFlight > int64(m) {
				t.Errorf("%s -m %d: %d requests in flight at once; want at most %d", strategy, m, st.MaxInFlight, m)
			}
			if want := int64(rep.OK*2 + rep.NotFound); st.Requests < want {
				t.Errorf("%s -m %d: server saw %d requests; want at least %d", strategy, m, st.Requests, want)
			}
		}
	}
}

// TestMetadataProblems serves good images with bad metadata.
func TestMetadataProblems(t *testing.T) {
	t.Parallel()
	image, err := fs.ReadFile(dataset.Embedded(), "br/br.gif")
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{
		"ad": `{"iso_cc": "AD", "country": "../../escape"}`,
		"br": `{"iso_cc": "BR", "country": "Brazil"}`,
		"cn": `not json`,
		"de": `{"iso_cc": "DE", "country": ""}`,
		"fr": `{"iso_cc": "XX", "country": "France"}`,
		// "in" has no metadata: 404
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/flags/"), "/")
		if len(parts) != 2 {
			http.NotFound(w, r)
			return
		}
		if parts[1] == "metadata.json" {
			if m, ok := meta[parts[0]]; ok {
				w.Write([]byte(m))
				return
			}
			http.NotFound(w, r)
			return
		}
		w.Write(image)
	})
	base := clienttest.Serve(t, h)
	for _, strategy := range clienttest.Strategies() {
		t.Run(strategy, func(t *testing.T) {
			root := t.TempDir()
			dest := filepath.Join(root, "a", "b")
			code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "AD", "BR", "CN", "DE", "FR", "IN", "--strategy", strategy,
				"-s", base, "--dest", dest)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			got := map[string]string{}
			for _, r := range rep.Results {
				got[r.CC] = r.Status + " " + r.File + r.Error
			}
			want := map[string]string{
				"AD": "ok __.._escape-AD.gif",
				"BR": "ok Brazil-BR.gif",
				"CN": "error bad metadata: not valid JSON",
				"DE": "error bad metadata: no country name",
				"FR": `error bad metadata: iso_cc "XX" does not match FR`,
				"IN": "not_found not found: " + base + "/in/metadata.json",
			}
			for cc, w := range want {
				if !strings.HasPrefix(got[cc], w) {
					t.Errorf("%s: %q; want %q", cc, got[cc], w)
				}
			}
			var all []string
			filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if !d.IsDir() {
					all = append(all, strings.TrimPrefix(path, root))
				}
				return nil
			})
			slices.Sort(all)
			if wantFiles := []string{"/a/b/Brazil-BR.gif", "/a/b/__.._escape-AD.gif"}; !slices.Equal(all, wantFiles) {
				t.Errorf("files = %v; want %v", all, wantFiles)
			}
		})
	}
}

// TestOneRoundTrip is the README's promise measured: under loop, "flags3 BR
// -m 2" sends the image and metadata requests together, so against a server
// that holds every GET 1 s the code takes one round trip, not two. The run's
// own elapsed_s must stay under two waits, and the server must have seen both
// requests in flight at once.
func TestOneRoundTrip(t *testing.T) {
	t.Parallel()
	const wait = time.Second
	s := site.New(site.Config{Mode: site.Delay, MinDelay: wait, MaxDelay: wait})
	code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, "BR", "-m", "2", "-s", clienttest.Serve(t, s), "--dest", t.TempDir())
	if code != 0 || rep.OK != 1 {
		t.Fatalf("exit %d, ok %d; want 0, 1\n%s", code, rep.OK, stderr)
	}
	if rep.Concurrency != 2 {
		t.Errorf("concurrency %d; want 2: -m counts requests, and BR makes two", rep.Concurrency)
	}
	if peak := s.Stats().MaxInFlight; peak != 2 {
		t.Errorf("peak in flight at the server = %d; want 2, both requests at once", peak)
	}
	if elapsed := time.Duration(rep.ElapsedS * float64(time.Second)); elapsed >= 2*wait {
		t.Errorf("elapsed_s = %.3f; want under two round trips of %s", rep.ElapsedS, wait)
	}
}

// TestOrder counts the requests each --order sends for one code that exists
// and one that does not: parallel asks for the missing code's metadata too,
// book does not; both report the same outcome.
func TestOrder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want int64
	}{
		{[]string{"--order", "parallel"}, 4},
		{nil, 4}, // parallel is the default
		{[]string{"--order", "book"}, 3},
		{[]string{"--order", "parallel", "--strategy", "pool"}, 3}, // a worker always goes in the book's order
	} {
		s := site.New(site.Config{})
		args := append([]string{"BR", "XX", "-m", "4", "-s", clienttest.Serve(t, s), "--dest", t.TempDir()}, tt.args...)
		code, rep, stderr := clienttest.RunJSON(t, context.Background(), family.Run, args...)
		if code != 0 || rep.OK != 1 || rep.NotFound != 1 {
			t.Fatalf("%q: exit %d, ok %d, not found %d; want 0, 1, 1\n%s", tt.args, code, rep.OK, rep.NotFound, stderr)
		}
		if got := s.Stats().Requests; got != tt.want {
			t.Errorf("%q: the server got %d requests; want %d", tt.args, got, tt.want)
		}
	}
}
