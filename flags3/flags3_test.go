package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"flagsuite/common/cli"
	"flagsuite/common/flagdata"
	"flagsuite/common/report"
	"flagsuite/testserver/dataset"
	"flagsuite/testserver/site"
)

var strategies = []string{"sequential", "pool", "loop"}

func serve(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/flags"
}

func runJSON(t testing.TB, args ...string) (int, report.JSON, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append(args, "--json", "--no-embed"), &stdout, &stderr)
	var rep report.JSON
	if code == cli.ExitOK || code == cli.ExitInterrupted {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("flags3 %q: not a JSON report: %v\n%s", args, err, stdout.String())
		}
	}
	return code, rep, stderr.String()
}

// checkFiles verifies that the files in dest are exactly those the ok results
// name, each byte-identical to the image data serves for its code, and
// named from the metadata data serves.
func checkFiles(t *testing.T, rep report.JSON, dest string, data fs.FS) {
	t.Helper()
	if sum := rep.OK + rep.NotFound + rep.Errors; sum != rep.Requested || len(rep.Results) != rep.Requested {
		t.Errorf("ok %d + not found %d + errors %d = %d; want %d", rep.OK, rep.NotFound, rep.Errors, sum, rep.Requested)
	}
	var want []string
	for _, r := range rep.Results {
		if r.Status != "ok" {
			continue
		}
		lc := strings.ToLower(r.CC)
		meta, err := fs.ReadFile(data, lc+"/metadata.json")
		if err != nil {
			t.Fatal(err)
		}
		m, err := flagdata.DecodeMetadata(meta, r.CC)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.ReplaceAll(m.Country, " ", "_") + "-" + r.CC + ".gif"
		if r.File != name || r.Country != m.Country {
			t.Errorf("%s: file %q, country %q; want %q, %q", r.CC, r.File, r.Country, name, m.Country)
		}
		want = append(want, name)
		image, _ := fs.ReadFile(data, lc+"/"+lc+".gif")
		got, err := os.ReadFile(filepath.Join(dest, name))
		if err != nil || !bytes.Equal(got, image) {
			t.Errorf("%s: %d bytes on disk differ from the %d served (%v)", name, len(got), len(image), err)
		}
	}
	entries, _ := os.ReadDir(dest)
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("dest holds %d files; want the %d the ok results name", len(files), len(want))
	}
}

func TestAllFromLocal(t *testing.T) {
	base := serve(t, site.New(site.Config{}))
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			dest := t.TempDir()
			code, rep, stderr := runJSON(t, "-a", "-m", "20", "--strategy", strategy, "-s", base, "--dest", dest)
			if code != 0 || rep.OK != 194 {
				t.Fatalf("exit %d, ok %d; want 0, 194\n%s", code, rep.OK, stderr)
			}
			checkFiles(t, rep, dest, dataset.Embedded())
		})
	}
}

func TestErrorServerTally(t *testing.T) {
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			s := site.New(site.Config{Mode: site.Error, ErrorDelay: -1, Seed: 11, Seeded: true})
			dest := t.TempDir()
			code, rep, stderr := runJSON(t, "-e", "-m", "100", "--strategy", strategy, "-s", serve(t, s), "--dest", dest)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			checkFiles(t, rep, dest, dataset.Embedded())
			// A code is an error if either of its requests failed, so there are
			// at most as many errors as injected failures, and some of them.
			if injected := s.Stats().InjectedErrors; rep.Errors == 0 || int64(rep.Errors) > injected {
				t.Errorf("errors %d, injected %d; want 0 < errors <= injected", rep.Errors, injected)
			}
		})
	}
}

func TestRealDataSet(t *testing.T) {
	const zipPath = "../../shared/data/flags.zip"
	if _, err := os.Stat(zipPath); err != nil {
		t.Skipf("real data set not present (%v); skipping", err)
	}
	data, closer, err := dataset.Open(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	base := serve(t, site.New(site.Config{Data: data}))
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			dest := t.TempDir()
			code, rep, stderr := runJSON(t, "-a", "-m", "30", "--strategy", strategy, "-s", base, "--dest", dest)
			if code != 0 || rep.OK != 194 {
				t.Fatalf("exit %d, ok %d; want 0, 194\n%s", code, rep.OK, stderr)
			}
			checkFiles(t, rep, dest, data)
		})
	}
}

// TestSemaphoreCountsRequests watches the server's own in-flight counter:
// -m bounds requests, not codes, and with -m 1 the two requests of a code
// are never in flight together.
func TestSemaphoreCountsRequests(t *testing.T) {
	for _, strategy := range strategies {
		for _, m := range []int{1, 3} {
			s := site.New(site.Config{Mode: site.Delay, MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond})
			code, rep, stderr := runJSON(t, "B", "-m", string(rune('0'+m)), "--strategy", strategy,
				"-s", serve(t, s), "--dest", t.TempDir())
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
	base := serve(t, h)
	for _, strategy := range strategies {
		t.Run(strategy, func(t *testing.T) {
			root := t.TempDir()
			dest := filepath.Join(root, "a", "b")
			code, rep, stderr := runJSON(t, "AD", "BR", "CN", "DE", "FR", "IN", "--strategy", strategy,
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
