package fetch_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"flagsuite/common/fetch"
)

// The tests of this file are about the Client's default transport: the
// pool of keep-alive connections that does each exchange on the caller's
// goroutine (transport.go).

// getSeq makes n Gets of url one after the other and returns the
// connections the client opened and reused.
func getSeq(t *testing.T, c *fetch.Client, url string, n int, want []byte) (opened, reused int64) {
	t.Helper()
	for i := range n {
		resp, err := c.Get(context.Background(), url, nil)
		if err != nil {
			t.Fatalf("Get %d: %v", i, err)
		}
		if resp.Attempts != 1 {
			t.Errorf("Get %d: Attempts = %d; want 1", i, resp.Attempts)
		}
		if !bytes.Equal(resp.Body, want) {
			t.Fatalf("Get %d: body %q; want %q", i, resp.Body, want)
		}
	}
	return c.Conns()
}

// TestTransportKeepsConnections: a body read to its end, whatever its
// framing, leaves its connection for the next request; "Connection: close"
// does not.
func TestTransportKeepsConnections(t *testing.T) {
	flag := bytes.Repeat([]byte("gif"), 5000)
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(flag)
	zw.Close()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantOpened int64
	}{
		{"content-length", func(w http.ResponseWriter, r *http.Request) { w.Write(flag) }, 1},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Write(flag[:100])
			w.(http.Flusher).Flush() // no Content-Length now: chunks
			w.Write(flag[100:])
		}, 1},
		{"gzip", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept-Encoding") != "gzip" {
				http.Error(w, "ask for gzip", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(zipped.Bytes())
		}, 1},
		{"connection close", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			w.Write(flag)
		}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			c := fetch.New(fetch.Config{})
			defer c.CloseIdle()
			opened, reused := getSeq(t, c, srv.URL, 5, flag)
			if opened != tt.wantOpened || opened+reused != 5 {
				t.Errorf("Conns() = %d opened, %d reused; want %d opened of 5", opened, reused, tt.wantOpened)
			}
		})
	}
}

// oneShotServer answers one request per connection, with a keep-alive
// answer, and then closes the connection: what a server does when its idle
// timeout fires just after an answer. It counts the connections it accepts
// and the requests it reads.
func oneShotServer(t *testing.T, body string) (url string, conns, requests *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns, requests = new(atomic.Int64), new(atomic.Int64)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				requests.Add(1)
				req.Body.Close()
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/ad/ad.gif", conns, requests
}

// TestTransportStaleConnection: a pooled connection the server closed while
// it was idle is no failure of the next request. The transport finds it
// closed before any answer came and sends the request again on a new
// connection, within the same attempt, as http.Transport does.
func TestTransportStaleConnection(t *testing.T) {
	url, conns, requests := oneShotServer(t, "flag")
	c := fetch.New(fetch.Config{}) // no retries: the attempt itself must succeed
	defer c.CloseIdle()
	opened, reused := getSeq(t, c, url, 3, []byte("flag"))
	if requests.Load() != 3 || conns.Load() != 3 {
		t.Errorf("server read %d requests on %d connections; want 3 on 3", requests.Load(), conns.Load())
	}
	// The second and third Gets each took a closed connection first.
	if opened != 3 || reused != 2 {
		t.Errorf("Conns() = %d opened, %d reused; want 3 and 2", opened, reused)
	}
}

// TestTransportHeaderLimit: a server that sends headers without end gets an
// error once they pass the limit, not the client's memory, and no retry.
func TestTransportHeaderLimit(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(t, w)
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\n")
		line := "X-Junk: " + strings.Repeat("j", 1000) + "\r\n"
		for range 2000 { // 2 MB of headers, twice the limit
			if _, err := rw.WriteString(line); err != nil {
				return
			}
		}
		rw.Flush()
	}))
	resp, err := fetch.New(fetch.Config{Retries: 2}).Get(context.Background(), srv.URL, nil)
	if err == nil || !strings.Contains(fetch.Describe(err), "response headers longer than") {
		t.Fatalf("Get = %v; want an error about the headers' length", err)
	}
	if resp.Attempts != 1 {
		t.Errorf("Attempts = %d; want 1: the same server will send the same headers", resp.Attempts)
	}
}

// TestTransportCancel: cancelling the context ends an exchange at once,
// whether the server hangs before its answer or in the middle of the body,
// long before the attempt's timeout.
func TestTransportCancel(t *testing.T) {
	for _, hangInBody := range []bool{false, true} {
		t.Run(map[bool]string{false: "before the answer", true: "in the body"}[hangInBody], func(t *testing.T) {
			stop := make(chan struct{})
			arrived := make(chan struct{}, 1)
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hangInBody {
					w.Header().Set("Content-Length", "2000")
					w.Write(bytes.Repeat([]byte("x"), 100))
					w.(http.Flusher).Flush()
				}
				arrived <- struct{}{}
				select {
				case <-r.Context().Done():
				case <-stop:
				}
			}))
			t.Cleanup(func() { close(stop) })

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := fetch.New(fetch.Config{Timeout: time.Hour}).Get(ctx, srv.URL, nil)
				done <- err
			}()
			<-arrived
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Get error = %v; want one matching context.Canceled", err)
				}
			case <-time.After(30 * time.Second): // a guard against hanging, not a timing
				t.Fatal("Get still running 30s after its context was cancelled")
			}
		})
	}
}
