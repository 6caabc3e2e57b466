package site

import (
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"flagsuite/testserver/dataset"
)

// An answer is a response rendered once, when the site is made, and written
// as it is to every request that gets it: the status line, the header
// fields, a blank line and the body, in one slice. Only the Date field
// changes from second to second, so a transport inserts it at mid:
//
//	wire[:mid]   "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 12262\r\n"
//	(Date, and Connection when the transport closes)
//	wire[mid:]   "\r\n" and the body; a HEAD answer stops at wire[:mid+2]
type answer struct {
	status int
	fields [][2]string // the fields in wire, for net/http
	wire   []byte
	mid    int
	err    error // why a data file is not served: for the log

	// A data file too big to hold (over maxHeld) has no body in wire; its
	// name is in big and a transport copies it from the data set.
	big  string
	size int64
}

// body returns what follows the blank line.
func (a *answer) body() []byte { return a.wire[a.mid+2:] }

// maxHeld is the largest data file held in memory. A flag is at most 40 KB;
// a bigger file in a data folder still gets served, read from the data
// set at each request, so that a strange folder cannot fill the memory.
const maxHeld = 1 << 20

// render builds an answer; body may be nil (a big file, or an empty body).
func render(status int, fields [][2]string, body []byte) *answer {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, statusText(status))
	for _, f := range fields {
		b.WriteString(f[0] + ": " + f[1] + "\r\n")
	}
	mid := b.Len()
	wire := make([]byte, 0, mid+2+len(body))
	wire = append(append(append(wire, b.String()...), "\r\n"...), body...)
	return &answer{status: status, fields: fields, wire: wire, mid: mid}
}

// content is an answer with a body of the given type.
func content(status int, contentType string, body []byte, extra ...[2]string) *answer {
	fields := append([][2]string{
		{"Content-Type", contentType},
		{"Content-Length", strconv.Itoa(len(body))},
	}, extra...)
	return render(status, fields, body)
}

// text is a short plain-text answer, like the ones net/http's http.Error gives.
func text(status int, body string, extra ...[2]string) *answer {
	return content(status, "text/plain; charset=utf-8", []byte(body), append([][2]string{{"X-Content-Type-Options", "nosniff"}}, extra...)...)
}

// answers are the site's answers that do not depend on its mode, keyed by
// data file name ("br/br.gif"); a name missing from files is a 404.
type answers struct {
	files   map[string]*answer
	listing *answer // 200 with the HTML list, or 500 when the data set cannot be listed
}

// renderData reads the whole data set and renders an answer per data file.
// Whatever keeps a file from being served (it is missing, a folder, or a
// link leading out of the data set) gives an answer of 404 with the reason.
func renderData(data fs.FS) *answers {
	a := &answers{files: map[string]*answer{}}
	codes, err := dataset.Codes(data)
	if err != nil {
		a.listing = text(http.StatusInternalServerError, "500 cannot list the data set\n")
		a.listing.err = err
		return a
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Flags</title></head>\n<body>\n<h1>Flags</h1>\n<ul>\n")
	for _, cc := range codes { // two lower-case letters: nothing to escape
		fmt.Fprintf(&b, "<li><a href=\"%[1]s/%[1]s.gif\">%[1]s/</a> <a href=\"%[1]s/metadata.json\">metadata.json</a></li>\n", cc)
		for _, f := range [][2]string{{cc + "/" + cc + ".gif", "image/gif"}, {cc + "/metadata.json", "application/json"}} {
			a.files[f[0]] = renderFile(data, f[0], f[1])
		}
	}
	b.WriteString("</ul>\n</body></html>\n")
	a.listing = content(http.StatusOK, "text/html; charset=utf-8", []byte(b.String()))
	return a
}

// renderFile reads one data file into its answer.
func renderFile(data fs.FS, name, contentType string) *answer {
	notFound := func(err error) *answer {
		a := *answerNotFound
		a.err = err
		return &a
	}
	f, err := data.Open(name)
	if err != nil {
		return notFound(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return notFound(err)
	}
	if !info.Mode().IsRegular() {
		return notFound(fmt.Errorf("%s: not a regular file", name))
	}
	size := strconv.FormatInt(info.Size(), 10)
	if info.Size() > maxHeld {
		a := render(http.StatusOK, [][2]string{{"Content-Type", contentType}, {"Content-Length", size}}, nil)
		a.big, a.size = name, info.Size()
		return a
	}
	body, err := io.ReadAll(io.LimitReader(f, maxHeld+1))
	if err == nil && int64(len(body)) != info.Size() {
		err = fmt.Errorf("%s: read %d bytes of the %d it had when opened", name, len(body), info.Size())
	}
	if err != nil {
		return notFound(err)
	}
	return content(http.StatusOK, contentType, body)
}

// embeddedAnswers renders the embedded set once for every site that serves it.
var embeddedAnswers = sync.OnceValue(func() *answers { return renderData(dataset.Embedded()) })

// The fixed answers.
var (
	answerNotFound   = text(http.StatusNotFound, "404 not found\n")
	answerNotAllowed = text(http.StatusMethodNotAllowed, "405 method not allowed\n", [2]string{"Allow", "GET, HEAD"})
	answerCanceled   = text(http.StatusServiceUnavailable, "503 server stopping or client gone\n")
)
