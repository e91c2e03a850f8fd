//! `${VAR}` substitution with compose-go v2.9.1's rules (`template/template.go`).
//!
//! Quirks reproduced on purpose: the operator is the one whose token occurs earliest in the
//! braced text (`${A-x:-y}` uses `-`); braces nest only through `${`; defaults, alternatives and
//! error messages are substituted eagerly even when unused (so an unset variable inside an unused
//! `:?` default still fails, as in Docker Compose 2.40.3); `$` not followed by `$`, a name or `{`
//! is literal.

use std::fmt;

/// Why a substitution failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// `${}`, `${1}`, `${A B}` and the like.
    Invalid { template: String },
    /// `${X:?msg}` / `${X?msg}` with X missing.
    Required { variable: String, reason: String },
    /// The result grew past [`MAX_VALUE_LEN`] (a dotenv file whose lines each double a variable,
    /// `A=$A$A`, would otherwise exhaust memory).
    TooLong { template: String },
}

/// The longest value a substitution may produce: far above any real variable (certificates,
/// keys), far below what exhausts memory.
pub const MAX_VALUE_LEN: usize = 1 << 20;

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Invalid { template } => {
                write!(f, "invalid interpolation format: {template}")
            }
            TemplateError::Required { variable, reason } if reason.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            TemplateError::Required { variable, reason } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {reason}"
                )
            }
            TemplateError::TooLong { template } => {
                let shown: String = template.chars().take(40).collect();
                write!(f, "the value of {shown:?} grows past {MAX_VALUE_LEN} bytes once its variables are substituted")
            }
        }
    }
}

