package kizuna

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// messageFuncs are the functions that make an *Error from a format, with the
// index of their format argument.
var messageFuncs = map[string]int{
	"Errorf":         1, // kizuna.Errorf(code, format, ...)
	"ErrorAt":        2, // kizuna.ErrorAt(code, path, format, ...)
	"filterErr":      1, // filterErr(path, format, ...)
	"importErrAt":    1, // importErrAt(path, format, ...)
	"requiredString": 2, // api: requiredString(obj, key, message)
}

// codeMessages walks every non-test Go file of the module and returns each
// constant message or format an *Error can carry, with where it is. A message
// an *Error literal builds with fmt.Sprintf or by joining strings cannot be
// translated and is returned in bad.
func codeMessages(t *testing.T) (msgs map[string]string, bad []string) {
	t.Helper()
	msgs = map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok && x.Name == "kizuna" {
						name = fn.Sel.Name
					}
				}
				i, ok := messageFuncs[name]
				if !ok || i >= len(n.Args) {
					return true
				}
				if s, ok := constString(n.Args[i]); ok {
					msgs[s] = fset.Position(n.Pos()).String()
				}
			case *ast.CompositeLit:
				if !isErrorType(n.Type) {
					return true
				}
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Message" {
						continue
					}
					if s, ok := constString(kv.Value); ok {
						msgs[s] = fset.Position(n.Pos()).String()
					} else if formats(kv.Value) {
						bad = append(bad, fset.Position(n.Pos()).String())
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, bad
}

// constString returns the value of a string literal or of literals joined
// with +.
func constString(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok1 := constString(e.X)
		y, ok2 := constString(e.Y)
		return x + y, ok1 && ok2
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", false
}

func isErrorType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "Error"
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		return ok && x.Name == "kizuna" && e.Sel.Name == "Error"
	}
	return false
}

