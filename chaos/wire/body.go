package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Mode is how a message body is framed.
type Mode uint8

const (
	None       Mode = iota // no body
	Length                 // Content-Length bytes
	Chunked                // chunked transfer coding, relayed as is
	UntilClose             // everything until the sender closes
)

func (m Mode) String() string {
	switch m {
	case None:
		return "none"
	case Length:
		return "length"
	case Chunked:
		return "chunked"
	case UntilClose:
		return "until-close"
	}
	return "mode?"
}

type chunkState uint8

const (
	chunkSize    chunkState = iota // expecting a chunk-size line
	chunkData                      // inside chunk data
	chunkCRLF                      // expecting the CRLF after chunk data
	chunkTrailer                   // inside the trailer section
	chunkDone
)

// Body reads a message body as raw wire bytes and reports io.EOF exactly at
// its end, so the next message can be read from the same bufio.Reader. A
// body cut short by the peer gives io.ErrUnexpectedEOF; a bad chunk framing
// gives a *ProtocolError. Its zero value is an empty body; reuse it with
// Reset.
type Body struct {
	br      *bufio.Reader
	mode    Mode
	n       int64 // bytes left: of the body (Length) or of the chunk (Chunked)
	state   chunkState
	pending []byte // the rest of a line already consumed from br
	trailer int    // trailer bytes so far, bounded by DefaultMaxHead
	err     error
}

// Reset prepares b to read a body framed by mode from br; length is used
// with Length only.
func (b *Body) Reset(br *bufio.Reader, mode Mode, length int64) {
	*b = Body{br: br, mode: mode, n: length}
	if mode == None || mode == Length && length <= 0 {
		b.mode, b.err = None, io.EOF
	}
}

// Mode returns how the body is framed.
func (b *Body) Mode() Mode { return b.mode }

// Remaining returns the bytes still to read of a Length body, -1 for others.
func (b *Body) Remaining() int64 {
	switch b.mode {
	case Length:
		return b.n
	case None:
		return 0
	}
	return -1
}

// Advance records that n bytes of a Length body were read past b, straight
// from the connection under its bufio.Reader (which must hold none of
// them), as a proxy does when it splices a body.
func (b *Body) Advance(n int64) {
	if b.mode != Length || b.err != nil {
		return
	}
	b.n -= min(n, b.n)
	if b.n == 0 {
		b.err = io.EOF
	}
}

// Done reports whether the whole body has been read.
func (b *Body) Done() bool { return b.err == io.EOF || errors.Is(b.err, io.EOF) }

// Read implements io.Reader.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	switch b.mode {
	case Length:
		n, err = b.readLength(p)
	case Chunked:
		n, err = b.readChunked(p)
	case UntilClose:
		n, err = b.br.Read(p)
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *Body) readLength(p []byte) (int, error) {
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.br.Read(p)
	b.n -= int64(n)
	switch {
	case b.n == 0:
		return n, io.EOF
	case errors.Is(err, io.EOF):
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// readChunked copies chunk-size lines, chunk data, CRLFs and trailers as
// they are, checking the framing on the way.
func (b *Body) readChunked(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		if len(b.pending) > 0 {
			c := copy(p[total:], b.pending)
			b.pending = b.pending[c:]
			total += c
			continue
		}
		var err error
		switch b.state {
		case chunkSize:
			err = b.readSizeLine()
		case chunkData:
			want := int64(len(p) - total)
			if want > b.n {
				want = b.n
			}
			var c int
			c, err = b.br.Read(p[total : total+int(want)])
			total += c
			b.n -= int64(c)
			if b.n == 0 {
				b.state = chunkCRLF
			}
		case chunkCRLF:
			err = b.readCRLF()
		case chunkTrailer:
			err = b.readTrailerLine()
		case chunkDone:
			return total, io.EOF
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return total, err
		}
		if b.state == chunkData && total > 0 && b.br.Buffered() == 0 {
			// Hand over what we have instead of blocking for more.
			return total, nil
		}
	}
	if b.state == chunkDone && len(b.pending) == 0 {
		return total, io.EOF
	}
	return total, nil
}

func (b *Body) readLine(limit int) ([]byte, error) {
	line, err := b.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > limit {
		return nil, malformed("chunk line too long")
	}
	if err == nil && (len(line) < 2 || line[len(line)-2] != '\r') {
		// A bare LF here is a request-smuggling vector; net/http refuses it too.
		return nil, malformed("chunk line ends with a bare LF")
	}
	if err == nil && bytes.IndexByte(line[:len(line)-2], '\r') >= 0 {
		return nil, malformed("CR inside a chunk line")
	}
	return line, err
}

func (b *Body) readSizeLine() error {
	line, err := b.readLine(maxChunkLine)
	if err != nil {
		return err
	}
	b.pending = line
	// Like net/http: trailing whitespace is fine, whitespace before ';' is not.
	s := bytes.TrimRight(line, " \t\r\n")
	if i := bytes.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	if len(s) == 0 || len(s) > 15 {
		return malformed("bad chunk size")
	}
	var size int64
	for _, c := range s {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return malformed("bad chunk size")
		}
		size = size<<4 | int64(d)
	}
	if size == 0 {
		b.state = chunkTrailer
	} else {
		b.state, b.n = chunkData, size
	}
	return nil
}

func (b *Body) readCRLF() error {
	line, err := b.readLine(2)
	if err != nil {
		return err
	}
	if string(line) != "\r\n" {
		return malformed("missing CRLF after chunk data")
	}
	b.pending, b.state = line, chunkSize
	return nil
}

func (b *Body) readTrailerLine() error {
	line, err := b.readLine(maxChunkLine)
	if err != nil {
		return err
	}
	b.trailer += len(line)
	if b.trailer > DefaultMaxHead {
		return ErrHeadTooLarge
	}
	b.pending = line
	if string(line) == "\r\n" {
		b.state = chunkDone
		return nil
	}
	// A trailer line is a header line; check it the same way.
	f := fields{contentLength: -1}
	return f.add(line[:len(line)-2])
}

// Discard reads and drops the rest of the body, up to limit bytes. It
// returns nil when the body ended within the limit.
func (b *Body) Discard(limit int64) error {
	n, err := io.Copy(io.Discard, io.LimitReader(b, limit))
	if err == nil && !b.Done() {
		if n >= limit {
			return errors.New("body longer than the discard limit")
		}
		return io.ErrUnexpectedEOF
	}
	return err
}