/// Result of substituting one string: the value plus the names of unset variables that were
/// read without a default (Compose warns about each).
#[derive(Debug, Default)]
pub struct Substituted {
    pub value: String,
    pub unset: Vec<String>,
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// What the pattern matched at a `$`.
enum Match<'a> {
    Escaped,
    Named(&'a str),
    /// Braced text without the `${` and `}`, and the text after the matched `}` that the greedy
    /// `(.*)` swallowed (to be substituted and appended).
    Braced(&'a str, &'a str),
    Invalid,
    None,
}

/// Matches the Compose pattern at `s[i]` (which is `$`); returns the match and its byte length.
fn match_at(s: &str, i: usize) -> (Match<'_>, usize) {
    let b = s.as_bytes();
    match b.get(i + 1) {
        Some(b'$') => (Match::Escaped, 2),
        Some(&c) if is_name_start(c) => {
            let mut j = i + 2;
            while j < b.len() && is_name_char(b[j]) {
                j += 1;
            }
            (Match::Named(&s[i + 1..j]), j - i)
        }
        Some(b'{') => {
            let start = i + 2;
            let mut j = start;
            if j < b.len() && is_name_start(b[j]) {
                j += 1;
                while j < b.len() && is_name_char(b[j]) {
                    j += 1;
                }
                if b.get(j) == Some(&b'}') {
                    return (Match::Braced(&s[start..j], ""), j + 1 - i);
                }
                // `:?[-+?](.*)}`: greedy `.*` (no newline) up to the last `}` of the line.
                let mut k = j;
                if b.get(k) == Some(&b':') {
                    k += 1;
                }
                if matches!(b.get(k), Some(b'-' | b'+' | b'?')) {
                    let line_end = s[k..].find('\n').map_or(s.len(), |n| k + n);
                    if let Some(close) = s[k + 1..line_end].rfind('}') {
                        let end = k + 1 + close; // index of the last `}`
                        let whole = &s[i..=end];
                        // compose-go cuts the match at the brace closing the first `${`.
                        let first_close = first_brace_closing(whole).unwrap_or(whole.len() - 1);
                        let inner = &whole[2..first_close];
                        let rest = &whole[first_close + 1..];
                        return (Match::Braced(inner, rest), end + 1 - i);
                    }
                }
            }
            (Match::Invalid, 2)
        }
        _ => (Match::None, 1),
    }
}

fn first_brace_closing(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i32;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// Substitutes every variable in `template` using `lookup`.
///
/// # Errors
/// An invalid `${...}` form, or a required variable that is missing.
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    let mut out = Substituted::default();
    substitute_into(template, lookup, &mut out)?;
    Ok(out)
}

fn substitute_into(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Substituted,
) -> Result<(), TemplateError> {
    let mut i = 0;
    let mut last = 0;
    while let Some(off) = template[i..].find('$') {
        let pos = i + off;
        let (m, len) = match_at(template, pos);
        let replacement = match m {
            Match::None => {
                i = pos + 1;
                continue;
            }
            Match::Escaped => "$".to_string(),
            Match::Named(name) => {
                let v = lookup(name);
                if v.is_none() {
                    out.unset.push(name.to_string());
                }
                v.unwrap_or_default()
            }
            Match::Invalid => {
                return Err(TemplateError::Invalid {
                    template: template.to_string(),
                })
            }
            Match::Braced(inner, rest) => braced(inner, rest, lookup, out)?,
        };
        out.value.push_str(&template[last..pos]);
        out.value.push_str(&replacement);
        if out.value.len() > MAX_VALUE_LEN {
            return Err(TemplateError::TooLong {
                template: template.to_string(),
            });
        }
        i = pos + len;
        last = i;
    }
    out.value.push_str(&template[last..]);
    Ok(())
}

#[derive(Clone, Copy)]
enum Op {
    RequiredNonEmpty,
    Required,
    DefaultNonEmpty,
    Default,
    AltNonEmpty,
    Alt,
}

fn braced(
    inner: &str,
    rest: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Substituted,
) -> Result<String, TemplateError> {
    let ops = [
        (":?", Op::RequiredNonEmpty),
        ("?", Op::Required),
        (":-", Op::DefaultNonEmpty),
        ("-", Op::Default),
        (":+", Op::AltNonEmpty),
        ("+", Op::Alt),
    ];
    // The operator whose token occurs earliest wins; on a tie the colon form (listed first).
    let mut best: Option<(usize, &str, Op)> = None;
    for (tok, op) in ops {
        if let Some(idx) = inner.find(tok) {
            if best.is_none_or(|(b, _, _)| idx < b) {
                best = Some((idx, tok, op));
            }
        }
    }
    let Some((idx, tok, op)) = best else {
        let v = lookup(inner);
        if v.is_none() {
            out.unset.push(inner.to_string());
        }
        return Ok(v.unwrap_or_default());
    };
    let name = &inner[..idx];
    let arg_raw = &inner[idx + tok.len()..];
    // Eager substitution of the argument (compose-go v2.9.1).
    let mut arg_out = Substituted::default();
    substitute_into(arg_raw, lookup, &mut arg_out)?;
    out.unset.extend(arg_out.unset);
    let arg = arg_out.value;
    let value = lookup(name);
    let result = match op {
        Op::RequiredNonEmpty | Op::Required => {
            let ok = match (&value, op) {
                (Some(v), Op::RequiredNonEmpty) => !v.is_empty(),
                (Some(_), _) => true,
                (None, _) => false,
            };
            if !ok {
                return Err(TemplateError::Required {
                    variable: name.to_string(),
                    reason: arg,
                });
            }
            value.unwrap_or_default()
        }
        Op::DefaultNonEmpty => match value {
            Some(v) if !v.is_empty() => v,
            _ => arg,
        },
        Op::Default => value.unwrap_or(arg),
        Op::AltNonEmpty => match value {
            Some(v) if !v.is_empty() => arg,
            other => other.unwrap_or_default(),
        },
        Op::Alt => match value {
            Some(_) => arg,
            None => String::new(),
        },
    };
    let mut tail = Substituted::default();
    substitute_into(rest, lookup, &mut tail)?;
    out.unset.extend(tail.unset);
    Ok(result + &tail.value)
}

/// Variables a template refers to, for `config --variables`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub default_value: String,
    pub presence_value: String,
    pub required: bool,
}

/// Lists the variables used in a template (compose-go `template.ExtractVariables`).
#[must_use]
pub fn extract_variables(template: &str) -> Vec<Variable> {
    let mut vars = Vec::new();
    let mut i = 0;
    while let Some(off) = template[i..].find('$') {
        let pos = i + off;
        let (m, len) = match_at(template, pos);
        match m {
            Match::Named(name) => vars.push(Variable {
                name: name.to_string(),
                default_value: String::new(),
                presence_value: String::new(),
                required: false,
            }),
            Match::Braced(inner, rest) => {
                let mut nested = Vec::new();
                let v = variable_of(inner, &mut nested);
                vars.push(v);
                vars.extend(nested);
                vars.extend(extract_variables(rest));
            }
            _ => {}
        }
        i = pos + len.max(1);
    }
    vars
}

