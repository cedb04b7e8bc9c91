package kizuna

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CheckDuplicateKeys refuses a JSON document in which one object names the
// same key twice: encoding/json keeps the last value silently, which hides
// a mistake (a tag list typed twice, a filter whose second "op" wins). The
// error is an *Error with the given code whose Path names the second
// occurrence, such as "shopify.tags" or "groups[0].conditions[1].op".
// A document that is not valid JSON passes: the decoder that reads it says
// what is wrong with it in its own words.
func CheckDuplicateKeys(code string, data []byte) error {
	if path, key, ok := duplicateKey(data); ok {
		return ErrorAt(code, path, "the key %q appears twice in one object", key)
	}
	return nil
}

// UnmarshalStrict decodes one JSON value into v like json.Unmarshal, but
// first refuses duplicate keys (CheckDuplicateKeys with code).
func UnmarshalStrict(code string, data []byte, v any) error {
	if err := CheckDuplicateKeys(code, data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// keyFrame is one open object or array while walkKeys walks a document.
// Keys are subslices of the document (decoded only when escaped), and a
// path is only built when a caller asks for one, so a clean document costs
// few allocations.
type keyFrame struct {
	object bool
	keys   [][]byte            // the object's keys so far, for small objects
	set    map[string]struct{} // the same, once there are many
	key    []byte              // the object's current key
	index  int                 // the array's current element
}

// manyKeys is where an object's keys move from a list to a map.
const manyKeys = 16

// seen records key in the object and reports whether it was there.
func (f *keyFrame) seen(key []byte) bool {
	if f.set != nil {
		if _, ok := f.set[string(key)]; ok {
			return true
		}
		f.set[string(key)] = struct{}{}
		return false
	}
	for _, k := range f.keys {
		if bytes.Equal(k, key) {
			return true
		}
	}
	f.keys = append(f.keys, key)
	if len(f.keys) > manyKeys {
		f.set = make(map[string]struct{}, 2*manyKeys)
		for _, k := range f.keys {
			f.set[string(k)] = struct{}{}
		}
		f.keys = nil
	}
	return false
}

// duplicateKey returns the path and name of the first key that an object
// of data repeats. Keys are compared after decoding their escapes, as
// encoding/json compares them ("\u0061" is "a").
func duplicateKey(data []byte) (path, key string, found bool) {
	walkKeys(data, func(stack []keyFrame, k []byte) bool {
		if stack[len(stack)-1].seen(k) {
			path, key, found = joinKey(stackPath(stack), string(k)), string(k), true
			return true
		}
		return false
	})
	return path, key, found
}

// firstKeyPath returns the path of the first object key named key in
// data, or "$" when there is none; it places the "unknown key" that
// encoding/json names without saying where.
func firstKeyPath(data []byte, key string) string {
	path := "$"
	walkKeys(data, func(stack []keyFrame, k []byte) bool {
		if string(k) == key {
			path = joinKey(stackPath(stack), key)
			return true
		}
		return false
	})
	return path
}

// walkKeys calls fn with each object key of valid JSON data, in order,
// and the stack of open containers (the key's object on top), until fn
// returns true. It uses an explicit stack, not recursion, so nesting costs
// memory, not goroutine stack.
func walkKeys(data []byte, fn func(stack []keyFrame, key []byte) bool) {
	if !json.Valid(data) {
		return
	}
	stack := make([]keyFrame, 0, 8)
	expectKey := false
	for i := 0; i < len(data); {
		switch c := data[i]; c {
		case '{', '[':
			// A closed container's key list is reused by the next one at
			// its depth.
			if n := len(stack); n < cap(stack) {
				stack = stack[:n+1]
				stack[n] = keyFrame{object: c == '{', keys: stack[n].keys[:0]}
			} else {
				stack = append(stack, keyFrame{object: c == '{'})
			}
			expectKey = c == '{'
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			expectKey = false
			i++
		case ',':
			top := &stack[len(stack)-1]
			if top.object {
				expectKey = true
			} else {
				top.index++
			}
			i++
		case '"':
			end := stringEnd(data, i)
			if expectKey {
				k := decodeKey(data[i:end])
				if fn(stack, k) {
					return
				}
				stack[len(stack)-1].key = k
				expectKey = false
			}
			i = end
		default: // whitespace, ':', and the bytes of numbers, true, false, null
			i++
		}
	}
}

// stringEnd returns the index just after the JSON string that starts at
// data[start] (a quote).
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// decodeKey returns a quoted key's text: a subslice of the document, or
// its decoded escapes.
func decodeKey(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var s string
	json.Unmarshal(raw, &s) // valid JSON: cannot fail
	return []byte(s)
}

// stackPath is the path of the innermost open container of stack.
func stackPath(stack []keyFrame) string {
	path := ""
	for _, f := range stack[:len(stack)-1] {
		if f.object {
			path = joinKey(path, string(f.key))
		} else {
			path = fmt.Sprintf("%s[%d]", path, f.index)
		}
	}
	return path
}

// joinKey appends an object key to a path: ".key" for a plain key, and
// a quoted ["key"] for one that a dotted path cannot show.
func joinKey(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", path, key)
	case path == "":
		return key
	}
	return path + "." + key
}
