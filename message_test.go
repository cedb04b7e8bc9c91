package kizuna_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// TestTextLength: text is counted as LINE counts it, in UTF-16 code units,
// so a character outside the BMP (most emoji) counts 2.
func TestTextLength(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0},
		{"hello", 5},
		{"こんにちは", 5},
		{"🍎", 2},
		{"a🍎b", 4},
		{"👨‍👩‍👧", 8},   // three emoji (2 each) joined by two ZWJ (1 each)
		{"e\u0301", 2}, // e + combining acute accent
		{"𠮷野家", 4},     // 𠮷 is outside the BMP
	} {
		if got := kizuna.TextLength(tc.s); got != tc.want {
			t.Errorf("TextLength(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// errAt asserts that err is an EINVALID *Error at path whose message holds
// each of want, and that its message has Japanese.
func errAt(t *testing.T, what string, err error, path string, want ...string) {
	t.Helper()
	var e *kizuna.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want an error at %s", what, err, path)
		return
	}
	if e.Code != kizuna.EINVALID || e.Path != path {
		t.Errorf("%s: got %s at %q (%s), want %s at %q", what, e.Code, e.Path, e.Message, kizuna.EINVALID, path)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("%s: message %q does not say %q", what, e.Message, w)
		}
	}
	if ja := kizuna.LocalMessage(err, "ja"); ja == e.Message {
		t.Errorf("%s: %q has no Japanese", what, e.Message)
	}
}

// TestParseMessages: the three types LINE takes from us decode as written.
func TestParseMessages(t *testing.T) {
	raw := `[
		{"type":"text","text":"Spring sale 🌸 starts today"},
		{"type":"image","originalContentUrl":"https://cdn.example.com/a.jpg","previewImageUrl":"https://cdn.example.com/a-small.jpg?v=2"},
		{"type":"sticker","packageId":"446","stickerId":"1988"}
	]`
	ms, err := kizuna.ParseMessages([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := []kizuna.Message{
		{Type: "text", Text: "Spring sale 🌸 starts today"},
		{Type: "image", OriginalContentURL: "https://cdn.example.com/a.jpg", PreviewImageURL: "https://cdn.example.com/a-small.jpg?v=2"},
		{Type: "sticker", PackageID: "446", StickerID: "1988"},
	}
	if fmt.Sprint(ms) != fmt.Sprint(want) {
		t.Errorf("ParseMessages = %+v, want %+v", ms, want)
	}
	if err := kizuna.ValidateMessages(ms); err != nil {
		t.Errorf("ValidateMessages of parsed messages: %v", err)
	}
}

// TestParseMessagesRefuses: every problem is refused at its path, as LINE
// names it ("messages[1].text").
func TestParseMessagesRefuses(t *testing.T) {
	text := func(s string) string { return fmt.Sprintf(`{"type":"text","text":%q}`, s) }
	ok := text("hi")
	image := func(orig, prev string) string {
		return fmt.Sprintf(`{"type":"image","originalContentUrl":%q,"previewImageUrl":%q}`, orig, prev)
	}
	img := "https://example.com/i.jpg"
	for _, tc := range []struct {
		name, doc, path string
		want            []string
	}{
		{"no messages", `[]`, "messages", []string{"1 to 5", "has 0"}},
		{"null", `null`, "messages", []string{"1 to 5"}},
		{"six messages", "[" + strings.Repeat(ok+",", 5) + ok + "]", "messages", []string{"1 to 5", "has 6"}},
		{"an object", `{"type":"text","text":"hi"}`, "messages", []string{"JSON array"}},
		{"broken JSON", `[{"type":"text",`, "messages", []string{"not valid JSON"}},
		{"a number", `[1]`, "messages[0]", []string{"JSON object"}},
		{"null message", `[` + ok + `,null]`, "messages[1]", []string{"JSON object"}},
		{"duplicate key", `[{"type":"text","text":"a","text":"b"}]`, "messages[0].text", []string{`"text" appears twice`}},
		{"duplicate in the second", `[` + ok + `,{"type":"text","type":"text","text":"b"}]`, "messages[1].type", []string{"twice"}},
		{"unknown key", `[{"type":"text","text":"hi","quickReply":{}}]`, "messages[0].quickReply", []string{`unknown key "quickReply"`}},
		{"unknown key with a space", `[{"type":"text","text":"hi","my key":1}]`, `messages[0]["my key"]`, []string{"unknown key"}},
		{"key in another case", `[{"type":"text","Text":"hi"}]`, "messages[0].Text", []string{`unknown key "Text"`}},
		{"text not a string", `[{"type":"text","text":5}]`, "messages[0].text", []string{"text must be a string"}},
		{"text null", `[{"type":"text","text":null}]`, "messages[0].text", []string{"must be a string"}},
		{"no type", `[{"text":"hi"}]`, "messages[0].type", []string{"text, image or sticker"}},
		{"video", `[` + ok + `,{"type":"video"}]`, "messages[1].type", []string{`"video"`, "text, image or sticker"}},
		{"flex", `[{"type":"flex"}]`, "messages[0].type", []string{"text, image or sticker"}},
		{"type in capitals", `[{"type":"Text","text":"hi"}]`, "messages[0].type", []string{`"Text"`}},
		{"empty text", `[` + text("") + `]`, "messages[0].text", []string{"needs its text"}},
		{"no text", `[{"type":"text"}]`, "messages[0].text", []string{"needs its text"}},
		{"only spaces", `[` + text(" \n\t\u3000") + `]`, "messages[0].text", []string{"only spaces"}},
		{"NUL", `[{"type":"text","text":"a\u0000b"}]`, "messages[0].text", []string{"U+0000"}},
		{"5,001 letters", `[` + text(strings.Repeat("a", 5001)) + `]`, "messages[0].text", []string{"5,001 characters", "UTF-16", "limit is 5,000"}},
		{"2,501 apples", `[` + ok + `,` + text(strings.Repeat("🍎", 2501)) + `]`, "messages[1].text", []string{"5,002 characters"}},
		{"a text field on an image", `[{"type":"image","text":"","originalContentUrl":"` + img + `","previewImageUrl":"` + img + `"}]`, "messages[0].text", []string{"type image has no text"}},
		{"a sticker field on a text", `[` + ok + `,{"type":"text","text":"hi","packageId":"1"}]`, "messages[1].packageId", []string{"type text has no packageId"}},
		{"an image field on a sticker", `[{"type":"sticker","packageId":"1","stickerId":"2","previewImageUrl":"` + img + `"}]`, "messages[0].previewImageUrl", []string{"no previewImageUrl"}},
		{"image without original", `[{"type":"image","previewImageUrl":"` + img + `"}]`, "messages[0].originalContentUrl", []string{"needs originalContentUrl"}},
		{"image without preview", `[{"type":"image","originalContentUrl":"` + img + `"}]`, "messages[0].previewImageUrl", []string{"needs previewImageUrl"}},
		{"http", `[` + image("http://example.com/i.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"https://"}},
		{"relative", `[` + image(img, "/i.jpg") + `]`, "messages[0].previewImageUrl", []string{"https://"}},
		{"no scheme", `[` + image("example.com/i.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"https://"}},
		{"opaque", `[` + image("https:example.com/i.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"https://"}},
		{"no host", `[` + image("https:///i.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"no host"}},
		{"port only", `[` + image("https://:443/i.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"no host"}},
		{"a space", `[` + image("https://example.com/a b.jpg", img) + `]`, "messages[0].originalContentUrl", []string{"space"}},
		{"2,001 characters", `[` + image(img, "https://example.com/"+strings.Repeat("x", 2001-20)) + `]`, "messages[0].previewImageUrl", []string{"at most 2000", "has 2001"}},
		{"sticker without package", `[{"type":"sticker","stickerId":"1"}]`, "messages[0].packageId", []string{"needs packageId"}},
		{"sticker without sticker", `[{"type":"sticker","packageId":"1"}]`, "messages[0].stickerId", []string{"needs stickerId"}},
		{"letters", `[{"type":"sticker","packageId":"abc","stickerId":"1"}]`, "messages[0].packageId", []string{"decimal digits"}},
		{"negative", `[{"type":"sticker","packageId":"1","stickerId":"-1"}]`, "messages[0].stickerId", []string{"decimal digits"}},
		{"full-width digits", `[{"type":"sticker","packageId":"１","stickerId":"1"}]`, "messages[0].packageId", []string{"decimal digits"}},
		{"a number id", `[{"type":"sticker","packageId":446,"stickerId":"1"}]`, "messages[0].packageId", []string{"must be a string"}},
	} {
		ms, err := kizuna.ParseMessages([]byte(tc.doc))
		if ms != nil {
			t.Errorf("%s: ParseMessages returned messages with an error", tc.name)
		}
		errAt(t, tc.name, err, tc.path, tc.want...)
	}
}

// TestMessageLimits: the limits hold exactly at their edge.
func TestMessageLimits(t *testing.T) {
	five := make([]kizuna.Message, 5)
	for i := range five {
		five[i] = kizuna.Message{Type: "text", Text: "hi"}
	}
	if err := kizuna.ValidateMessages(five); err != nil {
		t.Errorf("five messages: %v", err)
	}
	for _, s := range []string{strings.Repeat("a", 5000), strings.Repeat("🍎", 2500), strings.Repeat("あ", 5000), " a "} {
		if err := kizuna.ValidateMessages([]kizuna.Message{{Type: "text", Text: s}}); err != nil {
			t.Errorf("text of %d units: %v", kizuna.TextLength(s), err)
		}
	}
	long := "https://example.com/" + strings.Repeat("x", 2000-20)
	if err := kizuna.ValidateMessages([]kizuna.Message{{Type: "image", OriginalContentURL: long, PreviewImageURL: "HTTPS://Example.COM:8443/p.png"}}); err != nil {
		t.Errorf("an image URL of 2,000 characters, an upper-case scheme: %v", err)
	}
}

// TestValidateMessages: messages built in Go (not parsed) are checked the
// same way; a field of another type counts when it is not empty.
func TestValidateMessages(t *testing.T) {
	img := "https://example.com/i.jpg"
	for _, tc := range []struct {
		name string
		ms   []kizuna.Message
		path string
		want []string
	}{
		{"none", nil, "messages", []string{"1 to 5"}},
		{"six", make([]kizuna.Message, 6), "messages", []string{"has 6"}},
		{"invalid UTF-8", []kizuna.Message{{Type: "text", Text: "ok"}, {Type: "text", Text: "a\xffb"}}, "messages[1].text", []string{"UTF-8"}},
		{"NUL", []kizuna.Message{{Type: "text", Text: "a\x00"}}, "messages[0].text", []string{"U+0000"}},
		{"invalid UTF-8 URL", []kizuna.Message{{Type: "image", OriginalContentURL: img, PreviewImageURL: "https://example.com/\xff"}}, "messages[0].previewImageUrl", []string{"UTF-8"}},
		{"text on a sticker", []kizuna.Message{{Type: "sticker", PackageID: "1", StickerID: "2", Text: "hi"}}, "messages[0].text", []string{"no text"}},
		{"sticker on an image", []kizuna.Message{{Type: "image", OriginalContentURL: img, PreviewImageURL: img, StickerID: "2"}}, "messages[0].stickerId", nil},
		{"a long type", []kizuna.Message{{Type: strings.Repeat("x", 500)}}, "messages[0].type", []string{"…"}},
	} {
		err := kizuna.ValidateMessages(tc.ms)
		errAt(t, tc.name, err, tc.path, tc.want...)
		if e := kizuna.ErrorMessage(err); len(e) > 300 {
			t.Errorf("%s: the message echoes too much: %d bytes", tc.name, len(e))
		}
	}
}

// TestTextLengthMessageJA: the over-long text says how long it is in
// Japanese too.
func TestTextLengthMessageJA(t *testing.T) {
	err := kizuna.ValidateMessages([]kizuna.Message{{Type: "text", Text: strings.Repeat("🍎", 2506)}})
	if got, want := kizuna.ErrorMessage(err), "text is 5,012 characters as LINE counts them (UTF-16); the limit is 5,000"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if ja := kizuna.LocalMessage(err, "ja"); !strings.Contains(ja, "5,012") || !strings.Contains(ja, "5,000") {
		t.Errorf("Japanese %q does not give the length and the limit", ja)
	}
}

// TestValidateBroadcastName: a broadcast's name follows the rules of
// segment names, at the path "name".
func TestValidateBroadcastName(t *testing.T) {
	for _, ok := range []string{"Spring sale", strings.Repeat("あ", 100), "  padded  "} {
		if err := kizuna.ValidateBroadcastName(ok); err != nil {
			t.Errorf("ValidateBroadcastName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("a", 101), "a\x00b", "a\xffb"} {
		errAt(t, fmt.Sprintf("name %.20q", bad), kizuna.ValidateBroadcastName(bad), "name")
	}
}

// TestBroadcastDraftValidate: a draft is checked field by field, each
// error at its path.
func TestBroadcastDraftValidate(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	good := kizuna.BroadcastDraft{
		Name:      "Winter sale",
		SegmentID: 7,
		Messages:  []kizuna.Message{{Type: "text", Text: "Winter sale from Friday"}},
		Schedule:  kizuna.Schedule{Kind: kizuna.ScheduleWeekly, Time: "09:00", Weekdays: []int{1, 4}},
	}
	if err := good.Validate(now); err != nil {
		t.Fatalf("a good draft: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(d *kizuna.BroadcastDraft)
		path string
	}{
		{"no name", func(d *kizuna.BroadcastDraft) { d.Name = " " }, "name"},
		{"no segment", func(d *kizuna.BroadcastDraft) { d.SegmentID = 0 }, "segment_id"},
		{"negative segment", func(d *kizuna.BroadcastDraft) { d.SegmentID = -3 }, "segment_id"},
		{"no messages", func(d *kizuna.BroadcastDraft) { d.Messages = nil }, "messages"},
		{"empty text", func(d *kizuna.BroadcastDraft) { d.Messages = []kizuna.Message{{Type: "text"}} }, "messages[0].text"},
		{"bad time", func(d *kizuna.BroadcastDraft) { d.Schedule.Time = "9:00" }, "schedule.time"},
		{"past", func(d *kizuna.BroadcastDraft) {
			at := now.Add(-time.Hour)
			d.Schedule = kizuna.Schedule{Kind: kizuna.ScheduleAt, At: &at}
		}, "schedule.at"},
	} {
		d := good
		tc.edit(&d)
		errAt(t, tc.name, d.Validate(now), tc.path)
	}
}
