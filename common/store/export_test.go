package store

// NewSyncingWriter is the Writer WriteAtomic uses, on fsys.
var NewSyncingWriter = newSyncingWriter
