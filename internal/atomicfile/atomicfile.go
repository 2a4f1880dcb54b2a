// Package atomicfile writes small files all or nothing, so that a crash
// leaves either the old content or the new, never a torn file.
package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces path with data and mode perm: it writes a temporary file
// in the same directory, fsyncs it, renames it over path and fsyncs the
// directory.
func Write(path string, data []byte, perm fs.FileMode) error {
	return publish(path, data, perm, os.Rename)
}

// Create writes data to path with mode perm like Write, but fails with an
// error wrapping fs.ErrExist when path already exists, so that of two
// processes creating the same file one wins and the other can read the
// winner's. Where hard links are not available it falls back to Write.
func Create(path string, data []byte, perm fs.FileMode) error {
	return publish(path, data, perm, func(tmp, path string) error {
		err := os.Link(tmp, path)
		if err == nil || errors.Is(err, fs.ErrExist) {
			return err
		}
		return os.Rename(tmp, path) // no hard links here
	})
}

func publish(path string, data []byte, perm fs.FileMode, put func(tmp, path string) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		_ = os.Remove(tmp) // after a rename this is a no-op; after a link, path keeps the data
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	err = f.Close()
	f = nil
	if err != nil {
		return err
	}
	if err := put(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that a new entry in it survives a crash.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be fsynced there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}
