//! The value tree: YAML-shaped data in which every node remembers where it came from.
//!
//! The loader works on this tree from parsing to normalization, as Docker Compose works on its
//! `map[string]any`; the final tree is the canonical project that `config` prints. Mappings
//! record whether they are *structs* (keys emitted in the order stored, the order of Compose's
//! Go struct fields) or *dicts* (user-keyed maps, sorted at output time).

use std::borrow::Borrow;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast non-cryptographic hasher (the Fx hash of rustc) for the tree's maps: keys come from
/// the user's files, but a map's worst case only costs time, never correctness.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The hasher of the tree's maps (and of the other maps whose keys come from files).
pub type FxBuild = BuildHasherDefault<FxHasher>;

pub use crate::entries::Entries;

use crate::source::Span;

/// A mapping key with the span of its source text. Equality and hashing use the name only.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Key {
    #[must_use]
    pub fn new(name: impl Into<String>, span: Span) -> Key {
        Key {
            name: name.into(),
            span,
        }
    }

    #[must_use]
    pub fn synthetic(name: impl Into<String>) -> Key {
        Key::new(name, Span::SYNTHETIC)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}
impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        &self.name
    }
}

/// How a mapping is ordered on output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MapKind {
    /// User-keyed map (services, environment, labels): sorted when printed.
    #[default]
    Dict,
    /// A Compose struct: printed in stored order, which the loader sets to the Go field order.
    Struct,
}

/// A mapping node.
#[derive(Clone, Debug, Default)]
pub struct Map {
    pub entries: Entries,
    pub kind: MapKind,
}

impl Map {
    #[must_use]
    pub fn new(kind: MapKind) -> Map {
        Map {
            entries: Entries::default(),
            kind,
        }
    }

    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.get_mut(key)
    }

    pub fn insert(&mut self, key: Key, value: Value) -> Option<Value> {
        self.entries.insert(key, value)
    }

    /// Removes a key keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    pub fn remove_entry(&mut self, key: &str) -> Option<(Key, Value)> {
        self.entries.shift_remove_entry(key)
    }

    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.entries.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Key, &mut Value)> {
        self.entries.iter_mut()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(|k| k.name.as_str())
    }

    /// The key as written in the source, with its span.
    #[must_use]
    pub fn key(&self, key: &str) -> Option<&Key> {
        self.entries.get_key_value(key).map(|(k, _)| k)
    }
}

/// The data of a node.
#[derive(Clone, Debug)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A plain scalar that YAML resolves to a timestamp (`2001-12-14`); Compose rejects it in
    /// every typed field, so it is kept apart from strings.
    Timestamp(String),
    /// A string that is not UTF-8 (a value of an env file holding other bytes): Go's strings
    /// hold any bytes, and Docker Compose writes such a value as `!!binary` in YAML and with
    /// U+FFFD for each stray byte in JSON.
    Bytes(Vec<u8>),
    Seq(Vec<Value>),
    Map(Map),
}

/// A node of the value tree with its provenance.
#[derive(Clone, Debug)]
pub struct Value {
    pub kind: Kind,
    pub span: Span,
}

impl Value {
    #[must_use]
    pub fn new(kind: Kind, span: Span) -> Value {
        Value { kind, span }
    }

    #[must_use]
    pub fn null(span: Span) -> Value {
        Value::new(Kind::Null, span)
    }

    #[must_use]
    pub fn str(s: impl Into<String>, span: Span) -> Value {
        Value::new(Kind::Str(s.into()), span)
    }

    #[must_use]
    pub fn int(i: i64, span: Span) -> Value {
        Value::new(Kind::Int(i), span)
    }

    #[must_use]
    pub fn bool(b: bool, span: Span) -> Value {
        Value::new(Kind::Bool(b), span)
    }

    #[must_use]
    pub fn seq(items: Vec<Value>, span: Span) -> Value {
        Value::new(Kind::Seq(items), span)
    }

    #[must_use]
    pub fn map(map: Map, span: Span) -> Value {
        Value::new(Kind::Map(map), span)
    }