// formats reports whether e builds a string from a literal: fmt.Sprintf or a
// join with +.
func formats(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		_, x := constString(e.X)
		_, y := constString(e.Y)
		return e.Op == token.ADD && (x || y || formats(e.X) || formats(e.Y))
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || len(e.Args) == 0 {
			return false
		}
		x, ok := sel.X.(*ast.Ident)
		_, lit := constString(e.Args[0])
		return ok && x.Name == "fmt" && strings.HasPrefix(sel.Sel.Name, "Sprint") && lit
	}
	return false
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestMessagesJA checks that every message an *Error can carry has Japanese
// in messagesJA with the same verbs, and that messagesJA holds no message the
// code no longer makes. A new kizuna.Errorf (or ErrorAt, filterErr, ...)
// fails here until its Japanese is added to messages_ja.go.
func TestMessagesJA(t *testing.T) {
	msgs, bad := codeMessages(t)
	if len(msgs) < 100 {
		t.Fatalf("found only %d messages in the code: is the walk broken?", len(msgs))
	}
	for _, at := range bad {
		t.Errorf("%s: an *Error literal formats its Message; use kizuna.Errorf or kizuna.ErrorAt so that it can be translated", at)
	}
	var missing []string
	for _, m := range slices.Sorted(maps.Keys(msgs)) {
		ja, ok := messagesJA[m]
		if !ok {
			missing = append(missing, fmt.Sprintf("\t%q: \"\", // %s", m, msgs[m]))
			continue
		}
		if a, b := verbsOf(m), verbsOf(ja); !slices.Equal(a, b) {
			t.Errorf("messagesJA[%q] = %q: verbs %q, want the English's %q (in any order, with %%[n] indexes)", m, ja, b, a)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d messages have no Japanese; add them to messagesJA in messages_ja.go:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for k := range messagesJA {
		if _, ok := msgs[k]; !ok && k != "internal error" {
			t.Errorf("messagesJA has %q, which no code makes any more: remove it", k)
		}
	}
}

// verbsOf returns the verbs of format as "argument:verb", sorted, following
// fmt's rule that a verb without an index takes the argument after the
// previous one.
func verbsOf(format string) []string {
	var out []string
	next := 1
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if strings.HasSuffix(m[0], "%") {
			continue
		}
		if m[1] != "" {
			next, _ = strconv.Atoi(strings.Trim(m[1], "[]"))
		}
		v := m[0][len(m[0])-1:]
		if v == "q" { // Japanese may quote with 「%s」 where English has %q
			v = "s"
		}
		out = append(out, fmt.Sprintf("%d:%s", next, v))
		next++
	}
	slices.Sort(out)
	return out
}

// TestLocalMessage checks that the Japanese is formatted with the error's own
// arguments (reordered where the Japanese needs), that an error inside another
// is translated too, and that the English message the API answers with stays.
func TestLocalMessage(t *testing.T) {
	between := filterErr("groups[0].conditions[0].value", "between needs lo <= hi, got %v > %v", 10.0, 2.0)
	inner := ErrorAt(EINVALIDFILTER, "x", "no friend tag is named %q in this account", "VIP")
	for _, c := range []struct {
		err      error
		en, ja   string
		wantPath string
	}{
		{between, "between needs lo <= hi, got 10 > 2", "範囲は下限を上限以下にしてください（10 が 2 より大きくなっています）。", "groups[0].conditions[0].value"},
		{&Error{Code: EINVALID, Message: "the name is empty", Path: "name"}, "the name is empty", "名前を入力してください。", "name"},
		{ErrorAt(ENOTFOUND, "", "no tag %q in account %q", "VIP", "shop"), `no tag "VIP" in account "shop"`, `アカウント「shop」にタグ「VIP」はありません。`, ""},
		{Errorf(ECONFLICT, "this segment cannot come back: %s (create the tag again first)", inner),
			`this segment cannot come back: no friend tag is named "VIP" in this account (create the tag again first)`,
			`このセグメントは復元できません：このアカウントに「VIP」というタグはありません。（先にタグを作成し直してください）`, ""},
		{fmt.Errorf("wrapped: %w", between), "between needs lo <= hi, got 10 > 2", "範囲は下限を上限以下にしてください（10 が 2 より大きくなっています）。", "groups[0].conditions[0].value"},
		{errors.New("disk on fire"), "internal error", "内部エラーが発生しました。", ""},
		{&Error{Code: EINVALID, Message: "a message with no Japanese"}, "a message with no Japanese", "a message with no Japanese", ""},
	} {
		if got := ErrorMessage(c.err); got != c.en {
			t.Errorf("ErrorMessage(%v) = %q, want %q", c.err, got, c.en)
		}
		if got := LocalMessage(c.err, "en"); got != c.en {
			t.Errorf("LocalMessage(%v, en) = %q, want %q", c.err, got, c.en)
		}
		if got := LocalMessage(c.err, "ja"); got != c.ja {
			t.Errorf("LocalMessage(%v, ja) = %q, want %q", c.err, got, c.ja)
		}
		var e *Error
		if errors.As(c.err, &e) && e.Path != c.wantPath {
			t.Errorf("%v: path %q, want %q", c.err, e.Path, c.wantPath)
		}
	}
	if LocalMessage(nil, "ja") != "" {
		t.Error("LocalMessage(nil) is not empty")
	}
}

// TestPhrasesJA: a refusal that names a thing with English words says them
// in Japanese too, and keeps a field's own name.
func TestPhrasesJA(t *testing.T) {
	for _, tc := range []struct {
		err        error
		want, gone string
	}{
		{CheckTagName(EINVALID, "name", "a\x00b"), "タグ名", "a tag name"},
		{CheckSearch("q", "a\xffb"), "検索語", "the search"},
		{CheckText(EINVALIDIMPORT, "display_name", "display_name", "a\x00"), "display_name", "contains"},
	} {
		got := LocalMessage(tc.err, "ja")
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.gone) {
			t.Errorf("LocalMessage(%v, ja) = %q, want %q and no %q", tc.err, got, tc.want, tc.gone)
		}
	}
}