fn variable_of(inner: &str, nested: &mut Vec<Variable>) -> Variable {
    let tokens = [":?", "?", ":-", "-", ":+", "+"];
    let mut best: Option<(usize, &str)> = None;
    for tok in tokens {
        if let Some(idx) = inner.find(tok) {
            if best.is_none_or(|(b, _)| idx < b) {
                best = Some((idx, tok));
            }
        }
    }
    let mut v = Variable {
        name: inner.to_string(),
        default_value: String::new(),
        presence_value: String::new(),
        required: false,
    };
    if let Some((idx, tok)) = best {
        v.name = inner[..idx].to_string();
        let arg = &inner[idx + tok.len()..];
        nested.extend(extract_variables(arg));
        match tok {
            ":?" | "?" => v.required = true,
            ":-" | "-" => v.default_value = arg.to_string(),
            _ => v.presence_value = arg.to_string(),
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("s".into()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("80".into()),
            _ => None,
        }
    }

    fn sub(t: &str) -> String {
        substitute(t, &env).map_or_else(|e| format!("ERR {e}"), |s| s.value)
    }

    #[test]
    fn operators_match_the_reference_matrix() {
        assert_eq!(sub("${UNSET:-def}"), "def");
        assert_eq!(sub("${EMPTY:-def}"), "def");
        assert_eq!(sub("${EMPTY-def}"), "");
        assert_eq!(sub("${SET:+alt}"), "alt");
        assert_eq!(sub("${EMPTY:+alt}"), "");
        assert_eq!(sub("${EMPTY+alt}"), "alt");
        assert_eq!(sub("${UNSET+alt}"), "");
        assert_eq!(sub("${UNSET:-${SET:-x}}"), "s");
        assert_eq!(sub("$SET$SET"), "ss");
        assert_eq!(sub("$$SET"), "$SET");
        assert_eq!(sub("$1 $ $-x"), "$1 $ $-x");
        assert_eq!(sub("${UNSET:-{a}}"), "{a}");
        assert_eq!(sub("${SET}_${UNSET-d1}_${UNSET:-d2}"), "s_d1_d2");
        assert_eq!(sub("$SET-${SET}}"), "s-s}");
        assert_eq!(sub("${UNSET:-a:-b}"), "a:-b");
        assert_eq!(sub("${SET-x:-y}"), "s");
        assert_eq!(sub("${UNSET-x:-y}"), "x:-y");
        assert_eq!(sub("trailing $"), "trailing $");
    }

    #[test]
    fn errors() {
        assert_eq!(
            sub("${UNSET:?must set}"),
            "ERR required variable UNSET is missing a value: must set"
        );
        assert_eq!(
            sub("${EMPTY:?}"),
            "ERR required variable EMPTY is missing a value"
        );
        assert_eq!(sub("${EMPTY?}"), "");
        assert!(sub("${}").starts_with("ERR invalid"));
        assert!(sub("${1}").starts_with("ERR invalid"));
        assert!(sub("${A B}").starts_with("ERR invalid"));
        // Eager evaluation of unused defaults, as in Docker Compose 2.40.3.
        assert!(sub("${SET:-${UNSET:?boom}}").starts_with("ERR required variable UNSET"));
    }

    #[test]
    fn doubling_values_stop_at_the_length_limit() {
        // Regression for the fuzz-found out-of-memory: `A=$A$A` repeated.
        let mut value = "x".repeat(1000);
        let mut err = None;
        for _ in 0..20 {
            let current = value.clone();
            match substitute("$A$A", &|_| Some(current.clone())) {
                Ok(s) => value = s.value,
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        assert!(matches!(err, Some(TemplateError::TooLong { .. })));
    }

    #[test]
    fn unset_variables_are_reported() {
        let s = substitute("img:$TAG ${OTHER}", &env).unwrap();
        assert_eq!(s.value, "img: ");
        assert_eq!(s.unset, vec!["TAG", "OTHER"]);
    }

    #[test]
    fn variables_are_extracted() {
        let vars = extract_variables("${TAG:-latest} $X ${Y:?} ${Z:+on}");
        let names: Vec<_> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["TAG", "X", "Y", "Z"]);
        assert_eq!(vars[0].default_value, "latest");
        assert!(vars[2].required);
        assert_eq!(vars[3].presence_value, "on");
    }
}
