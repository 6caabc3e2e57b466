package dataset

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// memFS is a read-only fs.FS over files held in memory. The embedded set is
// generated when the program starts, so embed.FS (filled at compile time)
// cannot hold it, and testing/fstest.MapFS is meant for tests.
type memFS struct {
	files map[string][]byte   // "br/br.gif" → contents; never modified after newMemFS
	dirs  map[string][]*entry // "." and "br" → entries sorted by name
}

// newMemFS builds the tree from slash-separated file paths; every parent
// folder exists implicitly.
func newMemFS(files map[string][]byte) *memFS {
	m := &memFS{files: files, dirs: map[string][]*entry{".": nil}}
	for name, data := range files {
		m.add(name, &entry{name: path.Base(name), size: int64(len(data))})
	}
	for _, ents := range m.dirs {
		slices.SortFunc(ents, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
	}
	return m
}

// add records e in the folder that holds name, creating missing parents.
func (m *memFS) add(name string, e *entry) {
	dir := path.Dir(name)
	_, seen := m.dirs[dir]
	m.dirs[dir] = append(m.dirs[dir], e)
	if !seen && dir != "." {
		m.add(dir, &entry{name: path.Base(dir), dir: true})
	}
}

func (m *memFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if data, ok := m.files[name]; ok {
		return &memFile{Reader: bytes.NewReader(data), info: &entry{name: path.Base(name), size: int64(len(data))}}, nil
	}
	if ents, ok := m.dirs[name]; ok {
		return &memDir{info: &entry{name: path.Base(name), dir: true}, entries: ents}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// ReadFile returns a copy: fs.ReadFileFS lets the caller modify the result.
func (m *memFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	data, ok := m.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrNotExist}
	}
	return slices.Clone(data), nil
}

func (m *memFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	ents, ok := m.dirs[name]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	out := make([]fs.DirEntry, len(ents))
	for i, e := range ents {
		out[i] = e
	}
	return out, nil
}

func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	f, err := m.Open(name)
	if err != nil {
		err.(*fs.PathError).Op = "stat"
		return nil, err
	}
	return f.Stat()
}

// entry is both the fs.FileInfo and the fs.DirEntry of a file or folder.
type entry struct {
	name string
	size int64
	dir  bool
}

func (e *entry) Name() string               { return e.name }
func (e *entry) Size() int64                { return e.size }
func (e *entry) ModTime() time.Time         { return time.Time{} }
func (e *entry) IsDir() bool                { return e.dir }
func (e *entry) Sys() any                   { return nil }
func (e *entry) Type() fs.FileMode          { return e.Mode().Type() }
func (e *entry) Info() (fs.FileInfo, error) { return e, nil }
func (e *entry) Mode() fs.FileMode {
	if e.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// memFile is an open file. The embedded *bytes.Reader gives Seek, ReadAt and
// WriteTo, so io.Copy and http.ServeContent take their fast paths.
type memFile struct {
	*bytes.Reader
	info *entry
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

// memDir is an open folder; ReadDir pages through its entries.
type memDir struct {
	info    *entry
	entries []*entry
	next    int // index of the first entry not yet returned by ReadDir
}

func (d *memDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *memDir) Close() error               { return nil }
func (d *memDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.next:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.next += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, e := range rest {
		out[i] = e
	}
	return out, nil
}
