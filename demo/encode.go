package demo

// mix64 is the SplitMix64 finalizer. It is a bijection on uint64, which is what
// makes IDs derived from distinct friend numbers distinct.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm); it is done by hand because time.Time
// formatting dominated the generator's profile.
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendStamp writes s as a quoted JSON string in its style.
func appendStamp(b []byte, s stamp) []byte {
	shift := int64(0)
	if s.style == styleJST || s.style == styleDate {
		shift = jstShift
	}
	local := s.sec + shift
	days := floorDiv(local, day)
	sod := int(local - days*day)
	y, m, d := civil(days)
	b = append(b, '"')
	b = appendDate(b, y, m, d)
	if s.style == styleDate {
		return append(b, '"')
	}
	b = append(b, 'T')
	b = appendPad2(b, sod/3600)
	b = append(b, ':')
	b = appendPad2(b, sod/60%60)
	b = append(b, ':')
	b = appendPad2(b, sod%60)
	switch s.style {
	case styleJST:
		b = append(b, "+09:00"...)
	case styleZ:
		b = append(b, 'Z')
	case styleZMillis:
		ms := int(s.ms)
		b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
	case styleUTCOffset:
		b = append(b, "+00:00"...)
	}
	return append(b, '"')
}

func appendDate(b []byte, y, m, d int) []byte {
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = appendPad2(b, m)
	b = append(b, '-')
	return appendPad2(b, d)
}

func appendPad2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10%10), byte('0'+v%10))
}

func appendInt(b []byte, v int) []byte {
	if v < 0 {
		b = append(b, '-')
		return appendUint(b, uint64(-v))
	}
	return appendUint(b, uint64(v))
}

func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

const hexDigits = "0123456789abcdef"

func appendHex64(b []byte, v uint64) []byte {
	var tmp [16]byte
	for i := 15; i >= 0; i-- {
		tmp[i] = hexDigits[v&15]
		v >>= 4
	}
	return append(b, tmp[:]...)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// encodeULID writes a 48-bit millisecond timestamp and 80 bits of randomness
// (hi holds the top 16 of them) in ULID's Crockford base32 form.
func encodeULID(dst *[26]byte, ms, hi, lo uint64) {
	for i := 9; i >= 0; i-- {
		dst[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 25; i >= 10; i-- {
		dst[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
}

// appendString writes s as a JSON string. Every string the generator writes
// is valid UTF-8, so only quotes, backslashes and control characters need
// escaping.
func appendString[T string | []byte](b []byte, s T) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendCapitalized(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	c := s[0]
	if 'a' <= c && c <= 'z' {
		c -= 'a' - 'A'
	}
	b = append(b, c)
	return append(b, s[1:]...)
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func appendUpper(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