    #[must_use]
    pub fn empty_map(kind: MapKind, span: Span) -> Value {
        Value::new(Kind::Map(Map::new(kind)), span)
    }

    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.kind {
            Kind::Map(m) => Some(m),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Value>> {
        match &mut self.kind {
            Kind::Seq(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            Kind::Int(i) => Some(i),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// Looks a key up when this node is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// Follows a path of mapping keys.
    #[must_use]
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    /// The JSON-schema name of this node's type, as Compose's validation messages use it.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Int(_) => "integer",
            Kind::Float(_) => "number",
            Kind::Str(_) | Kind::Bytes(_) => "string",
            Kind::Timestamp(_) => "timestamp",
            Kind::Seq(_) => "array",
            Kind::Map(_) => "mapping",
        }
    }

    /// The scalar as Go's `fmt.Sprint` would print it, which is how Compose turns a number or a
    /// boolean into a label or environment value (`1.50` becomes `1.5`).
    #[must_use]
    pub fn scalar_to_string(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) | Kind::Timestamp(s) => Some(s.clone()),
            Kind::Bytes(b) => Some(go_lossy(b)),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(crate::value::format_go_float(*f)),
            Kind::Bool(b) => Some(b.to_string()),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) => None,
        }
    }
}

/// Bytes as text the way Go's JSON encoder writes them: each byte that is not part of valid
/// UTF-8 becomes U+FFFD (Rust's lossy decoding merges some runs into one).
#[must_use]
pub fn go_lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{fffd}');
        }
    }
    out
}

/// Bytes read as text where stray bytes must come back out unchanged (an env file that is not
/// UTF-8): each byte not part of valid UTF-8 becomes a character of the last private-use
/// plane (U+10FF00 + byte), which [`restore_bytes`] turns back. Text that is valid UTF-8 is
/// returned as it is.
#[must_use]
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push(char::from_u32(ESCAPED + u32::from(*b)).unwrap_or('\u{fffd}'));
        }
    }
    out
}

const ESCAPED: u32 = 0x10_FF00;

