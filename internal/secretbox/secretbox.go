// Package secretbox seals the secrets Kizuna keeps at rest (a LINE
// channel's secret and access token) with AES-256-GCM under one server key.
//
// A sealed value is a version byte, a random 12-byte nonce, then the
// ciphertext and its tag. Every value is sealed with additional data naming
// what it is and whose (for example "line:42:token"), so that a value copied
// into another row, or read for another purpose, does not open.
//
// The key comes from the environment (KIZUNA_SECRET_KEY: 32 bytes in base64
// or hex) or from a key file, created with 32 random bytes and mode 0600 the
// first time. The errors of this package never contain a key or a secret.
package secretbox

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// version is the first byte of every sealed value; a later format would
// take another.
const version byte = 1

const nonceSize = 12

// ErrOpen is returned when a sealed value does not open: a wrong key, the
// wrong additional data (another account or purpose), or altered bytes.
var ErrOpen = errors.New("secretbox: the sealed value does not open with this key for this purpose")

// Box seals and opens values under one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: a key has %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// NewRandom returns a Box with a fresh random key (for tests and throwaway
// databases: what it seals cannot be opened by any other Box).
func NewRandom() *Box {
	key := make([]byte, KeySize)
	rand.Read(key)
	b, _ := New(key) // the key has the right size
	return b
}

// Seal encrypts plaintext bound to aad, with a fresh random nonce.
func (b *Box) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = version
	rand.Read(out[1:])
	return b.aead.Seal(out, out[1:1+nonceSize], plaintext, aad)
}

// Open decrypts a value made by Seal with the same key and aad, or returns
// ErrOpen.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < 1+nonceSize+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Load returns the Box of the server's key: from env, the value of
// KIZUNA_SECRET_KEY, when it is not empty (32 bytes in standard base64 or
// hex), and otherwise from keyFile, which is created with a new random key
// and mode 0600 when it does not exist. A key file that group or others may
// read or write is refused: the key decrypts every channel's credentials.
func Load(env, keyFile string) (*Box, error) {
	if strings.TrimSpace(env) != "" {
		key, ok := decodeKey(env)
		if !ok {
			// Never echo the value: it may be a real key, mistyped.
			return nil, fmt.Errorf("KIZUNA_SECRET_KEY must be %d bytes written in base64 or hex (%d characters given); generate one with: openssl rand -base64 32",
				KeySize, len(strings.TrimSpace(env)))
		}
		return New(key)
	}
	if keyFile == "" {
		return nil, errors.New("no secret key: set KIZUNA_SECRET_KEY or name a key file")
	}
	key, err := readKeyFile(keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(keyFile)
	}
	if err != nil {
		return nil, err
	}
	return New(key)
}

// decodeKey reads a key written in standard base64 or in hex.
func decodeKey(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, true
	}
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, true
	}
	return nil, false
}

// readKeyFile reads an existing key file, refusing one that others may read.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("secret key file %s is not a regular file", path)
	}
	// Windows has no such permission bits to check.
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s has mode %04o: group or others may use it; make it private with: chmod 600 %s", path, perm, path)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	key, ok := decodeKey(buf.String())
	if !ok {
		return nil, fmt.Errorf("secret key file %s does not hold %d bytes in base64 or hex", path, KeySize)
	}
	return key, nil
}

// createKeyFile writes a new random key to path with mode 0600. The key is
// written to a temporary file first and linked into place, which fails if
// path exists: two processes starting at once never replace each other's
// key, and neither reads a half-written file (the loser reads the winner's).
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)
	f, err := os.CreateTemp(dir, ".kizuna-key-*")
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	werr := f.Chmod(0o600) // CreateTemp's mode already; said again for clarity
	if werr == nil {
		_, werr = f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	}
	if werr == nil {
		werr = f.Sync()
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, werr)
	}
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	} else if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return key, nil
}
