package autoserve

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"flagsuite/common/servers"
	"flagsuite/testserver/site"
)

// freePort returns a loopback port nothing listens on (any more).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func TestServesWhenNothingListens(t *testing.T) {
	port := freePort(t)
	srv := servers.Server{Label: "LOCAL", BaseURL: "http://localhost:" + port + "/flags"}
	var notice bytes.Buffer
	stop, err := serve(context.Background(), srv, site.Config{}, port, &notice, "flags2")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if got := notice.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, "serving LOCAL in-process") {
		t.Errorf("notice = %q; want one line saying LOCAL is served in-process", got)
	}
	if n := len(strings.TrimSuffix(notice.String(), "\n")); n > 80 {
		t.Errorf("notice is %d columns wide; want it to fit 80", n)
	}
	resp, err := http.Get(srv.BaseURL + "/br/br.gif")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("GIF8")) {
		t.Errorf("GET br.gif = %d, %.6q; want 200 and a GIF", resp.StatusCode, body)
	}

	// Now something listens there: a second client uses it and says nothing.
	var second bytes.Buffer
	stop2, err := serve(context.Background(), srv, site.Config{}, port, &second, "flags2")
	if err != nil {
		t.Fatal(err)
	}
	stop2()
	if second.Len() != 0 {
		t.Errorf("second notice = %q; want none while a server listens", second.String())
	}

	stop()
	if _, err := http.Get(srv.BaseURL + "/br/br.gif"); err == nil {
		t.Error("the server still answers after stop")
	}
}

func TestOnlyDefaultURLs(t *testing.T) {
	for _, srv := range []servers.Server{
		servers.Remote,
		{Label: "URL", BaseURL: "http://127.0.0.1:1/flags"},
		{Label: "LOCAL", BaseURL: "http://localhost:8000/other"},
	} {
		var notice bytes.Buffer
		stop, err := Start(context.Background(), srv, &notice, "flags2")
		stop()
		if err != nil || notice.Len() != 0 {
			t.Errorf("Start(%v) = %v, %q; want nothing done", srv, err, notice.String())
		}
	}
}
