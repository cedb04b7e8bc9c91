package secretbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/secretbox"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, secretbox.KeySize) }

func TestSealOpen(t *testing.T) {
	box, err := secretbox.New(testKey(7))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("line:1:token")
	secret := []byte("channel-access-token")
	sealed := box.Seal(secret, aad)
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed value contains the plaintext")
	}
	got, err := box.Open(sealed, aad)
	if err != nil || string(got) != string(secret) {
		t.Fatalf("round trip: %q, %v", got, err)
	}
	if again := box.Seal(secret, aad); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
	if got, err := box.Open(box.Seal(nil, aad), aad); err != nil || len(got) != 0 {
		t.Fatalf("empty value: %q, %v", got, err)
	}

	t.Run("tamper", func(t *testing.T) {
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 0x01
			if _, err := box.Open(bad, aad); !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("byte %d altered: %v", i, err)
			}
		}
		for _, bad := range [][]byte{nil, sealed[:5], sealed[:len(sealed)-1]} {
			if _, err := box.Open(bad, aad); !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("cut to %d bytes: %v", len(bad), err)
			}
		}
	})
	t.Run("wrong aad", func(t *testing.T) {
		for _, other := range []string{"line:2:token", "line:1:secret", ""} {
			if _, err := box.Open(sealed, []byte(other)); !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("opened with aad %q: %v", other, err)
			}
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other, _ := secretbox.New(testKey(8))
		if _, err := other.Open(sealed, aad); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("opened with another key: %v", err)
		}
		if _, err := secretbox.NewRandom().Open(sealed, aad); !errors.Is(err, secretbox.ErrOpen) {
			t.Fatalf("opened with a random key: %v", err)
		}
	})
	if _, err := secretbox.New(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte key was taken")
	}
}

func TestLoadFromEnv(t *testing.T) {
	key := testKey(9)
	sealed := func() []byte { b, _ := secretbox.New(key); return b.Seal([]byte("s"), nil) }()
	for name, env := range map[string]string{
		"base64": base64.StdEncoding.EncodeToString(key),
		"hex":    hex.EncodeToString(key),
		"spaces": " " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		box, err := secretbox.Load(env, filepath.Join(t.TempDir(), "never-created"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, err := box.Open(sealed, nil); err != nil || string(got) != "s" {
			t.Fatalf("%s: not the key: %v", name, err)
		}
	}
	// A bad value is refused, and the error never repeats it.
	for _, bad := range []string{
		"not-a-key-at-all-but-a-secret-pass",
		base64.StdEncoding.EncodeToString(testKey(1)[:16]),
		hex.EncodeToString(testKey(1)) + "ab",
	} {
		_, err := secretbox.Load(bad, "")
		if err == nil {
			t.Fatalf("%q was taken as a key", bad)
		}
		if strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), bad[:8]) {
			t.Fatalf("the error echoes the value: %v", err)
		}
		if !strings.Contains(err.Error(), "KIZUNA_SECRET_KEY") {
			t.Fatalf("the error does not name the variable: %v", err)
		}
	}
}

func TestLoadKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "secret.key")
	box, err := secretbox.Load("", path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the key file was not created: %v", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	text, _ := os.ReadFile(path)
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text))); err != nil || len(k) != secretbox.KeySize {
		t.Fatalf("key file holds %q: %v", text, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".kizuna-key-*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// The next start reads the same key.
	sealed := box.Seal([]byte("token"), []byte("line:1:token"))
	again, err := secretbox.Load("", path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed, []byte("line:1:token")); err != nil || string(got) != "token" {
		t.Fatalf("reloaded key: %q %v", got, err)
	}
	// The environment wins over the file.
	env, _ := secretbox.Load(base64.StdEncoding.EncodeToString(testKey(3)), path)
	if _, err := env.Open(sealed, []byte("line:1:token")); err == nil {
		t.Fatal("the file's key was used though the environment has one")
	}

	if runtime.GOOS == "windows" {
		return
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := secretbox.Load("", path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %04o: %v", mode, err)
		}
		if strings.Contains(err.Error(), strings.TrimSpace(string(text))) {
			t.Fatalf("the error shows the key: %v", err)
		}
	}
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := secretbox.Load("", path); err == nil || strings.Contains(err.Error(), "short") {
		t.Fatalf("a bad key file: %v", err)
	}
	if _, err := secretbox.Load("", ""); err == nil {
		t.Fatal("no key and no file: no error")
	}
}