/// A value of text made by [`escape_bytes`]: a string, or its bytes when it holds escaped ones.
#[must_use]
pub fn restore_bytes(text: String, span: Span) -> Value {
    let escaped = |c: char| (ESCAPED..=ESCAPED + 0xFF).contains(&u32::from(c));
    if !text.chars().any(escaped) {
        return Value::str(text, span);
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if escaped(c) {
            out.push(u8::try_from(u32::from(c) - ESCAPED).unwrap_or(b'?'));
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Value::new(Kind::Bytes(out), span)
}

/// Formats a float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` (also `%v`).
#[must_use]
pub fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Shortest round-trip digits, from Rust's `{:e}` which prints them as d.ddde±x.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        // %e form with at least two exponent digits.
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let body = if exp < 0 {
        let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else if exp + 1 >= nd {
        let zeros = "0".repeat(usize::try_from(exp + 1 - nd).unwrap_or(0));
        format!("{digits}{zeros}")
    } else {
        let point = usize::try_from(exp + 1).unwrap_or(0);
        format!("{}.{}", &digits[..point], &digits[point..])
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {

    /// Issue 17: an env file holding bytes that are not UTF-8 was refused. They are read
    /// escaped, come back as bytes in the model, and show as Go's JSON shows them.
    #[test]
    fn env_file_bytes_survive_and_show_as_go_shows_them() {
        let raw = b"caf\xc3\xa9 \xff\xe2\x82!";
        let text = escape_bytes(raw);
        let v = restore_bytes(text, Span::SYNTHETIC);
        let Kind::Bytes(b) = &v.kind else {
            panic!("not bytes: {v:?}")
        };
        assert_eq!(b.as_slice(), raw);
        assert_eq!(
            v.scalar_to_string().as_deref(),
            Some("caf\u{e9} \u{fffd}\u{fffd}\u{fffd}!")
        );
        assert!(matches!(
            restore_bytes(escape_bytes(b"plain"), Span::SYNTHETIC).kind,
            Kind::Str(ref s) if s == "plain"
        ));
    }

    use super::{escape_bytes, format_go_float, restore_bytes, Kind, Span};

    #[test]
    fn go_float_formatting() {
        for (f, s) in [
            (1.0, "1"),
            (1.5, "1.5"),
            (1000.0, "1000"),
            (1e21, "1e+21"),
            (1e20, "1e+20"),
            (100_000.0, "100000"),
            (1_234_567.0, "1.234567e+06"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (-2.5e-7, "-2.5e-07"),
            (0.5, "0.5"),
        ] {
            assert_eq!(format_go_float(f), s, "{f}");
        }
    }
}

/// go-yaml v3's map key order (`keyList.Less` in `sorter.go`), used for every user-keyed map
/// in `config` YAML output: digit runs compare numerically (`E2` < `E10`), and at the first
/// difference a letter sorts after a non-letter unless the previous rune was a digit.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    if a == b {
        return Ordering::Equal;
    }
    let lt = if a.is_ascii() && b.is_ascii() {
        natural_less(a.as_bytes(), b.as_bytes(), |c: &u8| char::from(*c))
    } else {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        natural_less(&ar, &br, |c: &char| *c)
    };
    if lt {
        Ordering::Less
    } else if a.is_ascii() && b.is_ascii() {
        if natural_less(b.as_bytes(), a.as_bytes(), |c: &u8| char::from(*c)) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    } else {
        let ar: Vec<char> = a.chars().collect();
        let br: Vec<char> = b.chars().collect();
        if natural_less(&br, &ar, |c: &char| *c) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }
}

fn natural_less<T>(x: &[T], y: &[T], ch: impl Fn(&T) -> char) -> bool {
    let mut digits = false;
    let n = x.len().min(y.len());
    for i in 0..n {
        let (xc, yc) = (ch(&x[i]), ch(&y[i]));
        if xc == yc {
            digits = xc.is_ascii_digit();
            continue;
        }
        let al = xc.is_alphabetic();
        let bl = yc.is_alphabetic();
        if al && bl {
            return xc < yc;
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let (mut an, mut bn): (u128, u128) = (0, 0);
        if xc == '0' || yc == '0' {
            let mut j = i;
            while j > 0 && ch(&x[j - 1]).is_ascii_digit() {
                j -= 1;
                if ch(&x[j]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < x.len() && ch(&x[ai]).is_ascii_digit() {
            an = an
                .saturating_mul(10)
                .saturating_add(u128::from(ch(&x[ai]) as u32 - '0' as u32));
            ai += 1;
        }
        let mut bi = i;
        while bi < y.len() && ch(&y[bi]).is_ascii_digit() {
            bn = bn
                .saturating_mul(10)
                .saturating_add(u128::from(ch(&y[bi]) as u32 - '0' as u32));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return xc < yc;
    }
    x.len() < y.len()
}

#[cfg(test)]
mod order_tests {
    use super::natural_cmp;

    #[test]
    fn natural_order_matches_go_yaml() {
        let mut keys = vec!["e1", "aB", "E10", "E2", "Ab", "_x", "$$SET", "E1"];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, ["$$SET", "_x", "Ab", "E1", "E2", "E10", "aB", "e1"]);
    }
}

impl Value {
    /// Structural equality that ignores spans and map order.
    #[must_use]
    pub fn same(&self, other: &Value) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Null, Kind::Null) => true,
            (Kind::Bool(a), Kind::Bool(b)) => a == b,
            (Kind::Int(a), Kind::Int(b)) => a == b,
            (Kind::Float(a), Kind::Float(b)) => a.to_bits() == b.to_bits(),
            (Kind::Str(a), Kind::Str(b)) | (Kind::Timestamp(a), Kind::Timestamp(b)) => a == b,
            (Kind::Seq(a), Kind::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Kind::Map(a), Kind::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(&k.name).is_some_and(|w| v.same(w)))
            }
            _ => false,
        }
    }
}
